"""``gisrev survey import``: validation, history, idempotence, one transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from town import Town, rect

from gisrev.errors import InputError
from gisrev.survey import import_survey
from gisrev.survey._validate import parse_count, parse_visit_date

LGU = "000000"  # the municipality of town.Town's rows
TODAY = dt.date(2024, 1, 31)
HEADER = (
    "parcel_code,reason,visited_at,surveyor,found_use,buildings_count,floors,notes,photo,outcome"
)


@pytest.fixture
def town(clean_db):
    town = Town(clean_db)
    for i, code in enumerate(("P-0001", "P-0002", "P-0003")):
        town.parcel(code, rect(i * 30, 0, 20, 20))
    town.register("R-ORPHAN")  # a register row with no parcel: still a known code
    return town


def write(tmp_path: Path, *rows: str, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def visits(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT parcel_code, visited_at, surveyor, found_use, buildings_count, floors, outcome,"
            " source_row FROM survey_visits ORDER BY id"
        )).all()


def test_good_rows_are_stored_and_each_bad_row_is_rejected_with_its_reason(town, tmp_path):
    path = write(
        tmp_path,
        "P-0001,UNREGISTERED,2023-08-14,Somchai,commercial,2,3,shop front,p1.jpg,registered",
        "p 0002,UNDERPAID,14/8/2566,Malee,residential,1,,,,no change",   # code normalised, BE date
        "P-9999,UNREGISTERED,2023-08-14,Somchai,residential,1,1,,,registered",  # unknown code
        "P-0003,UNDERPAID,31/02/2566,Somchai,residential,1,1,,,corrected",   # no 31 February
        "P-0003,UNDERPAID,2023-08-15,Somchai,residential,-2,1,,,corrected",   # negative count
        "P-0003,UNDERPAID,2023-08-15,Somchai,residential,1,1,,,perhaps",      # unknown outcome
        "R-ORPHAN,ORPHAN_RECORD,2023-08-16,Malee,,,,gone,,not found",
        "P-0003,UNDERPAID,,,,,,,,",  # not filled in yet: skipped, not rejected
    )
    rep = import_survey(town.engine, path, lgu_code=LGU, today=TODAY)

    assert (rep.n_read, rep.n_loaded, rep.n_rejected, rep.n_blank) == (8, 3, 4, 1)
    assert visits(town.engine) == [
        ("P-0001", dt.date(2023, 8, 14), "Somchai", "other", 2, 3, "registered", 2),
        ("P-0002", dt.date(2023, 8, 14), "Malee", "residential", 1, None, "no_change", 3),
        ("R-ORPHAN", dt.date(2023, 8, 16), "Malee", None, None, None, "not_found", 8),
    ]
    assert [(r.row, r.field, r.value) for r in rep.rejects] == [
        (4, "parcel_code", "P-9999"),
        (5, "visited_at", "31/02/2566"),
        (6, "buildings_count", "-2"),
        (7, "outcome", "perhaps"),
    ]
    with town.engine.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT r.kind, r.row_no, r.field, r.value, r.reason,"
            " l.n_read, l.n_loaded, l.n_rejected"
            " FROM rejects r JOIN load_runs l ON l.id = r.run_id ORDER BY r.row_no"
        )).all()
    assert stored[1] == ("survey", 5, "visited_at", "31/02/2566",
                         "expected a date such as 2023-08-14 or 14/8/2566", 8, 3, 4)
    assert stored[3][4] == ("expected one of registered, corrected, not_found, refused, "
                            "no_change")
    assert str(rep.rejects[2]) == (
        f"{path}, row 6, field 'buildings_count': '-2', expected a whole number of 0 or more"
    )


def test_importing_the_same_file_twice_changes_nothing(town, tmp_path):
    path = write(
        tmp_path,
        "P-0001,UNREGISTERED,2023-08-14,Somchai,commercial,2,3,,,registered",
        "P-0002,UNDERPAID,2023-08-14,Malee,residential,1,2,,,no_change",
    )
    first = import_survey(town.engine, path, lgu_code=LGU, today=TODAY)
    before = visits(town.engine)
    second = import_survey(town.engine, path, lgu_code=LGU, today=TODAY)

    assert (first.n_loaded, second.n_loaded, second.n_already) == (2, 0, 2)
    assert visits(town.engine) == before
    # the same visits in another file (another name, order, spelling) are still the same visits
    again = write(
        tmp_path,
        "P 0002,,14/08/2566,Malee,อยู่อาศัย,1,2,,,ไม่มีการเปลี่ยนแปลง",
        "p-0001,,2023-08-14,Somchai,Commercial,2,3,,,Registered",
        name="copy.csv",
    )
    assert import_survey(town.engine, again, lgu_code=LGU, today=TODAY).n_loaded == 0
    assert visits(town.engine) == before


def test_a_later_visit_never_erases_an_earlier_one(town, tmp_path):
    early = write(tmp_path, "P-0001,,2023-08-14,Somchai,vacant,0,,,,no_change", name="a.csv")
    late = write(tmp_path, "P-0001,,2023-11-02,Malee,residential,1,2,,,registered", name="b.csv")
    import_survey(town.engine, late, lgu_code=LGU, today=TODAY)
    import_survey(town.engine, early, lgu_code=LGU, today=TODAY)  # imported out of order

    assert [v[1] for v in visits(town.engine)] == [dt.date(2023, 11, 2), dt.date(2023, 8, 14)]
    with town.engine.connect() as conn:
        latest = conn.execute(sa.text(
            "SELECT parcel_code, visited_at, found_use, outcome, n_visits FROM survey_latest"
        )).all()
    assert latest == [("P-0001", dt.date(2023, 11, 2), "residential", "registered", 2)]


def test_thai_headers_and_labels_are_understood(town, tmp_path):
    path = tmp_path / "thai.csv"
    path.write_text(
        "รหัสแปลงที่ดิน,วันที่สำรวจ,ผู้สำรวจ,การใช้ประโยชน์ที่พบ,จำนวนสิ่งปลูกสร้าง,ผลการสำรวจ\n"
        "P-0003,๑/๑๒/๒๕๖๖,สมชาย,พาณิชยกรรม,๒,แก้ไขข้อมูลแล้ว\n",
        encoding="utf-8-sig",
    )
    rep = import_survey(town.engine, path, lgu_code=LGU, today=TODAY)
    assert rep.n_loaded == 1, rep.rejects
    assert visits(town.engine) == [
        ("P-0003", dt.date(2023, 12, 1), "สมชาย", "other", 2, None, "corrected", 2)
    ]


def test_strict_refuses_the_whole_file_and_writes_nothing(town, tmp_path):
    path = write(
        tmp_path,
        "P-0001,,2023-08-14,Somchai,commercial,2,3,,,registered",
        "P-0002,,2023-08-14,Malee,residential,1,2,,,maybe",
    )
    with pytest.raises(InputError, match=r"row 3, field 'outcome': 'maybe', expected one of"):
        import_survey(town.engine, path, lgu_code=LGU, strict=True, today=TODAY)
    with town.engine.connect() as conn:
        counts = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM survey_visits), (SELECT count(*) FROM load_runs)"
        )).one()
    assert tuple(counts) == (0, 0)


def test_visits_of_another_municipality_do_not_match(town, tmp_path):
    path = write(tmp_path, "P-0001,,2023-08-14,Somchai,commercial,2,3,,,registered")
    rep = import_survey(town.engine, path, lgu_code="999999", today=TODAY)
    assert (rep.n_loaded, rep.n_rejected) == (0, 1)
    assert "municipality 999999" in rep.rejects[0].expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2023-08-14", dt.date(2023, 8, 14)),
    ("2566-08-14", dt.date(2023, 8, 14)),
    ("14/8/2566", dt.date(2023, 8, 14)),
    ("14/08/2023", dt.date(2023, 8, 14)),
    ("29/2/2567", dt.date(2024, 1, 29).replace(month=2)),
    ("2023-08-14 09:30:00", dt.date(2023, 8, 14)),
    (dt.datetime(2023, 8, 14, 9, 30), dt.date(2023, 8, 14)),
])
def test_visit_dates_in_iso_and_thai_forms(text, expected):
    assert parse_visit_date(text, today=dt.date(2024, 12, 31)) == expected


@pytest.mark.parametrize(
    "text", ["", "14 Aug 2023", "29/2/2566", "8/14/2023", "2025-01-01", "1/1/1900"]
)
def test_bad_or_future_visit_dates_are_refused(text):
    with pytest.raises(ValueError, match="a date such as"):
        parse_visit_date(text, today=dt.date(2024, 12, 31))


def test_counts_must_be_whole_and_not_negative():
    assert parse_count("๓") == 3
    assert parse_count("2.0") == 2
    for bad in ("-1", "1.5", "two"):
        with pytest.raises(ValueError, match="a whole number of 0 or more"):
            parse_count(bad)


def test_cli_reports_counts_and_shows_rejects(town, tmp_path, gisrev_cli):
    path = write(
        tmp_path,
        "P-0001,,2023-08-14,Somchai,commercial,2,3,,,registered",
        "P-0404,,2023-08-14,Somchai,commercial,2,3,,,registered",
    )
    result = gisrev_cli("--lgu", LGU, "survey", "import", path)
    assert result.code == 0, result.err
    assert "Imported 1 new visit(s) from survey.csv" in result.out
    assert "row 3, field 'parcel_code': 'P-0404', expected a parcel code" in result.out
    again = gisrev_cli("--lgu", LGU, "survey", "import", path)
    assert "Imported 0 new visit(s)" in again.out and "1 already imported" in again.out


def test_cli_bad_file_is_one_line_exit_2(town, tmp_path, gisrev_cli):
    path = tmp_path / "visits.txt"
    path.write_text("hello", encoding="utf-8")
    result = gisrev_cli("--lgu", LGU, "survey", "import", path)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "unknown survey file type '.txt'" in result.err
    missing = tmp_path / "nope.csv"
    headerless = tmp_path / "noheader.csv"
    headerless.write_text("a,b\n1,2\n", encoding="utf-8")
    assert "survey file not found" in gisrev_cli("--lgu", LGU, "survey", "import", missing).err
    assert "no parcel_code column" in gisrev_cli("--lgu", LGU, "survey", "import", headerless).err


def test_an_odk_central_export_keeps_the_gps_position(town, tmp_path):
    path = tmp_path / "odk.csv"
    path.write_text(
        "SubmissionDate,parcel_code,visited_at,surveyor,found_use,buildings_count,floors,notes,"
        "photo,outcome,location-Latitude,location-Longitude,location-Altitude,meta-instanceID,KEY\n"
        "2023-08-14T10:00:00.000Z,P-0001,2023-08-14,Somchai,residential,1,2,,"
        "1692000000.jpg,no_change,14.35,100.56,12,uuid:1,uuid:1\n"
        "2023-08-14T10:00:00.000Z,P-0002,2023-08-14,Somchai,residential,1,2,,,no_change,"
        "95,100.56,12,uuid:2,uuid:2\n",
        encoding="utf-8",
    )
    rep = import_survey(town.engine, path, lgu_code=LGU, today=TODAY)
    assert (rep.n_loaded, rep.n_rejected) == (1, 1)
    assert str(rep.rejects[0]).endswith(
        "row 3, field 'lat': '95', expected a latitude in degrees (EPSG:4326) between -90 and 90"
    )
    with town.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT lon, lat, photo FROM survey_visits")).one() == (
            100.56, 14.35, "1692000000.jpg")


def test_a_geopackage_without_geometry_imports_its_rows(town, tmp_path):
    # A form typed into a spreadsheet and saved as a GeoPackage table has no geometry.
    import pandas as pd
    import pyogrio

    path = tmp_path / "typed.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({
        "parcel_code": ["P-0001"], "visited_at": ["2023-08-14"], "outcome": ["registered"],
    }), path, layer="survey")
    rep = import_survey(town.engine, path, lgu_code=LGU, today=TODAY)
    assert (rep.n_loaded, rep.n_rejected) == (1, 0)
    with town.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT parcel_code, lon FROM survey_visits")).one() == (
            "P-0001", None)


@pytest.mark.parametrize(("name", "content", "says"), [
    ("broken.gpkg", b"not a GeoPackage", "cannot be read as a GeoPackage or GeoJSON"),
    ("broken.xlsx", b"not a workbook", "not a readable XLSX workbook"),
    # Excel's "Unicode text" is UTF-16: neither UTF-8 nor Thai Windows cp874
    ("utf16.csv", "parcel_code,outcome\n".encode("utf-16"), "neither UTF-8 nor cp874"),
    ("empty.csv", b"", "the file is empty; expected the survey form's header"),
])
def test_cli_unreadable_survey_file_is_one_line_exit_2(town, tmp_path, gisrev_cli, name, content,
                                                       says):
    path = tmp_path / name
    path.write_bytes(content)
    result = gisrev_cli("--lgu", LGU, "survey", "import", path)
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert str(path) in result.err and says in result.err


def test_xlsx_date_cells_typed_in_buddhist_era_are_converted(town, tmp_path):
    # Excel with a Gregorian locale stores a typed 14/8/2566 as the date 2566-08-14;
    # the register loader reads such cells as BE, and so must the survey importer.
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(HEADER.split(","))
    ws.append(["P-0001", None, dt.date(2566, 8, 14), "Somchai", None, None, None, None, None,
               "registered"])
    ws.append(["P-0002", None, dt.datetime(2023, 8, 15, 9, 30), "Malee", None, None, None, None,
               None, "no_change"])
    wb.save(tmp_path / "survey.xlsx")
    rep = import_survey(town.engine, tmp_path / "survey.xlsx", lgu_code=LGU, today=TODAY)
    assert (rep.n_loaded, rep.n_rejected) == (2, 0), rep.rejects
    assert [v[:2] for v in visits(town.engine)] == [
        ("P-0001", dt.date(2023, 8, 14)), ("P-0002", dt.date(2023, 8, 15))]
