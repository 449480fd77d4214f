"""Registers as LTAX 3000 exports them and offices keep them in Excel (issue 14, item 6).

Title rows above the header, totals rows among and below the accounts, LTAX and
ภ.ด.ส. column names, residential sub-case wordings, the account fields (holding, unit,
share, the Department of Lands' keys), and rejects that name the column, the row and
the value and say how to put it right.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gisrev.config import Settings
from gisrev.errors import InputError, MappingError
from gisrev.load import load_register
from gisrev.load._register_row import Rejected, RowParser, reject_of
from gisrev.load.mapping import resolve_columns
from gisrev.vocab import RESIDENTIAL_SUBCASES, USE_LABELS

SETTINGS = Settings(lgu_code="501004")
TITLE = [
    ["เทศบาลตำบลแม่เหียะ อำเภอเมืองเชียงใหม่"],
    ["ทะเบียนทรัพย์สิน (ภ.ด.ส.3) ประจำปีภาษี 2566, พิมพ์จาก LTAX 3000"],
    ["พิมพ์วันที่ 15/01/2567"],
    [],
]
HEADER = ["ลำดับ", "รหัสแปลง", "ปีภาษี", "ชื่อเจ้าของ", "ลักษณะการทำประโยชน์", "จำนวนเงินภาษี",
          "ภาษีที่ชำระแล้ว", "หน้าสำรวจ"]


def _account(i: int, use: str = "ที่อยู่อาศัย", paid: str = "100") -> list[str]:
    return [str(i), f"ชม-{i:03d}", "2566", f"นายสมชาย ที่{i}", use, "1,000.00", paid, "12"]


def _csv(path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _xlsx(path: Path, rows: Sequence[Sequence[Any]], *, merge: Sequence[str] = ()) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    for cells in merge:
        ws.merge_cells(cells)
    wb.save(path)
    return path


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


# ---------------------------------------------------------------- header and totals

def test_cp874_csv_with_title_rows_finds_its_header_and_skips_the_totals(
    clean_db: Engine, tmp_path: Path
) -> None:
    # Rows 1-4 title and blank, header in row 5, accounts from row 6; a subtotal labelled in
    # the name column (no parcel code, row 8), a bad row (9), and a last row of sums with no
    # label (11) before a blank line.
    rows = [*TITLE, HEADER, _account(1), _account(2), ["", "", "", "รวมตำบลแม่เหียะ", "", "2,000.00"],
            _account(3, paid="ร้อย"), _account(4), ["", "", "", "", "", "4,000.00", "300", ""], []]
    path = _csv(tmp_path / "ltax.csv", rows, encoding="cp874")

    report = load_register(clean_db, path, settings=SETTINGS)

    assert (report.n_read, report.n_loaded, report.n_rejected, report.n_skipped) == (6, 3, 1, 2)
    assert _rows(clean_db, "SELECT source_row, parcel_code, tax_paid, attrs FROM register "
                           "ORDER BY source_row") == [
        (6, "ชม-001", 100.0, {"ลำดับ": "1", "หน้าสำรวจ": "12"}),
        (7, "ชม-002", 100.0, {"ลำดับ": "2", "หน้าสำรวจ": "12"}),
        (10, "ชม-004", 100.0, {"ลำดับ": "4", "หน้าสำรวจ": "12"}),
    ]
    (reject,) = report.rejects
    assert reject.reason == ("column 'ภาษีที่ชำระแล้ว', row 9: 'ร้อย' is not a number; "
                             "expected a number such as 1,234.50 (baht)")
    summary = report.summary()
    assert "Header in row 5; the rows above it were not read." in summary
    assert "Skipped 2 totals rows (rows 8, 11)." in summary
    assert _rows(clean_db, "SELECT options->'header_row', options->'totals_rows', n_read "
                           "FROM load_runs") == [(5, [8, 11], 6)]


def test_xlsx_with_merged_title_cells_finds_its_header_and_skips_the_totals(
    clean_db: Engine, tmp_path: Path
) -> None:
    rows = [["ทะเบียนภาษีที่ดินและสิ่งปลูกสร้าง ปี 2566"], [None], ["ณ วันที่", dt.date(2023, 12, 31)],
            HEADER, _account(1), _account(2, use="บ้านหลังหลัก"),
            [None, "รวมทั้งสิ้น", None, None, None, 2000, 200, None]]
    path = _xlsx(tmp_path / "ltax.xlsx", rows, merge=["A1:H1"])

    report = load_register(clean_db, path, settings=SETTINGS)

    assert (report.n_loaded, report.n_rejected, report.n_skipped) == (2, 0, 1)
    assert _rows(clean_db, "SELECT source_row, declared_use FROM register ORDER BY 1") == [
        (5, "residential"), (6, "residential-primary")
    ]
    assert "Header in row 4" in report.summary()
    assert "Skipped 1 totals row (row 7)." in report.summary()


def test_semicolon_csv_with_a_title_and_thousands_separators_is_split_on_semicolons(
    clean_db: Engine, tmp_path: Path
) -> None:
    # The title has a comma, each row several (1,234,567.00): more commas than semicolons.
    path = tmp_path / "r.csv"
    path.write_text(
        "ทะเบียนภาษี, ปี 2566\n"
        "รหัสแปลง;ปีภาษี;ประเภทการใช้ประโยชน์;มูลค่าที่ดิน;มูลค่าสิ่งปลูกสร้าง;จำนวนเงินภาษี\n"
        "A-1;2566;อื่นๆ;1,234,567.00;2,345,678.00;1,111,111.00\n"
        "A-2;2566;อื่นๆ;7,654,321.00;8,765,432.00;2,222,222.00\n",
        encoding="utf-8",
    )
    report = load_register(clean_db, path, settings=SETTINGS)
    assert (report.n_loaded, report.n_rejected) == (2, 0)
    assert _rows(clean_db, "SELECT land_value, tax_assessed FROM register ORDER BY 1") == [
        (1234567.0, 1111111.0), (7654321.0, 2222222.0)
    ]


def test_an_uncalculated_sum_in_the_last_row_is_a_totals_row(
    clean_db: Engine, tmp_path: Path
) -> None:
    rows = [HEADER, _account(1), _account(2), [None, None, None, None, None, "=SUM(F2:F3)"]]
    report = load_register(clean_db, _xlsx(tmp_path / "r.xlsx", rows), settings=SETTINGS)
    assert (report.n_loaded, report.n_rejected, report.n_skipped) == (2, 0, 1)


def test_a_mapping_file_maps_holding_values_as_the_reject_advises(tmp_path: Path) -> None:
    from gisrev.load import read_mapping

    mapping = tmp_path / "m.toml"
    mapping.write_text('[register.columns]\nholding = "ถือครอง"\n'
                       '[register.values.holding]\n"เช่าที่ดินปลูกบ้าน" = "building"\n',
                       encoding="utf-8")
    header = ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์", "ถือครอง"]
    parsed = read_mapping(mapping)
    columns = resolve_columns("register", header, mapping=parsed, source="r.csv")
    parser = RowParser(columns, header, mapping=parsed, year=None)
    assert parser.parse(["A-1", "2566", "อยู่อาศัย", "เช่าที่ดินปลูกบ้าน"])["holding"] == "building"


def test_a_row_without_a_parcel_code_that_is_not_a_total_is_still_rejected(
    clean_db: Engine, tmp_path: Path
) -> None:
    rows = [HEADER, _account(1), ["2", "", "2566", "นางสาวมาลี", "ที่อยู่อาศัย", "500", "500", ""],
            _account(3)]
    report = load_register(clean_db, _csv(tmp_path / "r.csv", rows), settings=SETTINGS)
    assert (report.n_loaded, report.n_skipped) == (2, 0)
    assert [r.reason for r in report.rejects] == [
        "column 'รหัสแปลง', row 3: the cell is empty; expected a parcel code"
    ]
    assert "totals" not in report.summary() and "Header in row" not in report.summary()


def test_header_row_option_reads_the_header_where_it_is_told(
    gisrev_cli, clean_db: Engine, tmp_path: Path
) -> None:
    # A long preamble: the header is in row 22, below the 20 rows searched.
    preamble = [["รายงานทะเบียน"], *([f"หมายเหตุ {i}"] for i in range(2, 22))]
    rows = [*preamble, ["รหัสแปลง", "ประเภทการใช้ประโยชน์", "เลขที่บ้าน"], ["A-1", "อื่นๆ", "12/3"]]
    path = _csv(tmp_path / "r.csv", rows)
    lgu = ("--lgu", "501004")

    guessed = gisrev_cli(*lgu, "load", "register", path, "--year", "2566")
    assert guessed.code == 2
    assert guessed.err.strip() == (
        f"gisrev: error: {path}: no column for parcel_code (no row of the top 20 names "
        "parcel_code and another known field; row 1 has: รายงานทะเบียน); name it in the "
        'mapping file: [register.columns] parcel_code = "COLUMN", '
        "or give the header's row with --header-row N"
    )

    told = gisrev_cli(*lgu, "load", "register", path, "--year", "2566", "--header-row", "22")
    assert told.code == 0, told.err
    assert "Loaded 1 register" in told.out and "Header in row 22;" in told.out
    assert _rows(clean_db, "SELECT source_row, parcel_code, attrs FROM register") == [
        (23, "A-1", {"เลขที่บ้าน": "12/3"})
    ]

    past = gisrev_cli(*lgu, "load", "register", path, "--year", "2566", "--header-row", "99")
    assert past.code == 2
    assert past.err.strip() == (
        f"gisrev: error: {path}: --header-row 99 is past the end of the file (its last row is "
        "23); give the row that holds the column names"
    )


def test_a_merged_header_below_title_rows_is_named_by_its_own_row(
    clean_db: Engine, tmp_path: Path
) -> None:
    rows = [["ทะเบียน"], ["รหัสแปลง", "ปีภาษี", "เนื้อที่", None, None, "ภาษีที่ชำระ"],
            [None, None, "ไร่", "งาน", "ตารางวา", None], ["X-1", 2566, 1, 0, 0, 100]]
    path = _xlsx(tmp_path / "r.xlsx", rows, merge=["C2:E2"])
    with pytest.raises(InputError, match=r"header row 2 has empty cells in column\(s\) D, E"):
        load_register(clean_db, path, settings=SETTINGS)


# ---------------------------------------------------------------- aliases and vocabulary

ADDED_HEADERS = [
    ("ปีภาษี (พ.ศ.)", "tax_year"), ("รหัสบัญชี", "account_id"),
    ("เลขที่บัญชีทรัพย์สิน", "account_id"), ("เลขที่เอกสารสิทธิ", "deed_no"),
    ("เลขเอกสารสิทธิ์", "deed_no"), ("ประเภทเอกสารสิทธิ์", "deed_type"),
    ("ประเภทเอกสารสิทธิ", "deed_type"), ("เอกสารสิทธิ์", "deed_type"),
    ("ชนิดเอกสารสิทธิ์", "deed_type"), ("ระวาง", "map_sheet"), ("ระวางแผนที่", "map_sheet"),
    ("ระวางที่ดิน", "map_sheet"), ("เลขระวาง", "map_sheet"), ("เลขที่ดิน", "land_no"),
    ("ชื่อ-นามสกุล", "owner_name"), ("ชื่อผู้ถือกรรมสิทธิ์", "owner_name"),
    ("ผู้เสียภาษี", "owner_name"), ("ประเภทบุคคล", "owner_type"),
    ("ประเภทผู้ถือกรรมสิทธิ์", "owner_type"), ("ลักษณะการทำประโยชน์", "declared_use"),
    ("การทำประโยชน์", "declared_use"), ("เนื้อที่ (ตารางวา)", "declared_area_sqwah"),
    ("ราคาประเมินทุนทรัพย์ที่ดิน", "land_value"), ("รวมราคาประเมินที่ดิน", "land_value"),
    ("ราคาประเมินทุนทรัพย์สิ่งปลูกสร้าง", "building_value"),
    ("รวมราคาประเมินสิ่งปลูกสร้าง", "building_value"), ("มูลค่าที่ยกเว้น", "exemption"),
    ("จำนวนเงินภาษี", "tax_assessed"), ("จำนวนภาษี", "tax_assessed"),
    ("จำนวนเงินภาษีที่ต้องชำระ", "tax_assessed"), ("ภาษีที่ชำระแล้ว", "tax_paid"),
    ("จำนวนเงินที่ชำระ", "tax_paid"), ("วันที่ชำระภาษี", "paid_date"),
    ("วันที่ชำระเงิน", "paid_date"), ("ลักษณะการถือครอง", "holding"), ("การถือครอง", "holding"),
    ("ประเภทการถือครอง", "holding"), ("ประเภททรัพย์สิน", "holding"), ("ห้องชุดเลขที่", "unit_no"),
    ("เลขที่ห้องชุด", "unit_no"), ("เลขห้องชุด", "unit_no"), ("สัดส่วนการถือครอง", "share"),
    ("สัดส่วนกรรมสิทธิ์", "share"), ("ส่วนที่ถือครอง", "share"),
]


@pytest.mark.parametrize(("header", "field"), ADDED_HEADERS)
def test_ltax_and_form_headers_are_known_without_a_mapping(header: str, field: str) -> None:
    headers = ["ลำดับ", "รหัสแปลง", header, "หน้าสำรวจ"]
    columns = resolve_columns("register", headers, mapping=None, source="r.csv")
    assert columns == {"รหัสแปลง": "parcel_code", header: field}  # ลำดับ, หน้าสำรวจ: no field


ADDED_VALUES = [
    ("owner_type", "บุคคลธรรมดา", "individual"), ("owner_type", "นิติบุคคล", "juristic"),
    ("declared_use", "บ้านหลังหลัก", "residential-primary"),
    ("declared_use", "บ้านหลัก", "residential-primary"),
    ("declared_use", "ที่อยู่อาศัยหลัก", "residential-primary"),
    ("declared_use", "เจ้าของบ้านและมีชื่อในทะเบียนบ้าน", "residential-primary"),
    ("declared_use", "เจ้าของที่ดินและสิ่งปลูกสร้างและมีชื่อในทะเบียนบ้าน", "residential-primary"),
    ("declared_use", "บ้านหลังหลัก (เจ้าของที่ดินและสิ่งปลูกสร้าง)", "residential-primary"),
    ("declared_use", "ที่อยู่อาศัยหลัก (เจ้าของที่ดินและบ้าน)", "residential-primary"),
    ("declared_use", "ที่อยู่อาศัย (บ้านหลังหลัก)", "residential-primary"),
    ("declared_use", "เจ้าของบ้านไม่มีที่ดิน", "residential-primary-building"),
    ("declared_use", "บ้านหลังหลัก (เฉพาะสิ่งปลูกสร้าง)", "residential-primary-building"),
    ("declared_use", "บ้านหลัก (เฉพาะสิ่งปลูกสร้าง)", "residential-primary-building"),
    ("declared_use", "ที่อยู่อาศัยหลัก (เจ้าของบ้านอย่างเดียว)", "residential-primary-building"),
    ("declared_use", "เจ้าของเฉพาะสิ่งปลูกสร้างและมีชื่อในทะเบียนบ้าน",
     "residential-primary-building"),
    ("declared_use", "บ้านหลังอื่น", "residential-other"),
    ("declared_use", "ที่อยู่อาศัยอื่น", "residential-other"),
    ("declared_use", "ที่อยู่อาศัยหลังอื่น", "residential-other"),
    ("declared_use", "บ้านหลังที่สอง", "residential-other"),
    ("declared_use", "บ้านหลังที่ 2", "residential-other"),
    ("declared_use", "ที่อยู่อาศัย (บ้านหลังอื่น)", "residential-other"),
    ("declared_use", " Residential-Primary-Building ", "residential-primary-building"),
    ("declared_use", "บ้านหลังหลัก   (เฉพาะสิ่งปลูกสร้าง)", "residential-primary-building"),
    ("holding", "ที่ดินและสิ่งปลูกสร้าง", "land+building"),
    ("holding", "ที่ดินพร้อมสิ่งปลูกสร้าง", "land+building"), ("holding", "ที่ดิน", "land"),
    ("holding", "สิ่งปลูกสร้าง", "building"), ("holding", "ห้องชุด", "unit"),
    ("holding", "อาคารชุด", "unit"), ("holding", "ถือครองร่วม", "share"),
    ("holding", "กรรมสิทธิ์รวม", "share"), ("holding", "Land+Building", "land+building"),
]
_VALUE_HEADER = ["parcel_code", "tax_year", "declared_use", "owner_type", "holding"]
_VALUE_PARSER = RowParser({h: h for h in _VALUE_HEADER}, _VALUE_HEADER, mapping=None, year=None)


@pytest.mark.parametrize(("field", "value", "canonical"), ADDED_VALUES)
def test_ltax_and_form_code_values_are_known_without_a_mapping(
    field: str, value: str, canonical: str
) -> None:
    row = {"parcel_code": "A-1", "tax_year": "2566", "declared_use": "อื่นๆ", field: value}
    assert _VALUE_PARSER.parse([row.get(h, "") for h in _VALUE_HEADER])[field] == canonical


def test_every_thai_label_of_a_sub_case_is_read_as_that_sub_case() -> None:
    for code in RESIDENTIAL_SUBCASES:
        label = USE_LABELS[code][0]
        row = ["A-1", "2566", label, "", ""]
        assert _VALUE_PARSER.parse(row)["declared_use"] == code, label


def test_sub_case_wordings_are_stored_as_their_sub_case_not_collapsed(
    clean_db: Engine, tmp_path: Path
) -> None:
    uses = ["บ้านหลังหลัก", "เจ้าของบ้านไม่มีที่ดิน", "บ้านหลังหลัก (เฉพาะสิ่งปลูกสร้าง)", "บ้านหลังอื่น",
            "ที่อยู่อาศัย", "residential-other"]
    rows = [HEADER, *(_account(i, use=u) for i, u in enumerate(uses, start=1))]
    report = load_register(clean_db, _csv(tmp_path / "r.csv", rows, encoding="cp874"),
                           settings=SETTINGS)
    assert report.n_loaded == len(uses)
    assert [u for (u,) in _rows(clean_db, "SELECT declared_use FROM register ORDER BY source_row")
            ] == ["residential-primary", "residential-primary-building",
                  "residential-primary-building", "residential-other", "residential",
                  "residential-other"]


# ---------------------------------------------------------------- the account fields

ACCOUNT_HEADER = ["รหัสแปลง", "ปีภาษี", "ลักษณะการใช้ประโยชน์", "ลักษณะการถือครอง", "ห้องชุดเลขที่",
                  "สัดส่วนการถือครอง", "ระวาง", "เลขที่ดิน", "ประเภทเอกสารสิทธิ์"]
ACCOUNT_ROWS = [
    ["C-1", "2566", "บ้านหลังหลัก", "ห้องชุด", "๑๒/๓๔๕", "", "", "", "หนังสือกรรมสิทธิ์ห้องชุด"],
    ["L-1", "2566", "อื่นๆ", "กรรมสิทธิ์รวม", "", "1/3", "๔๗๔๔ IV ๖๖๑๒-๐๘", "๑๒๓", " โฉนดที่ดิน "],
    ["L-1", "2566", "อื่นๆ", "share", "", "33.3%", "4744 IV 6612-08", "123", "โฉนดที่ดิน"],
    ["L-1", "2566", "อื่นๆ", "ถือครองร่วม", "", "0.5", "", "", ""],
    ["B-1", "2566", "เจ้าของบ้านไม่มีที่ดิน", "สิ่งปลูกสร้าง", "", "", "", "", ""],
    ["P-1", "2566", "เกษตรกรรม", "", "", "", "", "", ""],  # none given: unknown, never zero
    ["X-1", "2566", "อื่นๆ", "share", "", "1.5", "", "", ""],
    ["X-2", "2566", "อื่นๆ", "เช่า", "", "", "", "", ""],
]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])  # column-wise and per-row alike
def test_holding_unit_share_and_land_keys_are_loaded_and_bad_ones_rejected(
    clean_db: Engine, tmp_path: Path, suffix: str
) -> None:
    rows = [ACCOUNT_HEADER, *ACCOUNT_ROWS]
    path = (_csv if suffix == "csv" else _xlsx)(tmp_path / f"r.{suffix}", rows)
    report = load_register(clean_db, path, settings=SETTINGS)
    assert report.n_loaded == 6
    got = _rows(clean_db, "SELECT parcel_code, declared_use, holding, unit_no, "
                          "round(share::numeric, 4)::float8, map_sheet, land_no, deed_type "
                          "FROM register ORDER BY source_row")
    third = round(1 / 3, 4)
    assert got == [
        ("C-1", "residential-primary", "unit", "12/345", None, None, None,
         "หนังสือกรรมสิทธิ์ห้องชุด"),
        ("L-1", "other", "share", None, third, "4744 IV 6612-08", "123", "โฉนดที่ดิน"),
        ("L-1", "other", "share", None, 0.333, "4744 IV 6612-08", "123", "โฉนดที่ดิน"),
        ("L-1", "other", "share", None, 0.5, None, None, None),
        ("B-1", "residential-primary-building", "building", None, None, None, None, None),
        ("P-1", "agriculture", None, None, None, None, None, None),
    ]
    assert [(r.row_no, r.field, r.value, r.reason) for r in report.rejects] == [
        (8, "share", "1.5", "column 'สัดส่วนการถือครอง', row 8: '1.5' is not a share; expected "
                            "a fraction above 0 and at most 1, such as 1/3, 0.5 or 33.3%"),
        (9, "holding", "เช่า", "column 'ลักษณะการถือครอง', row 9: 'เช่า' is not a known holding; "
                             "map it in [register.values.holding] or write one of "
                             "land+building, land, building, unit, share"),
    ]


# ---------------------------------------------------------------- what a reject says

SHAPE = re.compile(r"^column '[^']+', row \d+: ('.*' (is|has) [^;]+|the cell is empty); .+$")
REJECT_HEADER = ["รหัสแปลง", "ปีภาษี", "ลักษณะการทำประโยชน์", "ประเภทบุคคล", "เลขประจำตัวประชาชน",
                 "ไร่", "จำนวนเงินภาษี", "วันที่ชำระภาษี", "ลักษณะการถือครอง", "สัดส่วนการถือครอง"]
GOOD = ["A-1", "2566", "อื่นๆ", "", "", "", "", "", "", ""]


def _bad(column: str, value: Any) -> list[Any]:
    row = list(GOOD)
    row[REJECT_HEADER.index(column)] = value
    return row


@pytest.mark.parametrize(("row", "reason"), [
    (_bad("รหัสแปลง", ""), "column 'รหัสแปลง', row 7: the cell is empty; expected a parcel code"),
    (_bad("ปีภาษี", ""), "column 'ปีภาษี', row 7: the cell is empty; "
                       "expected a tax year such as 2566, or pass --year"),
    (_bad("ปีภาษี", "66"), "column 'ปีภาษี', row 7: '66' is not a year; "
                         "expected a year such as 2566 (BE) or 2023 (CE)"),
    (_bad("ปีภาษี", "2600"), "column 'ปีภาษี', row 7: '2600' is too late; expected a tax year "
                           f"no later than {dt.date.today().year + 544} (BE)"),
    (_bad("ลักษณะการทำประโยชน์", "บ้านพัก"), "column 'ลักษณะการทำประโยชน์', row 7: 'บ้านพัก' is not "
     "a known use; map it in [register.values.declared_use] or write one of agriculture, "
     "residential, other, vacant, mixed, residential-primary, residential-primary-building, "
     "residential-other"),
    (_bad("ลักษณะการทำประโยชน์", ""), "column 'ลักษณะการทำประโยชน์', row 7: the cell is empty; "
     "expected a use: one of agriculture, residential, other, vacant, mixed, "
     "residential-primary, residential-primary-building, residential-other"),
    (_bad("ประเภทบุคคล", "วัด"), "column 'ประเภทบุคคล', row 7: 'วัด' is not a known owner type; "
     "map it in [register.values.owner_type] or write one of individual, juristic"),
    (_bad("เลขประจำตัวประชาชน", "31006001234"), "column 'เลขประจำตัวประชาชน', row 7: "
     "'*******1234' is not an ID number; expected a 13-digit identity or taxpayer number"),
    (_bad("ไร่", "สอง"), "column 'ไร่', row 7: 'สอง' is not a number; "
                       "expected a number such as 1,234.50 (rai)"),
    (_bad("ไร่", "-1"), "column 'ไร่', row 7: '-1' is negative; expected a number, 0 or more"),
    (_bad("จำนวนเงินภาษี", "1,2x"), "column 'จำนวนเงินภาษี', row 7: '1,2x' is not a number; "
                                  "expected a number such as 1,234.50 (baht)"),
    (_bad("วันที่ชำระภาษี", "31/02/2566"), "column 'วันที่ชำระภาษี', row 7: '31/02/2566' is not a "
     "date; expected a real date such as 15/04/2566 or 2023-04-15"),
    (_bad("วันที่ชำระภาษี", "1/1/2700"), "column 'วันที่ชำระภาษี', row 7: '1/1/2700' is in the "
     "future; expected a payment date no later than today"),
    (_bad("ลักษณะการถือครอง", "เช่า"), "column 'ลักษณะการถือครอง', row 7: 'เช่า' is not a known "
     "holding; map it in [register.values.holding] or write one of land+building, land, "
     "building, unit, share"),
    (_bad("สัดส่วนการถือครอง", "0"), "column 'สัดส่วนการถือครอง', row 7: '0' is not a share; "
     "expected a fraction above 0 and at most 1, such as 1/3, 0.5 or 33.3%"),
], ids=lambda v: v[:30] if isinstance(v, str) else None)
def test_each_reject_names_the_column_the_row_the_value_and_the_fix(
    row: list[Any], reason: str
) -> None:
    columns = resolve_columns("register", REJECT_HEADER, mapping=None, source="r.csv")
    parser = RowParser(columns, REJECT_HEADER, mapping=None, year=None)
    with pytest.raises(Rejected) as bad:
        parser.parse(row)
    reject = reject_of(7, bad.value)
    assert reject.reason == reason
    assert SHAPE.match(reject.reason), reject.reason
    assert reject.describe("r.csv") == f"r.csv, {reason}"


def test_a_register_without_a_use_column_says_so_rather_than_blaming_a_cell(
    clean_db: Engine, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "r.csv", [["รหัสแปลง", "ปีภาษี"], ["A-1", "2566"]])
    with pytest.raises(InputError) as refused:
        load_register(clean_db, path, settings=SETTINGS)
    assert (
        "first problem: r.csv, column 'declared_use', row 2: the file has no such column; "
        "expected a use: one of agriculture, " in str(refused.value)
    )
    assert "[register.columns] declared_use = \"COLUMN\"" in str(refused.value)


def test_a_register_without_parcel_codes_is_refused_naming_its_header_row(
    clean_db: Engine, tmp_path: Path
) -> None:
    rows = [["ทะเบียน"], ["แปลง", "ปีภาษี", "ชื่อเจ้าของ"], ["A-1", "2566", "นาย ก"]]
    path = _csv(tmp_path / "r.csv", rows)
    with pytest.raises(MappingError) as refused:
        load_register(clean_db, path, settings=SETTINGS, header_row=2)
    assert str(refused.value) == (
        f"{path}: no column for parcel_code (header row 2 has: แปลง, ปีภาษี, ชื่อเจ้าของ); name it "
        'in the mapping file: [register.columns] parcel_code = "COLUMN", or give the header\'s '
        "row with --header-row N"
    )
