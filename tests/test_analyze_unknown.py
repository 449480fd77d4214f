"""Unknown is never zero: a register that does not say something raises no finding on it.

The motivating case: a register with no exemption column that records residential use only
as "อยู่อาศัย" flagged every home assessed (rightly) as a primary residence as UNDERPAID.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fixtures_load import write_csv
from town import Town, rect

from gisrev.analyze import run_analysis
from gisrev.config import Settings
from gisrev.load import load_register
from gisrev.tax import Property, get_regime

YEAR = 2023  # 2566 BE: the year's decree takes 15 % off
SETTINGS = Settings(lgu_code="000000")
PRICE = 10_000.0
HEADER = ["รหัสแปลง", "ปีภาษี", "ประเภทผู้เสียภาษี", "ประเภทการใช้ประโยชน์", "เนื้อที่ (ตร.ว.)",
          "มูลค่าสิ่งปลูกสร้าง", "ภาษีที่ประเมิน", "ภาษีที่ชำระ"]


def tax(use: str, land: float, building: float = 0.0) -> float:
    prop = Property(tax_year=YEAR, use=use, land_value=land, building_value=building,
                    owner_type="individual")
    return get_regime("thai").compute(prop).tax


@pytest.fixture
def town(clean_db) -> Town:
    town = Town(clean_db, tax_year=YEAR)
    town.zone(rect(-1000, -1000, 5000, 5000), price_per_sqwah=PRICE)
    return town


def _home(town: Town, code: str, x: float, value: float) -> None:
    """A 100 sq wah parcel (1M baht) with a house worth ``value``."""
    town.parcel(code, rect(x, 0, 20, 20))
    town.building(rect(x + 5, 5, 10, 10), use="residential", value=value)


def _findings(engine: sa.Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT parcel_code, flags, reason_th, reason_en, expected_tax, gap, assumed "
            "FROM findings")).mappings().all()
    return {r["parcel_code"]: dict(r) for r in rows}


def test_homes_assessed_as_primary_residences_are_not_underpaid_without_an_exemption_column(
    town, tmp_path
):
    for i in range(4):  # homes assessed 0: primary residences under the 50M exemption
        _home(town, f"H-{i}", 100 * i, 2_000_000)
    _home(town, "S-1", 500, 2_000_000)  # a second home, assessed as one
    second = tax("residential-other", 1_000_000, 2_000_000)
    _home(town, "B-1", 600, 60_000_000)  # a mansion assessed 0: under even as a primary home
    primary = tax("residential-primary", 1_000_000, 60_000_000)
    rows = [[f"H-{i}", "2566", "บุคคลธรรมดา", "อยู่อาศัย", "100", "2,000,000", "0", "0"]
            for i in range(4)]
    rows += [["S-1", "2566", "บุคคลธรรมดา", "อยู่อาศัย", "100", "2,000,000", f"{second}",
              f"{second}"],
             ["B-1", "2566", "", "อยู่อาศัย", "100", "60,000,000", "0", "0"]]
    load_register(town.engine, write_csv(tmp_path / "reg.csv", HEADER, rows), settings=SETTINGS)

    report = run_analysis(town.engine, year=YEAR, settings=SETTINGS)

    found = _findings(town.engine)
    assert list(found) == ["B-1"] and report.counts["UNDERPAID"] == 1
    b = found["B-1"]
    assert b["flags"] == ["UNDERPAID"]
    assert b["expected_tax"] == primary and b["gap"] == primary
    assert b["assumed"] == ["exemption", "owner_type"]
    assert b["reason_th"].endswith("; ไม่มีข้อมูลการยกเว้น ถือเป็นบ้านหลังหลัก"
                                   "; ไม่มีข้อมูลประเภทผู้เสียภาษี ถือเป็นบุคคลธรรมดา")
    assert b["reason_en"] == (
        f"assessed 0.00 baht, the map's evidence gives {primary:,.2f} baht; no exemption "
        "recorded, taken as a primary residence; no owner type recorded, taken as an individual"
    )
    with town.engine.connect() as conn:
        evidence = dict(conn.execute(sa.text(
            "SELECT parcel_code, use || ' ' || array_to_string(assumed, ',') "
            "FROM parcel_evidence")).all())
    # The register's assessment says which sub-case each home is.
    assert evidence == {**{f"H-{i}": "residential-primary exemption" for i in range(4)},
                        "S-1": "residential-other exemption",
                        "B-1": "residential-primary exemption,owner_type"}


def test_blank_cells_raise_no_finding_that_rests_on_them(town, tmp_path):
    expected = tax("residential-other", 1_000_000, 2_000_000)
    for i, code in enumerate(("P-1", "P-2", "P-3")):
        _home(town, code, 100 * i, 2_000_000)
    town.parcel("V-1", rect(400, 0, 20, 20))  # vacant, declared 1 ngan: the map shows 100
    rows = [
        # paid blank: no ARREARS; paid counts as the assessed tax for the gap
        ["P-1", "2566", "บุคคลธรรมดา", "บ้านหลังอื่น", "100", "2,000,000", f"{expected}", ""],
        # building value blank although a house stands: no UNDECLARED_BUILDING
        ["P-2", "2566", "บุคคลธรรมดา", "บ้านหลังอื่น", "100", "", f"{expected}", f"{expected}"],
        # assessed blank: no UNDERPAID, no ARREARS
        ["P-3", "2566", "บุคคลธรรมดา", "บ้านหลังอื่น", "100", "2,000,000", "", "0"],
        # area blank: no AREA_MISMATCH
        ["V-1", "2566", "บุคคลธรรมดา", "ทิ้งไว้ว่างเปล่า", "", "0", f"{tax('vacant', 1e6)}",
         f"{tax('vacant', 1e6)}"],
    ]
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[register.values.declared_use]\n"บ้านหลังอื่น" = "residential-other"\n',
                       encoding="utf-8")
    load_register(town.engine, write_csv(tmp_path / "reg.csv", HEADER, rows), settings=SETTINGS,
                  mapping=mapping)
    assert run_analysis(town.engine, year=YEAR, settings=SETTINGS).n_findings == 0
    # The same rows with the values given: each raises its finding.
    rows[0][7], rows[1][5], rows[2][6], rows[3][4] = "0", "0", "0", "25"
    rows[2][6] = "1"  # assessed 1 baht on a tax of 510
    load_register(town.engine, write_csv(tmp_path / "reg.csv", HEADER, rows), settings=SETTINGS,
                  mapping=mapping)
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert {code: f["flags"] for code, f in _findings(town.engine).items()} == {
        "P-1": ["ARREARS"], "P-2": ["UNDECLARED_BUILDING"], "P-3": ["UNDERPAID"],
        "V-1": ["AREA_MISMATCH"],
    }
