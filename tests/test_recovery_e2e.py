"""The survey round trip on the sample town, end to end through the CLI.

analyze 2566 → maps and worklists → survey forms → import the survey (twice, and a
file with bad rows) → load the 2567 register → analyze 2567 → revenue recovered,
which must equal the generator's ground truth (recovered.csv) parcel by parcel.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from gisrev.config import load_settings
from gisrev.outputs.recovery import revenue_recovered
from gisrev.sample import generate_town
from gisrev.years import tax_year

pytestmark = pytest.mark.slow


def visits(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT id, parcel_code, visited_at, found_use, buildings_count, outcome, run_id"
            " FROM survey_visits ORDER BY id"
        )).all()]


@pytest.fixture
def town_dir(tmp_path) -> Path:
    return generate_town(tmp_path / "town", parcels=300, seed=2566).path


def test_survey_round_trip_recovers_the_ground_truth(clean_db, gisrev_cli, town_dir, tmp_path):
    conf = ("--config", town_dir / "gisrev.toml")
    mapping = ("--mapping", town_dir / "mapping.toml")

    def ok(*args):
        result = gisrev_cli(*conf, *args)
        assert result.code == 0, result.err
        return result

    ok("load", "parcels", town_dir / "parcels.shp", *mapping)
    ok("load", "buildings", town_dir / "buildings.gpkg", *mapping)
    ok("load", "zones", town_dir / "zones.geojson", *mapping)
    ok("load", "register", town_dir / "register_2566.xlsx", *mapping)
    ok("analyze", "--year", "2566")
    ok("map", "--year", "2566", "--out", tmp_path / "maps")
    forms = ok("survey", "form", "--year", "2566", "--out", tmp_path / "forms",
               "--maps", tmp_path / "maps")
    assert "package-001" in forms.out and (tmp_path / "forms" / "package-001-survey.gpkg").exists()

    survey = town_dir / "survey_2566.csv"
    n_rows = len(pd.read_csv(survey))
    first = ok("survey", "import", survey)
    assert f"Imported {n_rows} new visit(s)" in first.out
    stored = visits(clean_db)
    assert len(stored) == n_rows

    # importing the same file twice changes nothing
    again = ok("survey", "import", survey)
    assert "Imported 0 new visit(s)" in again.out and f"{n_rows} already imported" in again.out
    assert visits(clean_db) == stored

    # bad rows are rejected with reasons; the good row beside them is kept; nothing is lost
    with survey.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = list(reader.fieldnames or [])
    later = dict(rows[0], visited_at="2023-12-20", notes="second visit")
    bad_file = tmp_path / "survey_more.csv"
    with bad_file.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerow(dict(rows[1], parcel_code="NO-SUCH-PARCEL"))
        writer.writerow(dict(rows[1], visited_at="31/02/2566"))
        writer.writerow(dict(rows[1], outcome="maybe"))
        writer.writerow(dict(rows[1], buildings_count="-3"))
        writer.writerow(later)
    more = ok("survey", "import", bad_file)
    assert "Imported 1 new visit(s)" in more.out and "4 rejected" in more.out
    assert "row 2, field 'parcel_code': 'NO-SUCH-PARCEL', expected a parcel code" in more.out
    assert "row 3, field 'visited_at': '31/02/2566', expected a date" in more.out
    after_bad = visits(clean_db)
    assert after_bad[: len(stored)] == stored  # the earlier visits are untouched
    assert after_bad[-1][1:3] == (rows[0]["parcel_code"], dt.date(2023, 12, 20))
    with clean_db.connect() as conn:
        rejects = conn.execute(sa.text(
            "SELECT row_no, field, value FROM rejects WHERE kind = 'survey' ORDER BY row_no"
        )).all()
    assert [tuple(r) for r in rejects] == [
        (2, "parcel_code", "NO-SUCH-PARCEL"), (3, "visited_at", "31/02/2566"),
        (4, "outcome", "maybe"), (5, "buildings_count", "-3"),
    ]

    ok("load", "register", town_dir / "register_2567.csv", *mapping)
    ok("analyze", "--year", "2567")

    settings = load_settings(town_dir / "gisrev.toml", env={})
    got = revenue_recovered(clean_db, year=tax_year(2566), lgu_code=settings.lgu_code)
    truth = pd.read_csv(town_dir / "recovered.csv", dtype={"parcel_code": str})
    merged = got.merge(truth, on="parcel_code", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["how"] == merged["outcome_y"]).all()
    assert merged["recovered"].round(2).tolist() == merged["recovered_baht"].round(2).tolist()
    assert merged["tax_assessed_after"].round(2).tolist() == (
        merged["tax_assessed_2567"].round(2).tolist())
    assert got.attrs["total"] == pytest.approx(truth["recovered_baht"].sum(), abs=0.005)
    assert got.attrs["total"] > 0

    # the report of 2567 shows the same recovered baht (its XLSX has the table)
    ok("report", "--year", "2567", "--out", tmp_path / "report.xlsx")
    book = openpyxl.load_workbook(tmp_path / "report.xlsx", read_only=True)
    try:
        table = list(book["Recovered 2567"].iter_rows(values_only=True))
    finally:
        book.close()
    column = table[0].index("recovered")
    assert sum(r[column] for r in table[1:]) == pytest.approx(got.attrs["total"], abs=0.005)

    # the keying sheet lists exactly the parcels whose latest visit confirmed a fix
    ok("export", "keying", "--year", "2566", "--out", tmp_path / "keying.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "keying.xlsx").worksheets[0]
    keyed = sorted(r[1] for r in sheet.iter_rows(min_row=2, values_only=True))
    confirmed = sorted(
        r["parcel_code"] for r in rows if r["outcome"] in ("registered", "corrected")
    )
    assert keyed == confirmed
