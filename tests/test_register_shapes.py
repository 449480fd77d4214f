"""Findings that rest only on what a register gives, in every shape a municipality exports.

A clean town (no problem planted) and its planted twin are generated with their 2566 register
in several shapes (gisrev.sample.SHAPES: each optional column left out in turn, residential
sub-cases named or not, cp874 CSV and XLSX); each shape's expected findings were worked out
by the generator from the rules alone. Each shape is loaded as a municipality would load it and
analysed: the clean town gives no finding in any shape, the planted town exactly the expected
ones (precision and recall 1.0 per code).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gisrev.analyze import run_analysis
from gisrev.config import load_settings
from gisrev.load import load_register, load_vector
from gisrev.sample import SHAPES, generate_town, shape_of
from gisrev.sample._build import Town, build_town
from gisrev.sample._shapes import OPTIONAL_COLUMNS, write_shape
from gisrev.sample._town import build_map
from gisrev.vocab import FINDING_CODES

PARCELS, SEED = 150, 14
LGU = {"clean": "990001", "planted": "990002"}


def _load_town(engine: sa.Engine, path: Path, lgu: str) -> None:
    settings = load_settings(path / "gisrev.toml", env={"GISREV_LGU": lgu})
    mapping = path / "mapping.toml"
    for kind, name in (("parcels", "parcels.shp"), ("buildings", "buildings.gpkg"),
                       ("zones", "zones.geojson")):
        load_vector(engine, path / name, kind=kind, settings=settings, mapping=mapping)


@pytest.fixture(scope="module")
def towns(engine, tmp_path_factory) -> dict[str, Path]:
    """The clean and the planted town, written with every shape and their layers loaded."""
    with engine.begin() as conn:
        for table in ("findings", "parcel_evidence", "matches", "register", "parcels",
                      "buildings", "zones"):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE lgu_code IN ('990001', '990002')"))
    out = {}
    for kind in ("clean", "planted"):
        town = generate_town(tmp_path_factory.mktemp(kind), parcels=PARCELS, seed=SEED,
                             clean=kind == "clean", shapes=True, register_format="csv")
        _load_town(engine, town.path, LGU[kind])
        out[kind] = town.path
    return out


@pytest.fixture(scope="module")
def in_memory() -> dict[str, Town]:
    """The same two towns in memory, as generate_town builds them, to write more shapes of."""
    towns = {}
    for kind in ("clean", "planted"):
        rng = np.random.default_rng(SEED)
        towns[kind] = build_town(PARCELS, rng, build_map(PARCELS, rng), clean=kind == "clean")
    return towns


def _analyse(engine: sa.Engine, town: Path, folder: Path, lgu: str) -> pd.DataFrame:
    """Load one shape's register, analyse 2566 and return the findings."""
    settings = load_settings(town / "gisrev.toml", env={"GISREV_LGU": lgu})
    (register,) = folder.glob("register_2566.*")
    report = load_register(engine, register, settings=settings, mapping=folder / "mapping.toml")
    assert report.n_rejected == 0, report
    run_analysis(engine, year=2566, settings=settings)
    with engine.connect() as conn:
        return pd.read_sql(sa.text(
            "SELECT parcel_code, array_to_string(flags, ';') AS flags, expected_tax, gap, "
            "array_to_string(assumed, ';') AS assumed FROM findings "
            "WHERE lgu_code = :lgu AND tax_year = 2023"
        ), conn, params={"lgu": lgu})


def _expected(folder: Path) -> pd.DataFrame:
    truth = pd.read_csv(folder / "expected_2566.csv", dtype={"parcel_code": str, "flags": str,
                                                             "assumed": str})
    truth = truth.fillna({"flags": "", "assumed": ""})
    return truth[truth["flags"] != ""]


def _by_code(frame: pd.DataFrame) -> dict[str, set[str]]:
    codes = frame.assign(code=frame["flags"].str.split(";")).explode("code")
    return {c: set(codes.loc[codes["code"] == c, "parcel_code"]) for c in FINDING_CODES}


def _check_exact(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Precision and recall 1.0 per code; the same expected tax, gap and assumptions."""
    got, want = _by_code(found), _by_code(expected)
    wrong = {code: (sorted(got[code] - want[code])[:5], sorted(want[code] - got[code])[:5])
             for code in FINDING_CODES if got[code] != want[code]}
    assert not wrong, f"code: (found but not expected, expected but not found): {wrong}"
    both = expected.merge(found.astype({"expected_tax": float, "gap": float}),
                          on="parcel_code", suffixes=("", "_sql"), validate="1:1")
    parcels = both[both["expected_tax"].notna()]
    pd.testing.assert_series_equal(parcels["expected_tax_sql"], parcels["expected_tax"],
                                   check_names=False, atol=0.02, rtol=0)
    pd.testing.assert_series_equal(parcels["gap_sql"], parcels["gap"], check_names=False,
                                   atol=0.02, rtol=0)
    assert (parcels["assumed_sql"].fillna("") == parcels["assumed"]).all()


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_a_clean_town_gives_no_finding_in_any_register_shape(engine, towns, shape):
    found = _analyse(engine, towns["clean"], towns["clean"] / "shapes" / shape.name,
                     LGU["clean"])
    assert _expected(towns["clean"] / "shapes" / shape.name).empty
    assert found.empty, found.head(10).to_string()


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_the_planted_town_gives_exactly_its_expected_findings(engine, towns, shape):
    folder = towns["planted"] / "shapes" / shape.name
    expected = _expected(folder)
    assert {c for c, found in _by_code(expected).items() if found} >= {
        "UNREGISTERED", "USE_MISMATCH", "ORPHAN_RECORD", "DUPLICATE_RECORD"}
    _check_exact(_analyse(engine, towns["planted"], folder, LGU["planted"]), expected)


def test_what_each_shape_leaves_out_takes_its_findings_with_it(towns):
    counts = {s.name: {c: len(v) for c, v in _by_code(
        _expected(towns["planted"] / "shapes" / s.name)).items()} for s in SHAPES}
    full = counts["full"]
    assert all(n >= 5 for code, n in full.items()), full
    assert counts["full-csv"] == counts["subcase"] == full
    assert counts["no-tax_assessed"]["UNDERPAID"] == counts["no-tax_assessed"]["ARREARS"] == 0
    assert counts["no-tax_paid"]["ARREARS"] == 0
    assert counts["no-tax_paid"]["UNDERPAID"] == full["UNDERPAID"]
    assert counts["no-building_value"]["UNDECLARED_BUILDING"] == 0
    assert counts["no-area"]["AREA_MISMATCH"] == 0
    # The planted town's assessments are right: without the exemption column each home's
    # sub-case is read off its assessment, and nothing changes.
    assert counts["no-exemption"] == counts["subcase-no-exemption"] == full


# Each example generates and analyses two towns (~5 s): a few examples, and no shrinking (a
# failure names its columns already).
@settings(max_examples=6, deadline=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(left_out=st.sets(st.sampled_from(sorted(OPTIONAL_COLUMNS)), min_size=2),
       words=st.booleans())
def test_any_columns_left_out_give_exactly_the_expected_findings(
    engine, towns, in_memory, tmp_path_factory, left_out, words
):
    shape = shape_of(left_out, subcase_words=words)
    for kind in ("clean", "planted"):
        out = tmp_path_factory.mktemp(kind)
        write_shape(in_memory[kind], out, shape)
        expected = _expected(out / shape.name)
        assert kind == "planted" or expected.empty
        _check_exact(_analyse(engine, towns[kind], out / shape.name, LGU[kind]), expected)
