"""Revenue over every parcel; what-if with new land prices and exemptions, the register re-billed.

The planted town is analysed for real for 2566 BE (2023 CE, 15 % off by royal decree); every
tax below is worked out by hand, at 0.3 % for commercial ("other") and vacant land:

- Z1 at 10,000 baht a square wah holds A-1: 100 sq wah (1M), declared "other" with a land
  value of 1M, assessed and paid 2,550. Clean.
- Z2 at 5,000 holds B-1: 400 sq wah (2M), unregistered and empty, taxed as vacant: 5,100, all
  of it gap; and C-1: 100 sq wah at its own price of 8,000 (800,000), declared "other" without
  a land value (so the declared area at its price), assessed 2,040 and half paid: ARREARS, gap
  1,020.
"""

from __future__ import annotations

import pytest
from town import Town, rect

import gisrev
from gisrev.analyze import run_analysis
from gisrev.config import Settings
from gisrev.errors import InputError, TaxRuleError

YEAR = 2023
LGU = "000000"


@pytest.fixture
def town(clean_db) -> Town:
    town = Town(clean_db, lgu_code=LGU, tax_year=YEAR)
    town.zone(rect(0, 0, 100, 100), price_per_sqwah=10_000, zone_code="Z1")
    town.zone(rect(100, 0, 100, 100), price_per_sqwah=5_000, zone_code="Z2")
    town.parcel("A-1", rect(10, 10, 20, 20))
    town.register("A-1", declared_use="other", declared_area_sqwah=100, land_value=1_000_000,
                  tax_assessed=2_550, tax_paid=2_550)
    town.parcel("B-1", rect(110, 10, 40, 40))
    town.parcel("C-1", rect(160, 60, 20, 20), price_per_sqwah=8_000)
    town.register("C-1", declared_use="other", declared_area_sqwah=100,
                  tax_assessed=2_040, tax_paid=1_020)
    run_analysis(clean_db, year=YEAR, settings=Settings(lgu_code=LGU))
    return town


def test_revenue_by_zone_use_and_finding_covers_every_parcel(town):
    zone = gisrev.revenue_by(2566, by="zone", engine=town.engine).set_index("zone_code")
    assert zone.loc["Z1"].to_dict() | {"zone_name": None} == {
        "zone_name": None, "parcels": 1, "registered": 1, "expected_tax": 2_550,
        "tax_assessed": 2_550, "tax_paid": 2_550, "gap": 0, "flagged": 0, "findings_gap": 0}
    z2 = zone.loc["Z2"]
    assert (z2.parcels, z2.registered, z2.flagged) == (2, 1, 2)
    assert (z2.expected_tax, z2.tax_assessed, z2.tax_paid) == (5_100 + 2_040, 2_040, 1_020)
    assert z2.gap == 5_100 + 1_020 and z2.findings_gap == 5_100 + 1_020
    assert zone.index.tolist() == ["Z2", "Z1"]  # largest expected revenue first

    use = gisrev.revenue_by(YEAR, by="use", engine=town.engine).set_index("use")
    assert use["expected_tax"].to_dict() == {"vacant": 5_100, "other": 2_550 + 2_040}
    assert use.loc["vacant", "use_th"] == "ที่ดินว่างเปล่า"

    finding = gisrev.revenue_by(YEAR, by="finding", engine=town.engine).set_index("finding")
    assert finding.index.tolist() == ["UNREGISTERED", "ARREARS", "none"]
    assert finding["parcels"].to_dict() == {"UNREGISTERED": 1, "ARREARS": 1, "none": 1}
    assert finding.loc["none", "expected_tax"] == 2_550
    with pytest.raises(InputError, match=r"by='owner'\): expected one of zone, use, finding"):
        gisrev.revenue_by(YEAR, by="owner", engine=town.engine)  # type: ignore[arg-type]


def test_a_price_factor_raises_the_bills_too_so_the_gap_grows_less_than_revenue(town):
    df = gisrev.what_if(YEAR, engine=town.engine,
                        scenarios={"prices x1.5": {"land_price_factor": 1.5}})
    row = df.set_index("scenario").loc["prices x1.5"]
    # A-1 1.5M: 3,825, billed and paid in full. B-1 3M: 7,650, all gap. C-1 at 12,000 its
    # own price (1.2M): 3,060, billed 3,060 of which it pays half of the rise (1,530).
    assert row["expected_tax"] == 3_825 + 7_650 + 3_060
    assert row["tax_assessed"] == 3_825 + 3_060
    assert row["gap"] == 0 + 7_650 + (3_060 - 1_530)
    assert row["expected_change"] == 14_535 - 9_690
    assert row["assessed_change"] == 6_885 - 4_590
    assert row["gap_change"] == 9_180 - 6_120  # 3,060: less than the 4,845 more revenue


def test_a_new_zone_price_changes_the_parcels_priced_by_that_zone_only(town):
    df = gisrev.what_if(YEAR, engine=town.engine,
                        scenarios={"Z2 at 6,000": {"land_prices": {"Z2": 6_000}}})
    row = df.set_index("scenario").loc["Z2 at 6,000"]
    # B-1: 2.4M, 6,120 (unregistered: all gap); C-1 keeps its own price; A-1 is in Z1
    assert (row["expected_change"], row["assessed_change"], row["gap_change"]) == (
        1_020, 0, 1_020)


def test_a_price_table_sets_zones_and_single_parcels_and_splits_by_zone(town, tmp_path):
    table = tmp_path / "prices_2570.csv"
    table.write_text("zone_code,price_per_sqwah,parcel_code\nZ1,12000,\nZ2,5000,\n,9000,C-1\n",
                     encoding="utf-8")
    df = gisrev.what_if(YEAR, engine=town.engine, by="zone",
                        scenarios={"new round": {"price_table": table}})
    rows = df.set_index(["scenario", "zone_code"])
    # A-1 1.2M: 3,060, billed and paid. C-1 at 9,000 (900,000): 2,295, billed 2,295, paid
    # 1,020 + half the 255 rise; B-1 unchanged.
    assert rows.loc[("new round", "Z1"), "expected_change"] == 3_060 - 2_550
    assert rows.loc[("new round", "Z1"), "gap_change"] == 0
    z2 = rows.loc[("new round", "Z2")]
    assert (z2["expected_tax"], z2["tax_assessed"]) == (5_100 + 2_295, 2_295)
    assert z2["gap"] == 5_100 + (2_295 - 1_147.5)
    assert rows.loc[("current", "Z2"), "parcels"] == 2
    by_use = gisrev.what_if(YEAR, engine=town.engine, by="use",
                            scenarios={"new round": {"price_table": table}})
    assert set(by_use["use"]) == {"other", "vacant"}
    parcels = gisrev.what_if(YEAR, engine=town.engine, by="parcel",
                             scenarios={"new round": {"price_table": table}})
    c1 = parcels.set_index(["scenario", "parcel_code"]).loc[("new round", "C-1")]
    assert (c1["zone_code"], c1["use"], c1["assessed_change"]) == ("Z2", "other", 255)


def test_parcels_in_no_zone_have_a_row_of_their_own(clean_db):
    # O-1 lies outside every zone and has its own price of 2,000 (100 sq wah: 200,000, vacant
    # land at 0.3 % less 15 % = 510); a factor of 2 doubles it. Nothing is registered.
    town = Town(clean_db, lgu_code=LGU, tax_year=YEAR)
    town.zone(rect(0, 0, 100, 100), price_per_sqwah=10_000, zone_code="Z1")
    town.parcel("O-1", rect(300, 0, 20, 20), price_per_sqwah=2_000)
    run_analysis(clean_db, year=YEAR, settings=Settings(lgu_code=LGU))
    df = gisrev.what_if(YEAR, engine=clean_db, by="zone",
                        scenarios={"x2": {"land_price_factor": 2}})
    assert df["zone_code"].isna().all() and df["parcels"].tolist() == [1, 1]
    assert df["expected_tax"].tolist() == [510, 1_020]
    assert df["expected_change"].tolist() == [0, 510] and df["gap_change"].tolist() == [0, 510]


def test_an_exemption_threshold_is_a_scenario(clean_db):
    # D-1: a primary residence (50M exemption claimed), land 1M and a house of 55M: 6M taxable
    # at 0.03 % = 1,800, less 15 % = 1,530, billed and paid. At a 30M exemption: 26M taxable,
    # 25M at 0.03 % and 1M at 0.05 % = 8,000, less 15 % = 6,800; the bill follows.
    town = Town(clean_db, lgu_code=LGU, tax_year=YEAR)
    town.zone(rect(0, 0, 100, 100), price_per_sqwah=10_000, zone_code="Z1")
    town.parcel("D-1", rect(10, 10, 20, 20))
    town.building(rect(12, 12, 10, 10), use="residential", value=55_000_000)
    town.register("D-1", declared_use="residential", declared_area_sqwah=100,
                  land_value=1_000_000, building_value=55_000_000, exemption=50_000_000,
                  tax_assessed=1_530, tax_paid=1_530)
    run_analysis(clean_db, year=YEAR, settings=Settings(lgu_code=LGU))
    df = gisrev.what_if(YEAR, engine=clean_db, scenarios={
        "30M": {"exemption_baht": {"residential-primary": 30_000_000}}}).set_index("scenario")
    assert df.loc["current", "expected_tax"] == 1_530
    assert (df.loc["30M", "expected_tax"], df.loc["30M", "tax_assessed"]) == (6_800, 6_800)
    assert (df.loc["30M", "expected_change"], df.loc["30M", "gap_change"]) == (5_270, 0)
    with pytest.raises(TaxRuleError, match="use 'other' has no exemption to change"):
        gisrev.what_if(YEAR, engine=clean_db, scenarios={"x": {"exemption_baht": {"other": 1}}})


@pytest.mark.parametrize(("scenario", "message"), [
    ({"land_prices": {"Z9": 7_000}}, r"zone 'Z9' is not one of the town's zones \(Z1, Z2\)"),
    ({"land_price_factor": -1}, r"land_price_factor: got -1; expected a factor of 0 or more"),
    ({"land_price": {"Z1": 1}}, r"unknown key 'land_price'; expected rates_percent, "),
    ({"price_table": "nowhere.csv"}, r"price table nowhere\.csv not found"),
])
def test_a_bad_price_scenario_is_refused_in_one_line(town, scenario, message):
    with pytest.raises(InputError, match=message) as info:
        gisrev.what_if(YEAR, engine=town.engine, scenarios={"x": scenario})
    assert "\n" not in str(info.value)


def test_a_bad_price_table_row_names_the_file_row_and_field(town, tmp_path):
    table = tmp_path / "prices.csv"
    table.write_text("zone_code,price_per_sqwah,parcel_code\nZ1,12000,\nZ2,abc,\n",
                     encoding="utf-8")
    with pytest.raises(InputError, match=r"prices\.csv, row 3, field 'price_per_sqwah': got "
                                         r"'abc'; expected a price of 0 or more"):
        gisrev.what_if(YEAR, engine=town.engine, scenarios={"x": {"price_table": table}})
    table.write_text("zone_code,price_per_sqwah,parcel_code\n,9000,X-1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"names parcel 'X-1', which is not on the map"):
        gisrev.what_if(YEAR, engine=town.engine, scenarios={"x": {"price_table": table}})
    with pytest.raises(InputError,
                       match=r"what_if\(by='owner'\): expected one of zone, use, parcel"):
        gisrev.what_if(YEAR, engine=town.engine, scenarios={}, by="owner")
