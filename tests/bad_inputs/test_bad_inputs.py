"""Every broken file of the corpus gets its exact outcome, through the real CLI.

Before each load the database holds a small town (parcels, a zone, register rows
and their load runs). A load that cannot proceed must exit with status 2, print
one line that names the file and what to do, print no traceback, and leave every
table exactly as it was. A load that can proceed must record each bad row or
feature in ``rejects`` with its file, row or feature, field, value and reason.
"""

from __future__ import annotations

import contextlib
import io
import re
import traceback
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from bad_corpus import CASES, ORIGIN_X, ORIGIN_Y, Case, square
from sqlalchemy.engine import Engine

from gisrev.cli import main

TABLES = ("parcels", "buildings", "zones", "register", "load_runs", "rejects", "findings",
          "matches", "analysis_runs", "survey_visits")


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``gisrev ARGS`` in-process; an uncaught exception counts as a traceback on stderr."""
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # what a user would see as a crash
            traceback.print_exc()
            code = 1
    return int(code), out.getvalue(), err.getvalue()


def snapshot(engine: Engine) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every row's text, per table."""
    state = {}
    with engine.connect() as conn:
        for table in TABLES:
            state[table] = tuple(conn.execute(sa.text(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM {table} AS t"
            )).one())
    return state


def seed(engine: Engine) -> None:
    """A town the bad loads must not disturb: 3 parcels, a zone, 3 register rows of 2566."""
    wkt = [square(10 + i).wkt for i in range(3)]
    zone = f"POLYGON(({ORIGIN_X - 500} {ORIGIN_Y - 500}, {ORIGIN_X + 1500} {ORIGIN_Y - 500}, " \
           f"{ORIGIN_X + 1500} {ORIGIN_Y + 500}, {ORIGIN_X - 500} {ORIGIN_Y + 500}, " \
           f"{ORIGIN_X - 500} {ORIGIN_Y - 500}))"
    with engine.begin() as conn:
        runs = [conn.execute(sa.text(
            "INSERT INTO load_runs (lgu_code, kind, source, source_hash, n_read, n_loaded) "
            "VALUES ('000000', :kind, :kind || '.seed', 'seed', 3, 3) RETURNING id"
        ), {"kind": kind}).scalar_one() for kind in ("parcels", "zones", "register")]
        for i, geom in enumerate(wkt):
            conn.execute(sa.text(
                "INSERT INTO parcels (lgu_code, run_id, parcel_code, parcel_code_norm, geom) "
                "VALUES ('000000', :run, :code, :code, ST_Multi(ST_GeomFromText(:wkt, 32647)))"
            ), {"run": runs[0], "code": f"OLD{i}", "wkt": geom})
            conn.execute(sa.text(
                "INSERT INTO register (lgu_code, run_id, parcel_code, parcel_code_norm, tax_year,"
                " declared_use, owner_type, tax_assessed, tax_paid)"
                " VALUES ('000000', :run, :code, :code, 2023, 'residential', 'individual', 10, 10)"
            ), {"run": runs[2], "code": f"OLD{i}"})
        conn.execute(sa.text(
            "INSERT INTO zones (lgu_code, run_id, price_per_sqwah, geom) "
            "VALUES ('000000', :run, 1000, ST_Multi(ST_GeomFromText(:wkt, 32647)))"
        ), {"run": runs[1], "wkt": zone})


@pytest.fixture
def town(clean_db: Engine, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Engine:
    monkeypatch.setenv("GISREV_DATABASE_URL", database_url)
    monkeypatch.setenv("GISREV_LGU", "000000")  # the seeded municipality; writing needs one
    seed(clean_db)
    return clean_db


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=c.xfail)) if c.xfail else c
    for c in CASES
], ids=[c.name for c in CASES])
def test_bad_input_has_its_exact_outcome(case: Case, town: Engine, tmp_path: Path) -> None:
    args = case.build(tmp_path)
    before = snapshot(town)

    code, out, err = run_cli(*args)

    assert "Traceback" not in err, err
    assert code == case.code, (out, err)
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert any(re.search(case.line, line) for line in lines), lines
    if case.code == 2:
        errors = [line for line in err.splitlines() if line.startswith("gisrev: error:")]
        assert len(errors) == 1 and str(tmp_path) not in errors[0].split(": error: ")[0], err
    if case.unchanged:
        assert snapshot(town) == before
        return

    with town.connect() as conn:
        run_id, source = conn.execute(sa.text(
            "SELECT id, source FROM load_runs ORDER BY id DESC LIMIT 1")).one()
        rows = conn.execute(sa.text(
            "SELECT source, row_no, feature_id, field, value, reason FROM rejects "
            "WHERE run_id = :run ORDER BY coalesce(row_no, feature_id::int)"
        ), {"run": run_id}).all()
        # What the old town had of other kinds is untouched by a load of this kind.
        assert conn.execute(sa.text("SELECT count(*) FROM zones")).scalar_one() == 1
    assert len(rows) == len(case.rejects), rows
    for row, want in zip(rows, case.rejects, strict=True):
        where = f"row {row.row_no}" if row.row_no is not None else f"feature {row.feature_id}"
        assert row.source == source and Path(source).parent == tmp_path
        assert (where, row.field, row.value) == (want.where, want.field, want.value)
        assert re.search(want.reason, row.reason), row.reason
    if case.check is not None:
        sql, expected = case.check
        with town.connect() as conn:
            value = conn.execute(sa.text(sql)).scalar_one()
        assert value == (pytest.approx(expected) if isinstance(expected, float) else expected)


def test_the_corpus_covers_every_kind_of_breakage_issue_9_lists() -> None:
    names = " ".join(c.name for c in CASES)
    for kind in ("missing-dbf", "missing-shx", "missing-prj", "wrong-utm-zone-prj",
                 "degrees-labelled-as-utm", "zero-area", "self-intersecting", "3d-polygon",
                 "geometry-collection", "duplicate-parcel-codes", "no-features", "zero-bytes",
                 "merged-header", "formula", "cp874-without-bom", "non-numeric-or-negative-money",
                 "years-in-the-future", "mapping-column-typo"):
        assert kind in names
