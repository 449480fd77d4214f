"""The keying sheet lists what surveyors confirmed, in LTAX's order, and never owner IDs."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from town import Town, rect

from gisrev.cli._context import CliContext
from gisrev.cli.export_keying import keying
from gisrev.outputs.keying import KEYING_COLUMNS, rai_ngan_wah, write_keying_sheet
from gisrev.survey import import_survey

OWNER_ID = "3100912345678"


@pytest.fixture
def town(clean_db, tmp_path):
    town = Town(clean_db)
    # 100 m x 101.6 m = 10,160 m² = 2,540 sq wah = 6 rai 1 ngan 40 wah
    ids = {"A-1": town.parcel("A-1", rect(0, 0, 100, 101.6), deed_no="1234", deed_type="โฉนด")}
    ids["B-2"] = town.parcel("B-2", rect(200, 0, 20, 20))   # 100 sq wah
    ids["C-3"] = town.parcel("C-3", rect(300, 0, 20, 20))
    ids["D-4"] = town.parcel("D-4", rect(400, 0, 20, 20))
    reg = town.register("B-2", owner_name="=HYPERLINK(\"x\")", owner_id=OWNER_ID,
                        deed_no="555", tax_assessed=10)
    with clean_db.begin() as conn:
        run = conn.execute(sa.text(
            "INSERT INTO analysis_runs (lgu_code, tax_year) VALUES ('000000', 2023) RETURNING id"
        )).scalar_one()
        conn.execute(sa.text(
            "INSERT INTO matches (lgu_code, tax_year, register_id, parcel_id, method, confidence,"
            " analysis_run_id) VALUES ('000000', 2023, :r, :p, 'exact', 1, :run)"
        ), {"r": reg, "p": ids["B-2"], "run": run})
        for code, flags, reason in (("A-1", ["UNREGISTERED"], "ไม่มีในทะเบียน"),
                                    ("B-2", ["USE_MISMATCH"], "ใช้ผิดประเภท"),
                                    ("C-3", ["UNDERPAID"], "ชำระต่ำ"),
                                    ("D-4", ["UNREGISTERED"], "ไม่มีในทะเบียน")):
            conn.execute(sa.text(
                "INSERT INTO findings (lgu_code, tax_year, analysis_run_id, parcel_id, parcel_code,"
                " flags, reason_th, evidence_use) VALUES ('000000', 2023, :run, :p, :c, :f, :r,"
                " 'residential')"
            ), {"run": run, "p": ids[code], "c": code, "f": flags, "r": reason})
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "parcel_code,visited_at,surveyor,found_use,buildings_count,floors,notes,outcome\n"
        "A-1,14/8/2566,สมชาย,agriculture,1,1,,registered\n"
        "B-2,2022-12-01,สมชาย,vacant,0,,,registered\n"   # before the tax year: does not count
        "B-2,2023-09-01,มาลี,commercial,2,3,ร้านค้า,corrected\n"
        "C-3,2023-09-01,มาลี,residential,1,2,,no change\n"  # not confirmed: not keyed
        "D-4,2023-08-01,มาลี,residential,1,2,,registered\n"
        "D-4,2023-10-01,มาลี,,,,gone,not found\n",          # the later visit decides
        encoding="utf-8",
    )
    rep = import_survey(clean_db, survey, lgu_code="000000")
    assert rep.n_loaded == 6, rep.rejects
    return town


def read_sheet(path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return list(wb.worksheets[0].iter_rows(values_only=True))


def test_keying_sheet_has_thai_headings_in_form_order_and_only_confirmed_parcels(town, tmp_path):
    out = tmp_path / "keying.xlsx"
    assert write_keying_sheet(town.engine, out, year=2023, lgu_code="000000") == 2
    rows = read_sheet(out)
    assert rows[0][:10] == (
        "ลำดับที่", "รหัสแปลงที่ดิน", "ประเภทเอกสารสิทธิ์", "เลขที่เอกสารสิทธิ์",
        "ชื่อผู้มีหน้าที่เสียภาษี", "การใช้ประโยชน์", "เนื้อที่ (ไร่)", "เนื้อที่ (งาน)",
        "เนื้อที่ (ตารางวา)", "จำนวนสิ่งปลูกสร้าง",
    )
    assert [r[:12] for r in rows[1:]] == [
        (1, "A-1", "โฉนด", "1234", None, "เกษตรกรรม", 6, 1, 40, 1, 1, "ขึ้นทะเบียนแล้ว"),
        (2, "B-2", None, "555", '=HYPERLINK("x")', "อื่น ๆ (พาณิชยกรรม/อุตสาหกรรม)", 0, 1, 0, 2, 3,
         "แก้ไขข้อมูลแล้ว"),
    ]
    assert rows[1][12] == "14/8/2566"


def test_owner_ids_never_reach_the_sheet_and_formulas_stay_text(town, tmp_path):
    out = tmp_path / "keying.xlsx"
    write_keying_sheet(town.engine, out, year=2023, lgu_code="000000")
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert OWNER_ID not in xml
    assert "<f>" not in xml  # no formula cells: the register's '=HYPERLINK' is a string
    assert "owner_id" not in [c for c, _ in KEYING_COLUMNS]


def test_rai_ngan_wah_carries_rounding():
    assert rai_ngan_wah(2540) == (6, 1, 40.0)
    assert rai_ngan_wah(99.999) == (0, 1, 0.0)
    assert rai_ngan_wah(0.25) == (0, 0, 0.25)


def test_cli_writes_the_sheet(town, tmp_path, database_url):
    out = tmp_path / "k.xlsx"
    runner = CliRunner()
    ctx = CliContext(database_url=database_url)
    try:
        result = runner.invoke(keying, ["--year", "2566", "--out", str(out)], obj=ctx)
        bad = runner.invoke(keying, ["--year", "2566", "--out", str(tmp_path / "k.csv")], obj=ctx)
    finally:
        ctx.close()
    assert result.exit_code == 0, result.output
    assert "Wrote 2 confirmed parcel(s) for tax year 2566" in result.output
    assert len(read_sheet(out)) == 3
    assert bad.exit_code != 0 and "pass --out FILE.xlsx" in str(bad.exception)
