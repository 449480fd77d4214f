"""Acceptance: on the sample town every planted problem is found with its codes, nothing else.

The town is loaded through gisrev.load exactly as a municipality's files would be; its
ground_truth.csv was computed independently in Python by the generator.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from gisrev.analyze import run_analysis
from gisrev.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "sample-town"


@pytest.fixture(scope="module")
def town_dir(tmp_path_factory) -> Path:
    if (COMMITTED / "ground_truth.csv").exists():
        return COMMITTED
    from gisrev.sample import generate_town

    return generate_town(tmp_path_factory.mktemp("town"), parcels=400, seed=7).path


@pytest.fixture(scope="module")
def analysed(engine, town_dir):
    from gisrev.load import load_register, load_vector

    with engine.begin() as conn:
        conn.execute(sa.text(
            "TRUNCATE findings, matches, analysis_runs, rejects, register, parcels, buildings, "
            "zones, load_runs RESTART IDENTITY CASCADE"
        ))
    settings = load_settings(town_dir / "gisrev.toml", env={})
    mapping = town_dir / "mapping.toml"
    for kind in ("parcels", "buildings", "zones"):
        (path,) = [p for p in town_dir.iterdir() if p.stem == kind and p.suffix != ".cpg"
                   and p.suffix in (".shp", ".gpkg", ".geojson", ".fgb")]
        load_vector(engine, path, kind=kind, settings=settings, mapping=mapping)
    (register,) = town_dir.glob("register_2566.*")
    load_register(engine, register, settings=settings, mapping=mapping)
    report = run_analysis(engine, year=2566, settings=settings)
    with engine.connect() as conn:
        found = pd.read_sql(sa.text(
            "SELECT parcel_code, account_id, parcel_id IS NULL AS orphan, "
            "array_to_string(flags, ';') AS flags, expected_tax, gap FROM findings "
            "WHERE tax_year = 2023"
        ), conn)
    truth = pd.read_csv(town_dir / "ground_truth.csv", dtype={"parcel_code": str,
                                                              "account_id": str})
    truth = truth[(truth["tax_year"] == 2023) & truth["flags"].fillna("").ne("")]
    return report, found, truth


def _keys(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["parcel_code"], frame["flags"], strict=True))


def test_every_planted_problem_found_and_no_clean_parcel_flagged(analysed):
    _, found, truth = analysed
    expected, got = _keys(truth), _keys(found)
    missed, extra = expected - got, got - expected
    assert not missed and not extra, (
        f"missed {len(missed)}: {sorted(missed)[:10]}; extra {len(extra)}: {sorted(extra)[:10]}"
    )
    codes = {c for flags in truth["flags"] for c in flags.split(";")}
    assert len(codes) == 8, "the sample town plants every finding code"


def test_expected_tax_and_gap_agree_with_the_ground_truth(analysed):
    _, found, truth = analysed
    parcels = found[~found["orphan"]]
    t = truth[~truth["flags"].str.contains("ORPHAN_RECORD")]
    joined = t.merge(parcels, on="parcel_code", suffixes=("", "_sql"), validate="one_to_one")
    assert len(joined) == len(t)
    pd.testing.assert_series_equal(joined["expected_tax_sql"], joined["expected_tax"],
                                   check_names=False, atol=0.02, rtol=0)
    pd.testing.assert_series_equal(joined["gap_sql"], joined["gap"],
                                   check_names=False, atol=0.02, rtol=0)


def test_report_counts_match_the_findings(analysed):
    report, found, truth = analysed
    assert report.n_findings == len(found) == len(truth)
    for code, n in report.counts.items():
        assert n == truth["flags"].str.split(";").map(lambda f, c=code: c in f).sum(), code
