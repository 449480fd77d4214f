"""Survey forms from worklists, and filled-in forms coming back through the importer."""

from __future__ import annotations

import csv
import datetime as dt
import re
import sqlite3

import openpyxl
import pandas as pd
import pyogrio
import pytest
import sqlalchemy as sa
from town import Town, rect

from gisrev.errors import InputError
from gisrev.outputs.worklist import write_worklist
from gisrev.survey import import_survey, write_survey_forms

LGU = "000000"  # the municipality of town.Town's rows
FIELDS = ["parcel_code", "reason", "visited_at", "surveyor", "found_use", "buildings_count",
          "floors", "notes", "photo", "outcome"]


@pytest.fixture
def town(clean_db):
    town = Town(clean_db)
    ids = {"A-1": town.parcel("A-1", rect(0, 0, 20, 20)),
           "=B-2": town.parcel("=B-2", rect(100, 0, 20, 20))}  # a code that looks like a formula
    town.register("ORPH-9")
    with clean_db.begin() as conn:
        run = conn.execute(sa.text(
            "INSERT INTO analysis_runs (lgu_code, tax_year) VALUES ('000000', 2023) RETURNING id"
        )).scalar_one()
        # Two field stops and a desk finding (the orphan), which no form lists.
        for code, pid, prio, reason, flag, gap in (
            ("A-1", ids["A-1"], 2, "ไม่มีในทะเบียน", "UNREGISTERED", None),
            ("=B-2", ids["=B-2"], 1, "ชำระต่ำ", "UNDERPAID", 5000),
            ("ORPH-9", None, 3, "ไม่พบแปลง", "ORPHAN_RECORD", 900),
        ):
            conn.execute(sa.text(
                "INSERT INTO findings (lgu_code, tax_year, analysis_run_id, parcel_id, parcel_code,"
                " flags, reason_th, priority, gap) VALUES ('000000', 2023, :run, :p, :c, :f, :r,"
                " :o, :g)"
            ), {"run": run, "p": pid, "c": code, "f": [flag], "r": reason, "o": prio, "g": gap})
    return town


def test_one_form_of_the_field_stops_in_priority_order(town, tmp_path):
    [form] = write_survey_forms(town.engine, tmp_path, year=2566, lgu_code=LGU)
    assert (form.name, form.n_parcels) == ("all", 2)
    with form.csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == FIELDS
    assert [r[:3] for r in rows[1:]] == [["'=B-2", "ชำระต่ำ", ""], ["A-1", "ไม่มีในทะเบียน", ""]]


def test_a_year_of_desk_work_only_writes_no_form(town, tmp_path):
    with town.engine.begin() as conn:
        conn.execute(sa.text("UPDATE findings SET flags = ARRAY['ARREARS']"))
    with pytest.raises(InputError, match=r"no field stops: its 3 finding\(s\) are desk work"):
        write_survey_forms(town.engine, tmp_path, year=2566, lgu_code=LGU)


def test_xlsx_form_has_drop_down_lists_and_checks(town, tmp_path):
    [form] = write_survey_forms(town.engine, tmp_path, year=2023, lgu_code=LGU)
    wb = openpyxl.load_workbook(form.xlsx)
    ws = wb["survey"]
    assert [c.value for c in ws[1]] == FIELDS
    assert ws["A2"].value == "=B-2" and ws["A2"].data_type == "s"  # text, not a formula
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules["J2:J200"].formula1 == '"registered,corrected,not_found,refused,no_change"'
    assert rules["E2:E200"].formula1 == '"agriculture,residential,other,vacant,mixed"'
    assert rules["C2:C200"].type == "date"
    # the check must let through the BE date its own message asks for (14/8/2566)
    assert int(re.search(r"DATE\((\d+)", rules["C2:C200"].formula2)[1]) >= 2566 + 10
    assert (rules["F2:F200"].type, rules["F2:F200"].formula1) == ("whole", "0")
    assert "คำอธิบาย" in wb.sheetnames


def test_geopackage_for_qfield_has_shapes_domains_and_value_tables(town, tmp_path):
    [form] = write_survey_forms(town.engine, tmp_path, year=2023, lgu_code=LGU)
    layers = dict(pyogrio.list_layers(form.gpkg))
    assert layers["survey"] == "MultiPolygon"
    assert {"outcome_values", "found_use_values"} <= set(layers)
    gdf = pyogrio.read_dataframe(form.gpkg, layer="survey")
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf["parcel_code"]) == ["=B-2", "A-1"]  # the orphan is desk work
    assert 100.4 < gdf.geometry.iloc[1].centroid.x < 100.6  # near Ayutthaya
    info = pyogrio.read_info(form.gpkg, layer="survey")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["buildings_count"] == "int32" and types["visited_at"].startswith("datetime")
    with sqlite3.connect(form.gpkg) as db:
        coded = db.execute(
            "SELECT c.column_name, k.value FROM gpkg_data_columns c JOIN"
            " gpkg_data_column_constraints k ON k.constraint_name = c.constraint_name"
            " WHERE c.table_name = 'survey' AND k.constraint_type = 'enum' ORDER BY k.rowid"
        ).fetchall()
        ranges = db.execute(
            "SELECT constraint_name, min FROM gpkg_data_column_constraints"
            " WHERE constraint_type = 'range' ORDER BY constraint_name"
        ).fetchall()
    assert [v for c, v in coded if c == "outcome"] == [
        "registered", "corrected", "not_found", "refused", "no_change"]
    assert ranges == [("survey_buildings_count", 0), ("survey_floors", 1)]


def test_xlsform_lists_the_worklist_parcels(town, tmp_path):
    [form] = write_survey_forms(town.engine, tmp_path, year=2023, lgu_code=LGU)
    wb = openpyxl.load_workbook(form.xlsform)
    assert wb.sheetnames == ["survey", "choices", "settings"]
    names = [r[1] for r in wb["survey"].iter_rows(min_row=2, values_only=True)]
    assert names[:10] == [f for f in FIELDS if f != "reason"] + ["location"]
    parcels = [r[1] for r in wb["choices"].iter_rows(min_row=2, values_only=True)
               if r[0] == "parcel"]
    assert parcels == ["=B-2", "A-1"]


def test_filled_in_xlsx_and_geopackage_come_back_through_import(town, tmp_path):
    [form] = write_survey_forms(town.engine, tmp_path, year=2023, lgu_code=LGU)
    wb = openpyxl.load_workbook(form.xlsx)
    ws = wb["survey"]
    ws["C3"], ws["D3"], ws["E3"], ws["F3"], ws["J3"] = (
        dt.datetime(2023, 8, 14), "สมชาย", "residential", 1, "registered")
    wb.save(form.xlsx)
    rep = import_survey(town.engine, form.xlsx, lgu_code=LGU)
    assert (rep.n_loaded, rep.n_blank, rep.n_rejected) == (1, 1, 0)

    # what comes back from QField: the layer with one parcel's attributes filled in
    gdf = pyogrio.read_dataframe(form.gpkg, layer="survey")
    gdf["visited_at"] = gdf["visited_at"].astype("datetime64[ms]")
    gdf.loc[0, ["visited_at", "found_use", "buildings_count", "outcome"]] = (
        pd.Timestamp("2023-09-01"), "other", 2, "corrected")
    gdf.loc[1, ["visited_at", "outcome"]] = (pd.Timestamp("2023-09-02"), "maybe")
    back = tmp_path / "from-qfield.gpkg"
    pyogrio.write_dataframe(gdf, back, layer="survey")
    rep = import_survey(town.engine, back, lgu_code=LGU)
    assert (rep.n_loaded, rep.n_blank, rep.n_rejected) == (1, 0, 1), rep.rejects
    assert str(rep.rejects[0]) == (
        f"{back}, feature 2, field 'outcome': 'maybe', expected one of registered, corrected,"
        " not_found, refused, no_change"
    )
    with town.engine.connect() as conn:
        got = conn.execute(sa.text(
            "SELECT parcel_code, visited_at, found_use, outcome, round(lon::numeric, 3),"
            " lat IS NOT NULL FROM survey_visits ORDER BY id"
        )).all()
    assert [tuple(r[:4]) for r in got] == [
        ("A-1", dt.date(2023, 8, 14), "residential", "registered"),
        ("=B-2", dt.date(2023, 9, 1), "other", "corrected"),
    ]
    assert got[0][4] is None and got[1][5] is True  # the GeoPackage carries a position


def test_one_form_per_worklist_that_gisrev_map_wrote(town, tmp_path):
    maps = tmp_path / "maps"
    (maps / "packages").mkdir(parents=True)
    # orphans.csv, as an older gisrev wrote it, is desk work: no form.
    for stem, codes in (("packages/package-001", ["A-1"]), ("packages/package-002", ["=B-2"]),
                        ("orphans", ["ORPH-9"])):
        frame = pd.DataFrame({"order": range(1, len(codes) + 1), "parcel_code": codes,
                              "flags": "UNDERPAID", "reason_th": "x", "reason_en": "x",
                              "deed_no": None, "lon": None, "lat": None, "gap": 1.0})
        write_worklist(frame, maps / stem)
    forms = write_survey_forms(town.engine, tmp_path / "forms", year=2023, lgu_code=LGU,
                               maps_dir=maps)
    assert [(f.name, f.n_parcels) for f in forms] == [("package-001", 1), ("package-002", 1)]
    with forms[1].csv.open(encoding="utf-8-sig") as fh:
        assert fh.read().splitlines()[1].startswith("'=B-2,x,")  # the code survives the trip


def test_missing_worklists_or_findings_say_what_to_run(clean_db, tmp_path):
    with pytest.raises(InputError, match="run `gisrev analyze --year 2566` first"):
        write_survey_forms(clean_db, tmp_path, year=2023, lgu_code=LGU)
    with pytest.raises(InputError, match="run `gisrev map --year Y"):
        write_survey_forms(clean_db, tmp_path, year=2023, lgu_code=LGU, maps_dir=tmp_path)


def test_cli_survey_form(town, tmp_path, gisrev_cli):
    result = gisrev_cli("survey", "form", "--year", "2566", "--out", tmp_path / "forms")
    assert result.code == 0, result.err
    assert "Wrote 1 survey form(s) for 2 parcel(s)" in result.out
    assert (tmp_path / "forms" / "all-survey.gpkg").exists()


def test_filled_in_csv_form_keeps_a_code_that_looks_like_a_formula(town, tmp_path):
    [form] = write_survey_forms(town.engine, tmp_path, year=2023, lgu_code=LGU)
    lines = form.csv.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("'=B-2,")
    lines[1] = lines[1].replace(",,,,,,,,", ",2023-08-14,Malee,other,1,1,note,,corrected")
    form.csv.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    rep = import_survey(town.engine, form.csv, lgu_code=LGU)
    assert (rep.n_loaded, rep.n_blank, rep.n_rejected) == (1, 1, 0), rep.rejects
    with town.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT parcel_code FROM survey_visits")).scalar() == "=B-2"
