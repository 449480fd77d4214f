"""One planted case per finding code, each with its known answer, on a tiny town."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from town import Town, rect

from gisrev.analyze import run_analysis
from gisrev.config import Settings
from gisrev.tax import Property, get_regime

YEAR = 2023  # 2566 BE
SETTINGS = Settings(lgu_code="000000")
PRICE = 10_000.0  # baht per sq wah in the one zone


def tax(use: str, land: float, building: float = 0.0, owner: str = "individual") -> float:
    return (
        get_regime("thai")
        .compute(
            Property(
                tax_year=YEAR, use=use, land_value=land, building_value=building, owner_type=owner
            )
        )
        .tax
    )


@pytest.fixture
def town(clean_db) -> Town:
    town = Town(clean_db, tax_year=YEAR)
    town.zone(rect(-1000, -1000, 5000, 5000), price_per_sqwah=PRICE, zone_code="Z1")
    return town


def findings(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = (
            conn.execute(
                sa.text(
                    "SELECT parcel_code, flags, reason_th, reason_en, expected_tax, tax_assessed, "
                    "tax_paid, gap, priority, lon, lat FROM findings ORDER BY priority"
                )
            )
            .mappings()
            .all()
        )
    return {r["parcel_code"]: dict(r) for r in rows}


def clean_parcel(town: Town, code: str, x: float, *, side: float = 40.0) -> float:
    """A parcel whose register row agrees with the map; returns its expected tax."""
    town.parcel(code, rect(x, 0, side, side))
    area = side * side / 4
    expected = tax("vacant", area * PRICE)
    town.register(
        code,
        declared_use="vacant",
        declared_area_sqwah=area,
        tax_assessed=expected,
        tax_paid=expected,
    )
    return expected


def test_clean_parcels_are_not_flagged(town):
    clean_parcel(town, "C-1", 0)
    clean_parcel(town, "C-2", 100)
    report = run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert report.n_findings == 0
    assert report.n_parcels == 2 and report.matched["exact"] == 2


def test_unregistered_parcel_with_a_house_is_taxed_as_a_primary_residence(town):
    clean_parcel(town, "C-1", 0)
    town.parcel("U-1", rect(100, 0, 40, 40))  # 400 sq wah × 10,000 = 4M
    town.building(rect(105, 5, 10, 10), use="residential", value=1_000_000)
    report = run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)
    assert list(f) == ["U-1"]
    assert f["U-1"]["flags"] == ["UNREGISTERED"]
    assert f["U-1"]["expected_tax"] == tax("residential-primary", 4_000_000, 1_000_000)
    assert f["U-1"]["gap"] == f["U-1"]["expected_tax"]
    assert "ไม่มีในทะเบียนภาษีปี 2566 มีสิ่งปลูกสร้าง 1 หลัง" in f["U-1"]["reason_th"]
    assert "not in the 2566 tax register, 1 building on the map" in f["U-1"]["reason_en"]
    assert report.counts["UNREGISTERED"] == 1


def test_underpaid_when_assessed_far_below_expected(town):
    town.parcel("P-1", rect(0, 0, 100, 100))  # 2,500 sq wah × 10,000 = 25M vacant
    expected = tax("vacant", 25_000_000)
    town.register(
        "P-1",
        declared_use="vacant",
        declared_area_sqwah=2500,
        tax_assessed=expected / 2,
        tax_paid=expected / 2,
    )
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["P-1"]
    assert f["flags"] == ["UNDERPAID"]
    assert f["gap"] == pytest.approx(expected / 2, abs=0.01)
    assert f"ประเมินภาษี {expected / 2:,.2f} บาท ต่ำกว่าที่ควรเป็น {expected:,.2f} บาท" in f["reason_th"]


def test_underpaid_threshold_is_respected(town):
    town.parcel("P-1", rect(0, 0, 100, 100))
    expected = tax("vacant", 25_000_000)
    town.register(
        "P-1",
        declared_use="vacant",
        declared_area_sqwah=2500,
        tax_assessed=expected * 0.95,
        tax_paid=expected * 0.95,
    )  # 5 % short
    assert run_analysis(town.engine, year=YEAR, settings=SETTINGS).n_findings == 0


def test_use_mismatch_shop_declared_as_residence(town):
    town.parcel("M-1", rect(0, 0, 40, 40))  # 4M land
    town.building(rect(5, 5, 20, 20), use="commercial", floors=2, value=2_000_000)
    declared = tax("residential-other", 4_000_000, 2_000_000)
    town.register(
        "M-1",
        declared_use="residential",
        declared_area_sqwah=400,
        building_value=2_000_000,
        tax_assessed=declared,
        tax_paid=declared,
    )
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["M-1"]
    assert f["flags"] == ["UNDERPAID", "USE_MISMATCH"]
    assert f["expected_tax"] == tax("other", 4_000_000, 2_000_000)
    assert "declared residential, the map shows other (commercial/industrial)" in f["reason_en"]


def test_area_mismatch_reason_in_rai_ngan_wah(town):
    # 2 rai 1 ngan = 900 sq wah = 3,600 m² (60 × 60 m); declared 1 ngan 20 sq wah = 120.
    town.parcel("A-1", rect(0, 0, 60, 60))
    expected = tax("vacant", 900 * PRICE)
    town.register(
        "A-1",
        declared_use="vacant",
        declared_area_sqwah=120,
        tax_assessed=expected,
        tax_paid=expected,
    )
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["A-1"]
    assert f["flags"] == ["AREA_MISMATCH"]
    assert f["reason_th"] == "แจ้งพื้นที่ 1 งาน 20 ตร.ว. แผนที่แสดง 2 ไร่ 1 งาน"
    assert f["reason_en"] == "declared 1 ngan 20 sq wah, the map shows 2 rai 1 ngan"
    assert f["gap"] == 0


def test_undeclared_buildings_are_counted(town):
    town.parcel("B-1", rect(0, 0, 40, 40))
    town.building(rect(2, 2, 8, 8), use="residential", value=100_000)
    town.building(rect(20, 20, 8, 8), use="residential", value=100_000)
    town.building(
        rect(38, 2, 8, 8), use="residential", value=100_000
    )  # mostly outside: not counted
    expected = tax("residential-primary", 4_000_000, 200_000)  # 0 under the 50M exemption
    town.register(
        "B-1",
        declared_use="residential",
        declared_area_sqwah=400,
        exemption=50_000_000,
        building_value=0,
        tax_assessed=expected,
        tax_paid=expected,
    )
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["B-1"]
    assert f["flags"] == ["UNDECLARED_BUILDING"]
    assert f["reason_th"] == "มีสิ่งปลูกสร้าง 2 หลังแต่ไม่ได้แจ้ง"


def test_a_building_completed_after_the_tax_year_is_not_evidence(town):
    town.parcel("B-2", rect(0, 0, 40, 40))
    town.building(rect(2, 2, 8, 8), use="residential", value=100_000, year_built=YEAR + 1)
    expected = tax("vacant", 400 * PRICE)
    for year in (YEAR, YEAR + 1):
        town.register("B-2", tax_year=year, declared_use="vacant", declared_area_sqwah=400,
                      building_value=0, tax_assessed=expected, tax_paid=expected)
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert "B-2" not in findings(town.engine)
    # The next year the house stands on 1 January: now it is evidence.
    run_analysis(town.engine, year=YEAR + 1, settings=SETTINGS)
    assert "UNDECLARED_BUILDING" in findings(town.engine)["B-2"]["flags"]


def test_arrears_when_paid_below_assessed(town):
    town.parcel("R-1", rect(0, 0, 100, 100))
    expected = tax("vacant", 25_000_000)
    town.register(
        "R-1", declared_use="vacant", declared_area_sqwah=2500, tax_assessed=expected, tax_paid=0
    )
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["R-1"]
    assert f["flags"] == ["ARREARS"]
    assert f["gap"] == expected
    assert f["reason_en"] == f"unpaid {expected:,.2f} baht (assessed {expected:,.2f}, paid 0.00)"


def test_orphan_record_is_listed_without_coordinates(town):
    clean_parcel(town, "C-1", 0)
    town.register("GONE-9", declared_use="vacant", tax_assessed=500, tax_paid=500)
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["GONE-9"]
    assert f["flags"] == ["ORPHAN_RECORD"]
    assert f["lon"] is None and f["lat"] is None
    assert f["reason_en"] == "parcel code GONE-9 is not on the map"


def test_duplicate_records_for_one_parcel(town):
    town.parcel("D-1", rect(0, 0, 40, 40))
    expected = tax("vacant", 4_000_000)
    for account in ("A1", "A2"):
        town.register(
            "D-1",
            account_id=account,
            declared_use="vacant",
            declared_area_sqwah=400,
            tax_assessed=expected,
            tax_paid=expected,
        )
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["D-1"]
    assert f["flags"] == ["DUPLICATE_RECORD"]
    assert f["reason_en"] == "2 register accounts for the same parcel"


def test_shop_house_is_taxed_as_mixed_use_by_floor_area(town):
    town.parcel("X-1", rect(0, 0, 40, 40))  # 4M land
    town.building(rect(2, 2, 10, 10), use="commercial", floors=1, value=300_000)  # 100 m²
    town.building(rect(20, 20, 10, 10), use="residential", floors=3, value=900_000)  # 300 m²
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["X-1"]
    regime = get_regime("thai")
    mixed = regime.compute(Property(
        tax_year=YEAR, use="mixed", land_value=4_000_000, building_value=1_200_000,
        parts={"other": 0.25, "residential-primary": 0.75},
    )).tax
    assert f["flags"] == ["UNREGISTERED"]
    assert f["expected_tax"] == pytest.approx(mixed, abs=0.011)


def test_building_without_value_is_estimated_from_type_structure_and_age(town):
    from gisrev.tax.thai import building_value

    town.parcel("E-1", rect(0, 0, 40, 40), price_per_sqwah=1_000)  # own price wins over the zone
    town.building(rect(5, 5, 15, 10), use="commercial", floors=2, building_type="105",
                  structure="masonry", year_built=2011)
    estimate = building_value(floor_area_m2=300, building_type="105", structure="masonry",
                              age_years=12)
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["E-1"]
    assert f["expected_tax"] == tax("other", 400_000, estimate)


def test_duplicate_accounts_first_row_stands(town):
    town.parcel("D-1", rect(0, 0, 40, 40))
    expected = tax("vacant", 4_000_000)
    town.register("D-1", account_id="A1", declared_use="vacant", declared_area_sqwah=400,
                  tax_assessed=expected, tax_paid=expected)
    town.register("D 1", account_id="A2", declared_use="vacant", declared_area_sqwah=400,
                  tax_assessed=expected, tax_paid=0)
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    f = findings(town.engine)["D-1"]
    assert f["flags"] == ["DUPLICATE_RECORD"]
    assert f["tax_paid"] == expected and f["gap"] == 0


def test_building_type_without_a_price_counts_as_unvalued_with_a_warning(town):
    from gisrev.tax.thai import building_value

    town.parcel("T-1", rect(0, 0, 40, 40), price_per_sqwah=1_000)
    town.building(rect(5, 5, 10, 10), use="commercial", building_type="999", structure="masonry",
                  year_built=2011, building_code="B-UNPRICED")
    town.building(rect(20, 20, 10, 10), use="commercial", building_type="105",
                  structure="masonry", year_built=2011)
    priced = building_value(floor_area_m2=100, building_type="105", structure="masonry",
                            age_years=12)
    report = run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    (warning,) = report.warnings
    assert warning.startswith("1 building has a type code without a price")
    assert "B-UNPRICED" in warning and "'999'" in warning
    f = findings(town.engine)["T-1"]
    # The unpriced building counts as 0 baht; the priced one as the tax engine's estimate.
    assert f["expected_tax"] == tax("other", 400_000, priced)
    assert "2 buildings on the map" in f["reason_en"]
