"""What-if on the tax engine: derived regimes, and every parcel taxed again under them.

The town below is analysed for real; its expected taxes are worked out by hand (2566 BE =
2023 CE, when a royal decree took 15 % off every tax).
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from town import Town, rect

import gisrev
from gisrev.analyze import run_analysis
from gisrev.config import Settings
from gisrev.errors import InputError, TaxRuleError
from gisrev.tax import Property, get_regime

YEAR = 2023
LGU = "000000"
SETTINGS = Settings(lgu_code=LGU)
PRICE = 10_000.0  # baht per square wah


# -- derived regimes (no database) ---------------------------------------------------------


def test_a_rate_factor_scales_one_use_and_leaves_the_others():
    regime = get_regime("thai")
    shop = Property(2024, "other", 10_000_000.0)
    home = Property(2024, "residential-other", 10_000_000.0)
    raised = regime.with_changes(rate_factor={"other": 1.5})
    assert regime.compute(shop).tax == 30_000.0  # 0.3 %
    assert raised.compute(shop).tax == 45_000.0
    assert raised.compute(home).tax == regime.compute(home).tax == 2_000.0
    assert regime.compute(shop).tax == 30_000.0  # the shipped regime is untouched


def test_a_category_name_changes_every_use_of_the_category():
    cut = get_regime("thai").with_changes(rate_factor={"residential": 0.5})
    assert cut.compute(Property(2024, "residential-other", 10_000_000.0)).tax == 1_000.0
    # primary residence: 60M - 50M exemption = 10M in the first band, 0.03 % halved
    assert cut.compute(Property(2024, "residential-primary", 60_000_000.0)).tax == 1_500.0


def test_new_bands_are_marginal_and_apply_in_every_year():
    bands = {"other": [(5_000_000, 0.2), (None, 0.5)]}
    regime = get_regime("thai").with_changes(rates_percent=bands)
    # 5M at 0.2 % + 5M at 0.5 % = 10,000 + 25,000; 2023 takes 15 % off
    assert regime.compute(Property(2024, "other", 10_000_000.0)).tax == 35_000.0
    assert regime.compute(Property(2023, "other", 10_000_000.0)).tax == 29_750.0
    frame = pd.DataFrame({"tax_year": [2024, 2023], "use": "other", "land_value": 10e6})
    assert regime.compute_many(frame).tolist() == [35_000.0, 29_750.0]


def test_a_reduction_decree_for_one_year_or_for_all():
    regime = get_regime("thai")
    assert regime.reduction_percent(2023) == 15.0 and regime.reduction_percent(2020) == 90.0
    one = regime.with_changes(reduction_percent={2024: 50})
    assert (one.reduction_percent(2024), one.reduction_percent(2023)) == (50.0, 15.0)
    assert one.compute(Property(2024, "other", 10_000_000.0)).tax == 15_000.0
    steps = [s.label_en for s in one.compute(Property(2024, "other", 10_000_000.0)).steps]
    assert "Reduction 50% (what-if scenario)" in steps
    none = regime.with_changes(reduction_percent=0)
    assert none.compute(Property(2023, "other", 10_000_000.0)).tax == 30_000.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rate_factor": {"other": 5}},
         r"rate of 3\.5% for 'other' \(act-s94\) is above the Act s\.37 ceiling of 1\.2%"),
        ({"rate_factor": {"shops": 1.1}}, r"unknown use 'shops'; expected one of agriculture"),
        ({"rates_percent": {"other": [(5e6, 0.2), (1e6, 0.3), (None, 0.4)]}},
         r"rates_percent\['other'\]\): band 2 ends at 1,000,000 baht; expected above 5,000,000"),
        ({"rates_percent": {"other": [(5e6, 0.2)]}}, r"expected bands ending with an open top"),
        ({"rates_percent": {"other": [(None, -0.1)]}}, r"band 1 has rate -0\.1"),
        ({"reduction_percent": {2019: 50}}, r"tax year 2019 is not supported"),
        ({"reduction_percent": 120}, r"got 120\.0; expected 0 to 100 percent"),
    ],
)
def test_a_scenario_the_law_or_the_tables_do_not_allow_is_refused_in_one_line(changes, message):
    with pytest.raises(TaxRuleError, match=message) as info:
        get_regime("thai").with_changes(**changes)
    assert "\n" not in str(info.value)


# -- every parcel under each scenario ----------------------------------------------------------


@pytest.fixture
def analysed(clean_db) -> Town:
    """Three flagged parcels, one orphan record and one clean parcel, analysed for 2566.

    What-if re-taxes all four parcels, the clean one too.

    - U-1 unregistered, 400 sq wah (4M) and a shop worth 1M: other, 5M at 0.3 % = 15,000.
    - R-1 declared residential (exemption 0), 100 sq wah (1M) and a house worth 9M:
      residential-other, 10M at 0.02 % = 2,000; assessed and paid 500.
    - M-1 declared residential, 400 sq wah (4M), a house (100 m²) and a three-storey shop
      (300 m²), 1M each: mixed, a quarter residential-other (1.5M at 0.02 % = 300) and three
      quarters other (4.5M at 0.3 % = 13,500); assessed and paid 1,000.
    Each tax less the year's 15 %.
    """
    town = Town(clean_db, lgu_code=LGU, tax_year=YEAR)
    town.zone(rect(-1000, -1000, 5000, 5000), price_per_sqwah=PRICE, zone_code="Z1")
    town.parcel("U-1", rect(0, 0, 40, 40))
    town.building(rect(5, 5, 10, 10), use="commercial", value=1_000_000)
    town.parcel("R-1", rect(100, 0, 20, 20))
    town.building(rect(105, 5, 10, 10), use="residential", value=9_000_000)
    town.register("R-1", declared_use="residential", declared_area_sqwah=100,
                  building_value=9_000_000, exemption=0, tax_assessed=500, tax_paid=500)
    town.parcel("M-1", rect(200, 0, 40, 40))
    town.building(rect(205, 5, 10, 10), use="residential", value=1_000_000)
    town.building(rect(220, 5, 10, 10), use="commercial", floors=3, value=1_000_000)
    town.register("M-1", declared_use="residential", declared_area_sqwah=400,
                  building_value=2_000_000, exemption=0, tax_assessed=1_000, tax_paid=1_000)
    town.parcel("C-1", rect(300, 0, 40, 40))  # vacant, declared and paid as such: no finding
    vacant = get_regime("thai").compute(Property(YEAR, "vacant", 4_000_000.0)).tax
    assert vacant == VACANT
    town.register("C-1", declared_use="vacant", declared_area_sqwah=400,
                  tax_assessed=vacant, tax_paid=vacant)
    town.register("X-9", declared_use="other", tax_assessed=400, tax_paid=0)  # orphan
    run_analysis(clean_db, year=YEAR, settings=SETTINGS)
    return town


# C-1: 400 sq wah at 10,000 baht, vacant land at 0.3 % less 15 % (12,000 before the decree)
VACANT = 10_200.0

SCENARIOS = {
    "commercial x1.5": {"rate_factor": {"other": 1.5}},
    "no reduction": {"reduction_percent": 0},
    "residential 0.1 %": {"rates_percent": {"residential": [(None, 0.1)]}},
}


def test_current_rules_reproduce_the_analysed_expected_tax(analysed):
    with analysed.engine.connect() as conn:
        expected = dict(conn.execute(sa.text(
            "SELECT parcel_code, expected_tax FROM findings WHERE parcel_id IS NOT NULL"
        )).all())
    assert expected == {"U-1": 12_750.0, "R-1": 1_700.0, "M-1": 11_730.0}
    df = gisrev.what_if(2566, scenarios={}, engine=analysed.engine)
    current = df.set_index("scenario").loc["current"]
    assert current["parcels"] == 4  # the clean parcel C-1 too
    assert current["scope"] == "all parcels"
    assert current["expected_tax"] == 26_180.0 + VACANT
    with analysed.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT sum(expected_tax) FROM parcel_evidence")).scalar()
    assert current["expected_tax"] == stored
    # the flagged parcels are the analysis' findings; C-1 has paid its tax
    assert current["expected_tax"] - VACANT == gisrev.summary(
        2566, engine=analysed.engine).totals["expected_tax"]
    assert current["gap"] == 12_750 + (1_700 - 500) + (11_730 - 1_000) + 0
    assert current["reduction_percent"] == 15.0


def test_the_stored_evidence_is_the_tax_input_of_every_parcel(analysed):
    with analysed.engine.connect() as conn:
        rows = {r.parcel_code: r for r in conn.execute(sa.text(
            "SELECT parcel_code, use, parts, land_value, building_value, owner_type,"
            " vacant_years, registered, tax_assessed, tax_paid, expected_tax"
            " FROM parcel_evidence ORDER BY parcel_code"
        ))}
    assert sorted(rows) == ["C-1", "M-1", "R-1", "U-1"]
    u, r, m, c = rows["U-1"], rows["R-1"], rows["M-1"], rows["C-1"]
    # unregistered: the lowest tax the evidence supports, nothing assessed or paid
    assert (u.use, u.parts, u.owner_type, u.registered) == ("other", None, "individual", False)
    assert (u.land_value, u.building_value, u.tax_assessed, u.tax_paid) == (
        4_000_000, 1_000_000, None, None)
    assert (r.use, r.registered, r.tax_paid, r.expected_tax) == (
        "residential-other", True, 500, 1_700)
    # mixed: shares by floor area (house 100 m², shop 300 m²), the house's sub-case from the
    # register (an exemption of 0 claimed)
    assert (m.use, m.parts) == ("mixed", {"residential-other": 0.25, "other": 0.75})
    assert (m.land_value, m.building_value, m.expected_tax) == (4_000_000, 2_000_000, 11_730)
    assert (c.use, c.expected_tax, c.tax_paid, c.vacant_years) == ("vacant", VACANT, VACANT, 0)


def test_a_building_completed_after_the_year_does_not_split_a_mixed_use(clean_db):
    # The analysis leaves out a building completed after the tax year; what-if placed it
    # anyway and split M-2's value by floor areas the analysis never used.
    town = Town(clean_db, lgu_code=LGU, tax_year=YEAR)
    town.zone(rect(-1000, -1000, 5000, 5000), price_per_sqwah=PRICE)
    town.parcel("M-2", rect(0, 0, 40, 40))
    town.building(rect(5, 5, 10, 10), use="residential", value=1_000_000)
    town.building(rect(20, 5, 10, 10), use="commercial", value=1_000_000, year_built=YEAR)
    town.building(rect(5, 20, 10, 10), use="commercial", floors=5, value=1_000_000,
                  year_built=YEAR + 2)
    town.register("M-2", declared_use="residential", declared_area_sqwah=400,
                  building_value=2_000_000, exemption=0)
    run_analysis(clean_db, year=YEAR, settings=SETTINGS)
    with clean_db.connect() as conn:
        analysed = conn.execute(sa.text("SELECT expected_tax FROM findings")).scalar_one()
    # half residential-other (3M at 0.02 % = 600), half other (3M at 0.3 % = 9,000), less 15 %
    assert analysed == (600 + 9_000) * 0.85
    df = gisrev.what_if(YEAR, scenarios={}, engine=clean_db)
    assert df.set_index("scenario").loc["current", "expected_tax"] == analysed


def test_each_scenario_retaxes_every_parcel_with_the_engine(analysed):
    df = gisrev.what_if(2566, scenarios=SCENARIOS, engine=analysed.engine).set_index("scenario")
    assert df.index.tolist() == ["current", *SCENARIOS]
    assert (df["parcels"] == 4).all() and (df["scope"] == "all parcels").all()
    # other at 0.45 %: U-1 22,500 and M-1's shop part 20,250 (less 15 %); R-1 and C-1 unchanged
    assert df.loc["commercial x1.5", "expected_tax"] == (
        19_125 + 1_700 + 255 + 17_212.5 + VACANT)
    assert df.loc["commercial x1.5", "gap"] == 19_125 + 1_200 + (17_467.5 - 1_000)
    assert df.loc["commercial x1.5", "expected_change"] == 38_292.5 - 26_180
    # Without the decree every tax is 1/0.85 of today's. The register is re-assessed too:
    # R-1's declared 1M + 9M, residential-other, is billed 2,000 - 1,700 = 300 more (paid in
    # full, so paid too); M-1's declared residential 4M + 2M 1,200 - 1,020 = 180 more; C-1 is
    # billed and pays 12,000, so it stays clean.
    assert df.loc["no reduction", "expected_tax"] == 15_000 + 2_000 + 13_800 + 12_000
    assert df.loc["no reduction", "tax_assessed"] == 800 + 1_180 + 12_000
    assert df.loc["no reduction", "gap"] == 15_000 + (2_000 - 800) + (13_800 - 1_180) + 0
    assert df.loc["no reduction", "reduction_percent"] == 0.0
    # residential at 0.1 %: R-1 10,000, M-1's house part 1,500 (less 15 %)
    assert df.loc["residential 0.1 %", "expected_tax"] == (
        12_750 + 8_500 + 1_275 + 11_475 + VACANT)
    # R-1's bill rises as its expected tax does (declared as it is): its gap stays 1,200.
    # M-1, declared residential 6M, is billed 5,100 - 1,020 more = 5,080: the council's own
    # rate rise closes 3,060 of its gap, though the map says it is mostly a shop.
    assert df.loc["residential 0.1 %", "expected_change"] == (8_500 - 1_700) + (1_275 - 255)
    assert df.loc["residential 0.1 %", "assessed_change"] == 6_800 + 4_080
    assert df.loc["residential 0.1 %", "gap_change"] == (12_750 - 5_080) - (11_730 - 1_000)


def test_a_regime_object_is_a_scenario_too(analysed):
    decree = get_regime("thai").with_changes(reduction_percent={YEAR: 90})
    df = gisrev.what_if(YEAR, scenarios={"decree 90 %": decree}, engine=analysed.engine)
    row = df.set_index("scenario").loc["decree 90 %"]
    assert row["expected_tax"] == 1_500 + 200 + 1_380 + 1_200
    # Re-assessed, R-1's bill falls by 1,700 - 200 to 0 (it pays nothing) and M-1's by
    # 1,020 - 120 to 100; C-1 is billed and pays 1,200.
    assert row["tax_assessed"] == 0 + 100 + 1_200
    assert row["gap"] == 1_500 + 200 + (1_380 - 100) + 0


REDUCTIONS = {f"{pct} %": {"reduction_percent": pct} for pct in (0, 15, 90)}


def test_a_reduction_scenario_rescales_from_the_years_own_reduction(analysed):
    # 2023 had a 15 % reduction: 0 % means current / 0.85, 90 % means current * 0.1 / 0.85
    df = gisrev.what_if(2566, scenarios=REDUCTIONS, engine=analysed.engine, lgu_code=LGU)
    assert df.scenario.tolist() == ["current", "0 %", "15 %", "90 %"]
    assert df.reduction_percent.tolist() == [15, 0, 15, 90]
    current = 26_180 + VACANT
    assert df.expected_tax.tolist() == [current, 42_800, current, 4_280]
    assert df.expected_tax.tolist() == pytest.approx(
        [current, current / 0.85, current, current * 0.1 / 0.85], abs=0.005)
    current_gap = 12_750 + (1_700 - 500) + (11_730 - 1_000) + 0
    no_reduction = 15_000 + (2_000 - 800) + (13_800 - 1_180) + 0  # bills re-assessed
    ninety = 1_500 + 200 + (1_380 - 100) + 0
    assert df.gap.tolist() == [current_gap, no_reduction, current_gap, ninety]
    assert df.gap_change.tolist() == [0, no_reduction - current_gap, 0, ninety - current_gap]


def test_a_reduction_of_100_percent_waives_the_tax_and_more_is_refused(analysed):
    df = gisrev.what_if(YEAR, scenarios={"waived": {"reduction_percent": 100}},
                        engine=analysed.engine).set_index("scenario")
    assert (df.loc["waived", "expected_tax"], df.loc["waived", "gap"]) == (0, 0)
    with pytest.raises(TaxRuleError, match="expected 0 to 100 percent"):
        gisrev.what_if(YEAR, scenarios={"x": {"reduction_percent": 100.5}},
                       engine=analysed.engine)


def test_a_reduction_scenario_retaxes_the_flagged_parcels_and_the_clean_ones(analysed):
    # The removed reduction_percent form rescaled the flagged parcels' analysed expected tax;
    # the scenario gives those parcels the same taxes and adds the clean C-1 (12,000). Its
    # gap differs: the removed form kept every payment as it was, the scenario re-bills.
    with analysed.engine.connect() as conn:
        flagged = conn.execute(sa.text("SELECT expected_tax FROM findings")).scalars().all()
    rescaled = [None if e is None else e / 0.85 for e in flagged]
    assert len(flagged) == 4  # U-1, R-1, M-1 and the orphan X-9
    new = gisrev.what_if(2566, scenarios={"0": {"reduction_percent": 0}},
                         engine=analysed.engine).set_index("scenario")
    assert new.loc["0", "scope"] == "all parcels"
    assert sum(e for e in rescaled if e is not None) == pytest.approx(
        new.loc["0", "expected_tax"] - 12_000, abs=0.01)


def test_bad_scenarios_say_what_to_pass(analysed):
    engine = analysed.engine
    with pytest.raises(InputError, match=r"reduction_percent=\.\.\.\) was removed; a reduction "
                                         r"is a scenario: scenarios=\{'decree 50 %'"):
        gisrev.what_if(YEAR, scenarios={}, reduction_percent=[0], engine=engine)
    with pytest.raises(InputError, match="scenario name 'current'; expected a non-empty text"):
        gisrev.what_if(YEAR, scenarios={"current": {}}, engine=engine)
    with pytest.raises(InputError, match=r"scenarios\['x'\]\): got float; expected a regime"):
        gisrev.what_if(YEAR, scenarios={"x": 1.5}, engine=engine)  # type: ignore[dict-item]
    with pytest.raises(TaxRuleError, match=r"above the Act s\.37 ceiling"):
        gisrev.what_if(YEAR, scenarios={"x": {"rate_factor": 10}}, engine=engine)


def test_what_if_reads_the_analysis_not_the_register_loaded_since(analysed):
    # The tax input is the analysis' own: a register reloaded since changes nothing until
    # the year is analysed again.
    before = gisrev.what_if(YEAR, scenarios=SCENARIOS, engine=analysed.engine)
    with analysed.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM register WHERE parcel_code = 'R-1'"))
    after = gisrev.what_if(YEAR, scenarios=SCENARIOS, engine=analysed.engine)
    pd.testing.assert_frame_equal(before, after)


def test_a_year_analysed_before_the_evidence_was_kept_asks_for_a_new_analysis(analysed):
    with analysed.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM parcel_evidence"))
    with pytest.raises(InputError, match=r"tax year 2566 was analysed before gisrev kept every "
                                         r"parcel's evidence .* run `gisrev analyze --year "
                                         r"2566` again"):
        gisrev.what_if(YEAR, scenarios={}, engine=analysed.engine)


def test_a_year_without_findings_still_retaxes_its_parcels(clean_db):
    town = Town(clean_db, lgu_code=LGU, tax_year=YEAR)
    town.zone(rect(-1000, -1000, 5000, 5000), price_per_sqwah=PRICE)
    town.parcel("C-1", rect(0, 0, 40, 40))
    vacant = get_regime("thai").compute(Property(YEAR, "vacant", 4_000_000.0)).tax
    town.register("C-1", declared_use="vacant", declared_area_sqwah=400,
                  tax_assessed=vacant, tax_paid=vacant)
    run_analysis(clean_db, year=YEAR, settings=SETTINGS)
    df = gisrev.what_if(YEAR, scenarios=SCENARIOS, engine=clean_db).set_index("scenario")
    assert df.index.tolist() == ["current", *SCENARIOS]
    assert (df["parcels"] == 1).all()
    assert df["expected_tax"].to_dict() == {
        "current": VACANT, "commercial x1.5": VACANT, "no reduction": 12_000.0,
        "residential 0.1 %": VACANT}
    # paid in full under the year's rules; without the decree billed 12,000 and paid in full
    assert df["gap"].to_dict() == {
        "current": 0.0, "commercial x1.5": 0.0, "no reduction": 0.0,
        "residential 0.1 %": 0.0}
    assert df.loc["no reduction", "assessed_change"] == 12_000.0 - VACANT
