"""Benchmark: importing a survey file — COPY + one INSERT … ON CONFLICT vs an INSERT per visit.

A throw-away database gets N parcels; a CSV of N visits is imported with
``import_survey`` (read, validate, look up codes, binary COPY into a staging table,
one ``INSERT … SELECT … ON CONFLICT DO NOTHING``), then again (every visit already
stored), and the baseline inserts the same visits one statement each in the same
run (insert only: no reading or validation). Prints visits/s and the ratio.

    .venv/bin/python bench/survey.py [--visits 20000] [--db postgresql://…/postgres]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from gisrev.config import DEFAULT_DATABASE_URL
from gisrev.db import init_db, make_engine
from gisrev.db.engine import create_database, drop_database
from gisrev.survey import import_survey
from gisrev.survey._import import _content_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--db", default=DEFAULT_DATABASE_URL, help="server to make a database on")
    args = parser.parse_args()
    n = args.visits
    name = f"gisrev_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(args.db, name)
    engine = make_engine(url)
    try:
        init_db(engine)
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO parcels (lgu_code, parcel_code, parcel_code_norm, geom)"
                " SELECT '000000', 'P-' || i, 'P' || i,"
                " ST_Multi(ST_MakeEnvelope(i * 30, 0, i * 30 + 20, 20, 32647))"
                " FROM generate_series(1, :n) AS i"
            ), {"n": n})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "survey.csv"
            with path.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["parcel_code", "visited_at", "surveyor", "found_use",
                            "buildings_count", "floors", "notes", "outcome"])
                for i in range(1, n + 1):
                    w.writerow([f"P-{i}", f"{1 + i % 28}/8/2566", "สมชาย", "residential",
                                i % 3, 1 + i % 2, "หมายเหตุ", "no_change"])
            t0 = time.perf_counter()
            rep = import_survey(engine, path, lgu_code="000000")
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = import_survey(engine, path, lgu_code="000000")
            second = time.perf_counter() - t0
        assert rep.n_loaded == n and again.n_loaded == 0

        # Baseline: the same visits, one INSERT … ON CONFLICT statement each (a new lgu).
        import datetime as dt

        rows = [
            {"lgu_code": "111111", "parcel_code": f"P-{i}", "parcel_code_norm": f"P{i}",
             "visited_at": dt.date(2023, 8, 1 + i % 28), "surveyor": "สมชาย",
             "found_use": "residential", "buildings_count": i % 3, "floors": 1 + i % 2,
             "notes": "หมายเหตุ", "photo": None, "outcome": "no_change"}
            for i in range(1, n + 1)
        ]
        for r in rows:
            r["content_key"] = _content_key("111111", r)
        stmt = sa.text(
            "INSERT INTO survey_visits (lgu_code, parcel_code, parcel_code_norm, visited_at,"
            " surveyor, found_use, buildings_count, floors, notes, photo, outcome, content_key)"
            " VALUES (:lgu_code, :parcel_code, :parcel_code_norm, :visited_at, :surveyor,"
            " :found_use, :buildings_count, :floors, :notes, :photo, :outcome, :content_key)"
            " ON CONFLICT ON CONSTRAINT survey_visits_content_uq DO NOTHING RETURNING id"
        )
        t0 = time.perf_counter()
        with engine.begin() as conn:
            stored = sum(len(conn.execute(stmt, r).all()) for r in rows)
        baseline = time.perf_counter() - t0
        assert stored == n
    finally:
        engine.dispose()
        drop_database(args.db, name)

    print(f"visits: {n:,}")
    print(f"import_survey, new visits       : {first:6.2f} s  ({n / first:,.0f} visits/s)"
          " — read, validate, look up codes, COPY, insert")
    print(f"import_survey, same file again  : {second:6.2f} s  ({n / second:,.0f} visits/s)")
    print(f"baseline, one INSERT per visit  : {baseline:6.2f} s  ({n / baseline:,.0f} visits/s)"
          " — insert only, no reading or validation")
    print(f"ratio baseline / import_survey  : {baseline / first:.1f}x")


if __name__ == "__main__":
    main()
