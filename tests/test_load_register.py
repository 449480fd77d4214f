from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from fixtures_load import write_csv, write_xlsx
from sqlalchemy.engine import Engine

from gisrev.config import Settings
from gisrev.errors import InputError, MappingError
from gisrev.load import load_register

SETTINGS = Settings(lgu_code="501004")
LTAX_HEADER = [
    "รหัสแปลง",
    "เลขที่โฉนด",
    "ปีภาษี",
    "ชื่อเจ้าของ",
    "เลขประจำตัวประชาชน",
    "ประเภทการใช้ประโยชน์",
    "ไร่",
    "งาน",
    "ตารางวา",
    "ภาษีที่ประเมิน",
    "ภาษีที่ชำระ",
    "วันที่ชำระ",
    "หมายเหตุ",
]


def _rows(engine: Engine, sql: str, **params: object) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def test_xlsx_with_thai_headers_digits_and_be_years_loads(clean_db: Engine, tmp_path: Path) -> None:
    xlsx = write_xlsx(
        tmp_path / "register_2566.xlsx",
        LTAX_HEADER,
        [
            [
                "ชม-๐๐๑",
                "๑๒๓๔",
                "๒๕๖๖",
                "นายสมชาย ใจดี",
                "3100600123456",
                "ที่อยู่อาศัย",
                "๑",
                "๒",
                "๓๕.๕",
                "๑,๒๕๐.๕๐",
                "1,250.50",
                "15/04/๒๕๖๖",
                "ตรวจแล้ว",
            ],
            [
                "ชม-002",
                None,
                2566,
                "บริษัท ล้านนา จำกัด",
                None,
                "เกษตรกรรม",
                3,
                None,
                None,
                300,
                0,
                dt.datetime(2023, 6, 30),
                None,
            ],
        ],
        before=["สรุป"],
    )

    report = load_register(clean_db, xlsx, settings=SETTINGS, sheet="ทะเบียน")

    assert (report.n_read, report.n_loaded, report.n_rejected) == (2, 2, 0)
    rows = _rows(
        clean_db,
        "SELECT parcel_code, parcel_code_norm, deed_no, tax_year, owner_name, owner_type,"
        " declared_use, declared_area_sqwah, tax_assessed, tax_paid, paid_date,"
        " source_row, attrs FROM register ORDER BY source_row",
    )
    first, second = rows
    assert tuple(first) == (
        "ชม-๐๐๑",
        "ชม001",
        "1234",
        2023,
        "นายสมชาย ใจดี",
        "individual",
        "residential",
        635.5,
        1250.5,
        1250.5,
        dt.date(2023, 4, 15),
        2,
        {"หมายเหตุ": "ตรวจแล้ว"},
    )
    assert tuple(second)[:11] == (
        "ชม-002",
        "ชม002",
        None,
        2023,
        "บริษัท ล้านนา จำกัด",
        "individual",
        "agriculture",
        1200.0,
        300.0,
        0.0,
        dt.date(2023, 6, 30),
    )
    assert (
        _rows(clean_db, "SELECT owner_id FROM register WHERE source_row = 2")[0].owner_id
        == "3100600123456"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_csv_encodings_are_detected(clean_db: Engine, tmp_path: Path, encoding: str) -> None:
    csv_path = write_csv(
        tmp_path / "reg.csv",
        ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์", "ชื่อเจ้าของ"],
        [["A-1", "2567", "อื่นๆ", "นางสาวมาลี"]],
        encoding=encoding,
    )
    report = load_register(clean_db, csv_path, settings=SETTINGS)
    assert report.n_loaded == 1
    (row,) = _rows(clean_db, "SELECT tax_year, declared_use, owner_name FROM register")
    assert tuple(row) == (2024, "other", "นางสาวมาลี")


def test_csv_with_a_byte_order_mark_but_cp874_text_is_read_as_cp874(
    clean_db: Engine, tmp_path: Path
) -> None:
    # An editor put a UTF-8 BOM in front of cp874 text (this was a UnicodeDecodeError traceback).
    csv_path = tmp_path / "reg.csv"
    body = "ปีภาษี,รหัสแปลง,ประเภทการใช้ประโยชน์,ชื่อเจ้าของ\r\n2567,A-1,อื่นๆ,นางสาวมาลี\r\n"
    csv_path.write_bytes(b"\xef\xbb\xbf" + body.encode("cp874"))
    report = load_register(clean_db, csv_path, settings=SETTINGS)
    assert report.n_loaded == 1
    (row,) = _rows(clean_db, "SELECT parcel_code, owner_name FROM register")
    assert tuple(row) == ("A-1", "นางสาวมาลี")


def test_bad_rows_are_rejected_with_row_field_value_and_expectation(
    clean_db: Engine, tmp_path: Path
) -> None:
    csv_path = write_csv(
        tmp_path / "reg.csv",
        ["parcel_code", "tax_year", "declared_use", "owner_id", "owner_type", "tax_paid"],
        [
            ["P1", "2566", "residential", "", "", "100"],
            ["P2", "25x6", "residential", "", "", ""],
            ["", "2566", "residential", "", "", ""],
            [],  # a blank line is not a row
            ["P4", "2566", "castle", "", "", ""],
            ["P5", "2566", "other", "", "robot", ""],
            ["P6", "2566", "other", "", "", "1O0"],
        ],
    )
    report = load_register(clean_db, csv_path, settings=SETTINGS)
    assert (report.n_read, report.n_loaded, report.n_rejected) == (6, 1, 5)
    got = [(r.row_no, r.field, r.value) for r in report.rejects]
    assert got == [
        (3, "tax_year", "25x6"),
        (4, "parcel_code", None),
        (6, "declared_use", "castle"),
        (7, "owner_type", "robot"),
        (8, "tax_paid", "1O0"),
    ]
    # Each reason names the column, the spreadsheet row, the value, and what to do.
    uses = (
        "agriculture, residential, other, vacant, mixed, residential-primary, "
        "residential-primary-building, residential-other"
    )
    reasons = [
        "column 'tax_year', row 3: '25x6' is not a year; "
        "expected a year such as 2566 (BE) or 2023 (CE)",
        "column 'parcel_code', row 4: the cell is empty; expected a parcel code",
        "column 'declared_use', row 6: 'castle' is not a known use; "
        f"map it in [register.values.declared_use] or write one of {uses}",
        "column 'owner_type', row 7: 'robot' is not a known owner type; "
        "map it in [register.values.owner_type] or write one of individual, juristic",
        "column 'tax_paid', row 8: '1O0' is not a number; "
        "expected a number such as 1,234.50 (baht)",
    ]
    assert [r.reason for r in report.rejects] == reasons
    stored = _rows(clean_db, "SELECT row_no, field, value, reason FROM rejects ORDER BY row_no")
    assert [(r.row_no, r.field, r.value) for r in stored] == got
    assert [r.reason for r in stored] == reasons
    assert f"reg.csv, {reasons[0]}" in report.summary()


def test_numeric_payment_dates_are_excel_serials_within_reason(
    clean_db: Engine, tmp_path: Path
) -> None:
    # 45031 is 15 April 2023; 2566 is a year typed into the date column (it would be 1907);
    # 1e10 overflowed Python's date with an OverflowError traceback.
    xlsx = write_xlsx(
        tmp_path / "reg.xlsx",
        ["parcel_code", "tax_year", "declared_use", "paid_date"],
        [["P1", 2566, "other", 45031], ["P2", 2566, "other", 2566], ["P3", 2566, "other", 1e10]],
    )
    report = load_register(clean_db, xlsx, settings=SETTINGS)
    assert [(r.row_no, r.field, r.value) for r in report.rejects] == [
        (3, "paid_date", "2566"),
        (4, "paid_date", "10000000000"),
    ]
    assert report.rejects[0].reason == (
        "column 'paid_date', row 3: '2566' is not a date; "
        "expected a date such as 15/04/2566, not the number 2566"
    )
    (row,) = _rows(clean_db, "SELECT parcel_code, paid_date FROM register")
    assert tuple(row) == ("P1", dt.date(2023, 4, 15))


def test_owner_ids_in_rejects_are_masked(clean_db: Engine, tmp_path: Path) -> None:
    csv_path = write_csv(
        tmp_path / "reg.csv",
        ["parcel_code", "tax_year", "declared_use", "owner_id"],
        [["P1", "2566", "other", "3-1006-00123-45-6"], ["P2", "2566", "other", "310060012345"]],
    )  # one digit short
    report = load_register(clean_db, csv_path, settings=SETTINGS)
    assert report.n_loaded == 1
    (reject,) = report.rejects
    assert (reject.row_no, reject.field) == (3, "owner_id")
    assert reject.value == "********2345" and reject.reason == (
        "column 'owner_id', row 3: '********2345' is not an ID number; "
        "expected a 13-digit identity or taxpayer number"
    )
    stored = _rows(clean_db, "SELECT value FROM rejects")
    assert [r.value for r in stored] == ["********2345"]
    assert "31006001" not in report.summary()
    assert _rows(clean_db, "SELECT owner_id FROM register")[0].owner_id == "3100600123456"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_second_id_column_is_not_kept_among_the_other_columns(
    clean_db: Engine, tmp_path: Path, suffix: str
) -> None:
    # owner_id takes the citizen ID; the taxpayer and passport numbers beside it are unmapped,
    # and unmapped columns land in attrs, which maps and exports may show: leave them out.
    header = ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์", "เลขประจำตัวประชาชน",
              "เลขประจำตัวผู้เสียภาษี", "Passport No", "หมายเหตุ"]
    row = ["P1", "2566", "other", "3100600123456", "0105551234567", "AA1234567", "ตรวจแล้ว"]
    write = write_csv if suffix == "csv" else write_xlsx
    path = write(tmp_path / f"reg.{suffix}", header, [row])
    report = load_register(clean_db, path, settings=SETTINGS)
    assert report.n_loaded == 1
    assert _rows(clean_db, "SELECT owner_id, attrs FROM register")[0] == (
        "3100600123456", {"หมายเหตุ": "ตรวจแล้ว"}
    )
    assert [w.split(": ", 1)[1] for w in report.warnings] == [
        "column 'เลขประจำตัวผู้เสียภาษี' looks like personal ID numbers and was not stored",
        "column 'Passport No' looks like personal ID numbers and was not stored",
    ]


def test_strict_load_with_a_bad_row_in_the_middle_leaves_the_database_unchanged(
    clean_db: Engine, tmp_path: Path
) -> None:
    header = ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์"]
    before = write_csv(tmp_path / "old.csv", header, [["OLD", "2566", "อื่นๆ"]])
    load_register(clean_db, before, settings=SETTINGS)
    rows = [[f"P{i}", "2566", "อื่นๆ"] for i in range(50)]
    rows[25][1] = "ปีหน้า"
    bad = write_csv(tmp_path / "new.csv", header, rows)
    with pytest.raises(
        InputError,
        match=r"new\.csv, column 'ปีภาษี', row 27: 'ปีหน้า' is not a year.*--strict: nothing was",
    ):
        load_register(clean_db, bad, settings=SETTINGS, strict=True)
    assert [r.parcel_code for r in _rows(clean_db, "SELECT parcel_code FROM register")] == ["OLD"]
    assert _rows(clean_db, "SELECT count(*) AS n FROM load_runs")[0].n == 1


def test_reloading_replaces_the_years_in_the_file_only(clean_db: Engine, tmp_path: Path) -> None:
    header = ["parcel_code", "tax_year", "declared_use"]
    y2565 = write_csv(
        tmp_path / "a.csv", header, [["P1", "2565", "other"], ["P2", "2565", "other"]]
    )
    y2566 = write_csv(
        tmp_path / "b.csv", header, [["P1", "2566", "other"], ["P1", "2566", "vacant"]]
    )
    load_register(clean_db, y2565, settings=SETTINGS)
    first = load_register(clean_db, y2566, settings=SETTINGS)
    second = load_register(clean_db, y2566, settings=SETTINGS)
    assert (first.n_read, first.n_loaded) == (second.n_read, second.n_loaded) == (2, 2)
    counts = _rows(clean_db, "SELECT tax_year, count(*) AS n FROM register GROUP BY 1 ORDER BY 1")
    assert [tuple(r) for r in counts] == [(2022, 2), (2023, 2)]


def test_year_option_fills_missing_years_and_rejects_others(
    clean_db: Engine, tmp_path: Path
) -> None:
    no_year = write_csv(tmp_path / "a.csv", ["parcel_code", "declared_use"], [["P1", "other"]])
    with pytest.raises(MappingError, match=r"no column for tax_year.*--year"):
        load_register(clean_db, no_year, settings=SETTINGS)
    assert load_register(clean_db, no_year, settings=SETTINGS, year="2566").n_loaded == 1
    mixed = write_csv(
        tmp_path / "b.csv",
        ["parcel_code", "tax_year", "declared_use"],
        [["P1", "2566", "other"], ["P2", "2567", "other"], ["P3", "", "other"]],
    )
    report = load_register(clean_db, mixed, settings=SETTINGS, year=2023)
    assert report.n_loaded == 2
    assert [(r.row_no, r.reason) for r in report.rejects] == [
        (3, "column 'tax_year', row 3: '2567' is not the tax year given with --year; "
            "expected 2566 or a blank cell")
    ]


def test_mapping_file_maps_register_columns_and_values(clean_db: Engine, tmp_path: Path) -> None:
    csv_path = write_csv(
        tmp_path / "export.csv", ["PCL", "YR", "USE_CD", "AREA"], [["9-9", "2566", "R", "1,000"]]
    )
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[register.columns]\nparcel_code = "PCL"\ntax_year = "YR"\ndeclared_use = "USE_CD"\n'
        'declared_area_sqwah = "AREA"\n[register.values.declared_use]\n"R" = "residential"\n',
        encoding="utf-8",
    )
    report = load_register(clean_db, csv_path, settings=SETTINGS, mapping=mapping)
    assert report.n_loaded == 1
    (row,) = _rows(
        clean_db, "SELECT parcel_code_norm, declared_use, declared_area_sqwah FROM register"
    )
    assert tuple(row) == ("99", "residential", 1000.0)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[register]\ncolumns = "PCL"\n', "[register.columns] must be a table"),
        ("[register]\nvalues = 3\n", "[register.values] must hold one table per field"),
        ('[register.values]\ndeclared_use = "R"\n', "[register.values] must hold one table"),
    ],
)
def test_cli_malformed_mapping_sections_are_one_line_exit_2(
    gisrev_cli, clean_db: Engine, tmp_path: Path, toml: str, expected: str
) -> None:
    csv_path = write_csv(tmp_path / "reg.csv", ["รหัสแปลง", "ปีภาษี"], [["P1", "2566"]])
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(toml, encoding="utf-8")
    result = gisrev_cli("--lgu", "000000", "load", "register", csv_path, "--mapping", mapping)
    assert result.code == 2 and "Traceback" not in result.err, result.err
    (line,) = result.err.strip().splitlines()
    assert line.startswith(f"gisrev: error: {mapping}: ") and expected in line


def test_cli_register_missing_mapping_column_exits_2(
    gisrev_cli, clean_db: Engine, tmp_path: Path
) -> None:
    csv_path = write_csv(tmp_path / "reg.csv", ["รหัสแปลง", "ปีภาษี"], [["P1", "2566"]])
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[register.columns]\ntax_paid = "ชำระแล้ว (บาท)"\n', encoding="utf-8")
    result = gisrev_cli("--lgu", "000000", "load", "register", csv_path, "--mapping", mapping)
    assert result.code == 2
    (line,) = result.err.strip().splitlines()
    assert "'ชำระแล้ว (บาท)'" in line and "reg.csv" in line and "mapping.toml" in line


def test_cli_register_summary_never_shows_owner_ids(
    gisrev_cli, clean_db: Engine, tmp_path: Path
) -> None:
    csv_path = write_csv(
        tmp_path / "reg.csv",
        ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์", "เลขประจำตัวประชาชน"],
        [["P1", "2566", "อื่นๆ", "3100600123456"], ["P2", "2566", "???", "3100600999999"]],
    )
    result = gisrev_cli("--lgu", "000000", "load", "register", csv_path)
    assert result.code == 0, result.err
    assert (
        "Loaded 1 register from reg.csv" in result.out
        and "reg.csv, column 'ประเภทการใช้ประโยชน์', row 3: '???' is not a known use" in result.out
    )
    assert "3100600" not in result.out + result.err


def test_cli_strict_register_load_exits_2_and_writes_nothing(
    gisrev_cli, clean_db: Engine, tmp_path: Path
) -> None:
    rows = [[f"P{i}", "2566", "อื่นๆ", "1,000"] for i in range(9)]
    rows[4][3] = "หนึ่งพัน"
    csv_path = write_csv(
        tmp_path / "reg.csv", ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์", "ภาษีที่ชำระ"], rows
    )
    result = gisrev_cli("--lgu", "000000", "load", "register", csv_path, "--strict")
    assert result.code == 2
    (line,) = result.err.strip().splitlines()
    assert "reg.csv, column 'ภาษีที่ชำระ', row 6: 'หนึ่งพัน' is not a number" in line
    assert "--strict: nothing was loaded" in line
    assert (
        _rows(
            clean_db,
            "SELECT (SELECT count(*) FROM register) + (SELECT count(*) FROM load_runs) AS n",
        )[0].n
        == 0
    )
