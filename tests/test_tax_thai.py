"""The Thai Land and Building Tax regime against hand-worked figures (THAI_LBT.md §4-§11).

Expected amounts are typed in from the law's tables, not computed by the code under test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gisrev.errors import InputError, TaxRuleError
from gisrev.tax import Property, Regime, get_regime
from gisrev.tax.thai import TABLES_DIR, ThaiRegime, building_value, building_values

M = 1_000_000.0


@pytest.fixture(scope="module")
def regime() -> Regime:
    return get_regime("thai")


def tax(regime: Regime, year: int, use: str, base: float, **kw: object) -> float:
    return regime.compute(Property(tax_year=year, use=use, land_value=base, **kw)).tax  # type: ignore[arg-type]


# --- THAI_LBT.md §11 worked examples, to 0.01 baht ------------------------------------------


def test_example_1_primary_residence_2024(regime: Regime) -> None:
    house = building_value(300, "105", "masonry", 12, province="10")
    assert house == 2_205_900.00
    result = regime.compute(Property(2024, "residential-primary", 54_000_000.0, house))
    assert result.tax == 1_861.77
    labels = [s.label_en for s in result.steps]
    assert labels[:3] == ["Land value", "Building value", "Tax base"]
    assert any(s.label_en.startswith("Exemption") and s.amount == -50 * M for s in result.steps)
    assert result.steps[-1].label_en == "Tax" and result.steps[-1].amount == 1_861.77


def test_example_2_individual_farmer_2023(regime: Regime) -> None:
    result = regime.compute(Property(2023, "agriculture", 12_000 * 10_000.0))
    assert result.tax == 5_950.00
    reduction = [s for s in result.steps if s.label_en.startswith("Reduction 15%")]
    assert len(reduction) == 1 and reduction[0].amount == pytest.approx(-1_050.0)


def test_example_3_factory_2025(regime: Regime) -> None:
    factory = building_value(1_500, "513", "masonry", 8)
    assert factory == 8_142_000.00
    prop = Property(2025, "other", 800 * 60_000.0, factory, owner_type="juristic")
    assert regime.compute(prop).tax == 174_568.00


def test_example_4_second_house_2021(regime: Regime) -> None:
    assert tax(regime, 2021, "residential-other", 8_000_000.0) == 160.00


def test_example_5_vacant_six_years_2026(regime: Regime) -> None:
    assert tax(regime, 2026, "vacant", 45 * M, owner_type="juristic", vacant_years=6) == 405_000.00


def test_example_6_mixed_shophouse_2024(regime: Regime) -> None:
    shop = building_value(320, "406", "masonry", 20)
    assert shop == 1_870_400.00
    prop = Property(
        2024, "mixed", 20 * 300_000.0, shop, parts={"other": 0.25, "residential-primary": 0.75}
    )
    result = regime.compute(prop)
    assert result.tax == 5_902.80
    parts = [s for s in result.steps if s.label_en.startswith("Part used as")]
    assert [p.amount for p in parts] == [1_967_600.0, 5_902_800.0]


# --- Every band boundary, just below / at / just above, every use (2024: no reduction) -------

BOUNDARIES = [
    # use, owner, gross base, expected tax
    ("agriculture", "juristic", 74 * M, 7_400.0),
    ("agriculture", "juristic", 75 * M, 7_500.0),
    ("agriculture", "juristic", 76 * M, 7_800.0),
    ("agriculture", "juristic", 99 * M, 14_700.0),
    ("agriculture", "juristic", 100 * M, 15_000.0),
    ("agriculture", "juristic", 101 * M, 15_500.0),
    ("agriculture", "juristic", 499 * M, 214_500.0),
    ("agriculture", "juristic", 500 * M, 215_000.0),
    ("agriculture", "juristic", 501 * M, 215_700.0),
    ("agriculture", "juristic", 999 * M, 564_300.0),
    ("agriculture", "juristic", 1_000 * M, 565_000.0),
    ("agriculture", "juristic", 1_001 * M, 566_000.0),
    ("agriculture", "individual", 49 * M, 0.0),
    ("agriculture", "individual", 50 * M, 0.0),
    ("agriculture", "individual", 51 * M, 100.0),
    ("agriculture", "individual", 125 * M, 7_500.0),
    ("agriculture", "individual", 126 * M, 7_800.0),
    ("residential-primary", "individual", 49 * M, 0.0),
    ("residential-primary", "individual", 50 * M, 0.0),
    ("residential-primary", "individual", 51 * M, 300.0),
    ("residential-primary", "individual", 74 * M, 7_200.0),
    ("residential-primary", "individual", 75 * M, 7_500.0),
    ("residential-primary", "individual", 76 * M, 8_000.0),
    ("residential-primary", "individual", 99 * M, 19_500.0),
    ("residential-primary", "individual", 100 * M, 20_000.0),
    ("residential-primary", "individual", 101 * M, 21_000.0),
    ("residential-primary-building", "individual", 9 * M, 0.0),
    ("residential-primary-building", "individual", 10 * M, 0.0),
    ("residential-primary-building", "individual", 11 * M, 200.0),
    ("residential-primary-building", "individual", 49 * M, 7_800.0),
    ("residential-primary-building", "individual", 50 * M, 8_000.0),
    ("residential-primary-building", "individual", 51 * M, 8_300.0),
    ("residential-primary-building", "individual", 74 * M, 15_200.0),
    ("residential-primary-building", "individual", 75 * M, 15_500.0),
    ("residential-primary-building", "individual", 76 * M, 16_000.0),
    ("residential-primary-building", "individual", 99 * M, 27_500.0),
    ("residential-primary-building", "individual", 100 * M, 28_000.0),
    ("residential-primary-building", "individual", 101 * M, 29_000.0),
    ("residential-other", "individual", 49 * M, 9_800.0),
    ("residential-other", "individual", 50 * M, 10_000.0),
    ("residential-other", "individual", 51 * M, 10_300.0),
    ("residential-other", "individual", 74 * M, 17_200.0),
    ("residential-other", "individual", 75 * M, 17_500.0),
    ("residential-other", "individual", 76 * M, 18_000.0),
    ("residential-other", "individual", 99 * M, 29_500.0),
    ("residential-other", "individual", 100 * M, 30_000.0),
    ("residential-other", "individual", 101 * M, 31_000.0),
    *[
        (use, "juristic", base, expected)
        for use in ("other", "vacant")
        for base, expected in [
            (49 * M, 147_000.0),
            (50 * M, 150_000.0),
            (51 * M, 154_000.0),
            (199 * M, 746_000.0),
            (200 * M, 750_000.0),
            (201 * M, 755_000.0),
            (999 * M, 4_745_000.0),
            (1_000 * M, 4_750_000.0),
            (1_001 * M, 4_756_000.0),
            (4_999 * M, 28_744_000.0),
            (5_000 * M, 28_750_000.0),
            (5_001 * M, 28_757_000.0),
        ]
    ],
]


@pytest.mark.parametrize(("use", "owner", "base", "expected"), BOUNDARIES)
def test_band_boundaries(
    regime: Regime, use: str, owner: str, base: float, expected: float
) -> None:
    assert tax(regime, 2024, use, base, owner_type=owner) == expected


def test_band_boundaries_vectorised_agree(regime: Regime) -> None:
    frame = pd.DataFrame(
        [
            {"tax_year": 2024, "use": u, "owner_type": o, "land_value": b}
            for u, o, b, _ in BOUNDARIES
        ]
    )
    assert regime.compute_many(frame).tolist() == [e for *_, e in BOUNDARIES]


def test_building_value_is_part_of_the_base(regime: Regime) -> None:
    split = regime.compute(Property(2024, "other", 30 * M, 21 * M, owner_type="juristic")).tax
    assert split == tax(regime, 2024, "other", 51 * M, owner_type="juristic") == 154_000.0


# --- Reductions by year, farmers, vacant land, juristic residences ---------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2020, 3_000.0),
        (2021, 3_000.0),
        (2022, 30_000.0),
        (2023, 25_500.0),
        (2024, 30_000.0),
        (2025, 30_000.0),
        (2026, 30_000.0),
    ],
)
def test_each_years_reduction(regime: Regime, year: int, expected: float) -> None:
    assert tax(regime, year, "other", 10 * M, owner_type="juristic") == expected


@pytest.mark.parametrize("use", ["agriculture", "residential-other", "other", "vacant"])
def test_2023_reduction_covers_all_four_uses(regime: Regime, use: str) -> None:
    full = tax(regime, 2024, use, 80 * M, owner_type="juristic")
    assert tax(regime, 2023, use, 80 * M, owner_type="juristic") == round(full * 0.85, 2)
    assert tax(regime, 2020, use, 80 * M, owner_type="juristic") == round(full * 0.10, 2)


@pytest.mark.parametrize(
    ("year", "expected"), [(2020, 0.0), (2021, 0.0), (2022, 0.0), (2023, 5_950.0), (2024, 7_000.0)]
)
def test_individual_farmer_exemption_by_year(regime: Regime, year: int, expected: float) -> None:
    assert tax(regime, year, "agriculture", 120 * M) == expected


def test_farmer_exemption_2023_first_50m_only(regime: Regime) -> None:
    assert tax(regime, 2023, "agriculture", 50 * M) == 0.0
    assert tax(regime, 2023, "agriculture", 60 * M) == 850.0  # 10M x 0.01% x 85%


def test_juristic_farm_has_no_exemption(regime: Regime) -> None:
    # 2022: 75M x 0.01% + 25M x 0.03% + 20M x 0.05%
    assert tax(regime, 2022, "agriculture", 120 * M, owner_type="juristic") == 25_000.0


@pytest.mark.parametrize(
    ("vacant_years", "expected"),
    [
        (0, 30_000.0),
        (2, 30_000.0),
        (3, 60_000.0),
        (5, 60_000.0),
        (6, 90_000.0),
        (24, 270_000.0),
        (27, 300_000.0),
        (30, 300_000.0),
        (60, 300_000.0),
    ],
)
def test_vacant_escalation_and_3_percent_cap(
    regime: Regime, vacant_years: int, expected: float
) -> None:
    assert (
        tax(regime, 2024, "vacant", 10 * M, owner_type="juristic", vacant_years=vacant_years)
        == expected
    )


def test_vacant_escalation_applies_to_every_band(regime: Regime) -> None:
    # 50M x (0.3 + 0.3)% + 10M x (0.4 + 0.3)%
    assert tax(regime, 2024, "vacant", 60 * M, vacant_years=3) == 370_000.0


def test_vacant_years_ignored_for_other_uses(regime: Regime) -> None:
    assert tax(regime, 2024, "other", 10 * M, vacant_years=9) == 30_000.0


def test_whole_base_escalation_is_a_table_switch(tmp_path: Path) -> None:
    tables = tmp_path / "tables"
    shutil.copytree(TABLES_DIR, tables)
    rules = tables / "rules.toml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            'applies_to = "every-band"', 'applies_to = "whole-base"'
        ),
        encoding="utf-8",
    )
    alt = ThaiRegime(tables_dir=tables)
    assert tax(alt, 2024, "vacant", 60 * M, vacant_years=3) == 420_000.0  # 60M x (0.4 + 0.3)%
    assert tax(alt, 2024, "vacant", 45 * M, vacant_years=6) == 405_000.0  # same below 50M
    assert tax(alt, 2024, "vacant", 60 * M, vacant_years=0) == 190_000.0  # no escalation: bands
    frame = pd.DataFrame(
        {
            "tax_year": 2024,
            "use": "vacant",
            "land_value": [60 * M, 45 * M, 60 * M],
            "vacant_years": [3, 6, 0],
        }
    )
    assert alt.compute_many(frame).tolist() == [420_000.0, 405_000.0, 190_000.0]


def test_juristic_primary_residence_is_taxed_as_other_residence(regime: Regime) -> None:
    result = regime.compute(Property(2024, "residential-primary", 60 * M, owner_type="juristic"))
    assert result.tax == 13_000.0  # 50M x 0.02% + 10M x 0.03%, no 50M exemption
    assert any(
        s.label_en.startswith("Juristic owner: taxed as residential-other") for s in result.steps
    )


def test_rate_above_the_ceiling_is_refused(tmp_path: Path) -> None:
    tables = tmp_path / "tables"
    shutil.copytree(TABLES_DIR, tables)
    bands = tables / "bands.csv"
    bands.write_text(
        bands.read_text(encoding="utf-8").replace(
            "rd-2564,agriculture,1000000000,,0.1,", "rd-2564,agriculture,1000000000,,0.2,"
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        TaxRuleError, match=r"above the Act s\.37 ceiling of 0\.15% for agriculture"
    ):
        ThaiRegime(tables_dir=tables)


# --- Errors -----------------------------------------------------------------------------------


def test_unknown_year_lists_supported_years(regime: Regime) -> None:
    with pytest.raises(TaxRuleError, match="2020, 2021, 2022, 2023, 2024, 2025, 2026"):
        tax(regime, 2019, "other", M)
    with pytest.raises(TaxRuleError, match="2566 BE = 2023 CE"):
        tax(regime, 2566, "other", M)


def test_bad_property_values_are_errors(regime: Regime) -> None:
    with pytest.raises(TaxRuleError, match="unknown use 'shop'"):
        tax(regime, 2024, "shop", M)
    with pytest.raises(TaxRuleError, match="unknown owner type 'company'"):
        tax(regime, 2024, "other", M, owner_type="company")
    with pytest.raises(InputError, match="land_value"):
        tax(regime, 2024, "other", -1.0)
    with pytest.raises(TaxRuleError, match=r"shares sum to 0\.9"):
        tax(regime, 2024, "mixed", M, parts={"other": 0.4, "residential-other": 0.5})
    with pytest.raises(TaxRuleError, match="'mixed' only"):
        tax(regime, 2024, "other", M, parts={"other": 1.0})


def test_unknown_regime() -> None:
    with pytest.raises(TaxRuleError, match="expected one of thai"):
        get_regime("atlantis")


# --- compute_many -----------------------------------------------------------------------------


def _planted_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "tax_year": [2024, 2023, 2025, 2021, 2026, 2024, 2022, 2024],
            "use": [
                "residential-primary",
                "agriculture",
                "other",
                "residential-other",
                "vacant",
                "mixed",
                "agriculture",
                "residential-primary",
            ],
            "land_value": [54 * M, 120 * M, 48 * M, 8 * M, 45 * M, 6 * M, 120 * M, 60 * M],
            "building_value": [2_205_900.0, None, 8_142_000.0, 0.0, 0.0, 1_870_400.0, np.nan, 0.0],
            "owner_type": [
                "individual",
                "individual",
                "juristic",
                None,
                "juristic",
                "individual",
                "juristic",
                "juristic",
            ],
            "vacant_years": [0, 0, 0, 0, 6, None, 0, 0],
            "parts": [
                None,
                None,
                None,
                None,
                None,
                {"other": 0.25, "residential-primary": 0.75},
                None,
                None,
            ],
        },
        index=pd.Index([f"p{i}" for i in range(8)], name="parcel_code"),
    )


def test_compute_many_reproduces_the_worked_examples() -> None:
    result = get_regime().compute_many(_planted_frame())
    assert result.index.tolist() == [f"p{i}" for i in range(8)]
    assert result.tolist() == [
        1_861.77,
        5_950.0,
        174_568.0,
        160.0,
        405_000.0,
        5_902.8,
        25_000.0,
        13_000.0,
    ]


def test_compute_many_equals_compute_row_by_row() -> None:
    regime = get_regime()
    frame = _planted_frame()
    expected = [
        regime.compute(
            Property(
                tax_year=int(r.tax_year),
                use=r.use,
                land_value=r.land_value,
                building_value=0.0 if pd.isna(r.building_value) else r.building_value,
                owner_type=r.owner_type if isinstance(r.owner_type, str) else "individual",
                vacant_years=0 if pd.isna(r.vacant_years) else int(r.vacant_years),
                parts=r.parts,
            )
        ).tax
        for r in frame.itertuples()
    ]
    assert regime.compute_many(frame).tolist() == expected


def test_compute_many_empty_frame() -> None:
    frame = pd.DataFrame({"tax_year": [], "use": [], "land_value": []})
    assert get_regime().compute_many(frame).empty


def test_compute_many_names_the_bad_row() -> None:
    frame = _planted_frame()
    frame.loc["p3", "tax_year"] = 2019
    with pytest.raises(TaxRuleError, match=r"row 'p3', field 'tax_year': got 2019"):
        get_regime().compute_many(frame)
    frame = _planted_frame()
    frame.loc["p1", "use"] = "shop"
    with pytest.raises(TaxRuleError, match=r"row 'p1', field 'use': got 'shop'"):
        get_regime().compute_many(frame)
    frame = _planted_frame()
    frame.loc["p2", "land_value"] = np.nan
    with pytest.raises(InputError, match=r"row 'p2', field 'land_value'"):
        get_regime().compute_many(frame)
    frame = _planted_frame()
    frame.at["p5", "parts"] = {"other": 0.5}
    with pytest.raises(TaxRuleError, match=r"row 'p5', field 'parts': shares sum to 0.5"):
        get_regime().compute_many(frame)


# --- Aggregation per taxpayer, use and LGU (UNVERIFIED reading, THAI_LBT §7) -----------------


def test_aggregation_applies_bands_to_the_combined_base() -> None:
    results = get_regime().compute_aggregated(
        [
            Property(2024, "other", 30 * M),
            Property(2024, "other", 40 * M),
            Property(2024, "residential-other", 1 * M),
        ]
    )
    # 70M: 50M x 0.3% + 20M x 0.4% = 230,000 shared 3:4 (separately 90,000 + 120,000)
    assert [r.tax for r in results] == [98_571.43, 131_428.57, 200.0]
    assert "UNVERIFIED" in results[0].steps[0].label_en


def test_aggregation_takes_one_farmer_exemption() -> None:
    results = get_regime().compute_aggregated(
        [Property(2024, "agriculture", 30 * M), Property(2024, "agriculture", 40 * M)]
    )
    assert [r.tax for r in results] == [857.14, 1_142.86]  # (70M - 50M) x 0.01% shared 3:4


def test_aggregation_refuses_two_taxpayers() -> None:
    with pytest.raises(TaxRuleError, match="one taxpayer"):
        get_regime().compute_aggregated(
            [Property(2024, "other", M), Property(2024, "other", M, owner_type="juristic")]
        )


# --- Building valuation -----------------------------------------------------------------------


def test_building_value_default_province_is_chiang_mai() -> None:
    assert building_value(300, "105", "masonry", 12) == 2_270_400.0  # 300 x 8,800 x 86%


@pytest.mark.parametrize(
    ("structure", "age", "kept"),
    [
        ("masonry", 0, 1.0),
        ("masonry", 1, 0.99),
        ("masonry", 10, 0.90),
        ("masonry", 11, 0.88),
        ("masonry", 22, 0.66),
        ("masonry", 23, 0.64),
        ("masonry", 43, 0.24),
        ("masonry", 80, 0.24),
        ("half", 5, 0.90),
        ("half", 16, 0.45),
        ("half", 22, 0.15),
        ("half", 40, 0.15),
        ("wood", 6, 0.80),
        ("wood", 18, 0.14),
        ("wood", 19, 0.07),
        ("wood", 50, 0.07),
    ],
)
def test_depreciation_table_and_caps(structure: str, age: int, kept: float) -> None:
    assert building_value(100, "103", structure, age) == round(100 * 9_050 * kept, 2)


def test_building_values_vectorised_equals_scalar() -> None:
    frame = pd.DataFrame(
        {
            "floor_area_m2": [300.0, 1_500.0, 320.0, 80.0],
            "building_type": ["105", "513", "406", "520/1"],
            "structure": ["masonry", "masonry", "masonry", "wood"],
            "age_years": [12, 8, 20, 30],
        },
        index=[10, 11, 12, 13],
    )
    values = building_values(frame)
    assert values.index.tolist() == [10, 11, 12, 13]
    assert values.tolist() == [
        building_value(r.floor_area_m2, r.building_type, r.structure, r.age_years)
        for r in frame.itertuples()
    ]
    assert values.tolist()[1:3] == [8_142_000.0, 1_870_400.0]


def test_building_values_accepts_integer_codes() -> None:
    frame = pd.DataFrame(
        {
            "floor_area_m2": [300.0],
            "building_type": [105],
            "structure": ["masonry"],
            "age_years": [12],
        }
    )
    assert building_values(frame, province="10").tolist() == [2_205_900.0]


def test_building_values_fractional_numeric_codes_are_no_code() -> None:
    # A float column (codes read as numbers, with gaps): 105.0 is '105', 105.5 is no type code.
    frame = pd.DataFrame(
        {
            "floor_area_m2": [300.0, 300.0, 300.0],
            "building_type": [105.0, 105.5, np.nan],
            "structure": ["masonry"] * 3,
            "age_years": [12] * 3,
        }
    )
    values = building_values(frame, province="10", errors="coerce")
    assert values.iloc[0] == 2_205_900.0 and values.iloc[1:].isna().all()
    with pytest.raises(TaxRuleError, match=r"row 1, field 'building_type': got 105.5"):
        building_values(frame, province="10")


def test_building_value_errors() -> None:
    with pytest.raises(TaxRuleError, match=r"field 'building_type': got '999'.*province 50"):
        building_value(100, "999", "masonry", 1)
    with pytest.raises(TaxRuleError, match="no building prices for province '99'"):
        building_value(100, "105", "masonry", 1, province="99")
    with pytest.raises(InputError, match="field 'structure': got 'steel'"):
        building_value(100, "105", "steel", 1)
    with pytest.raises(InputError, match="field 'age_years': got -2"):
        building_value(100, "105", "masonry", -2)


def test_compute_many_owner_type_empty_means_individual() -> None:
    frame = pd.DataFrame(
        {
            "tax_year": 2024,
            "use": "agriculture",
            "land_value": [60 * M] * 3,
            "owner_type": ["", None, "juristic"],
        }
    )
    assert get_regime().compute_many(frame).tolist() == [1_000.0, 1_000.0, 6_000.0]
    frame.loc[1, "owner_type"] = "company"
    with pytest.raises(TaxRuleError, match=r"row 1, field 'owner_type': got 'company'"):
        get_regime().compute_many(frame)


def test_building_values_coerce_gives_nan_for_rows_it_cannot_value() -> None:
    frame = pd.DataFrame(
        {
            "floor_area_m2": [300.0, 100.0, 100.0, -1.0, 100.0],
            "building_type": ["105", "101", "105", "105", "105"],
            "structure": ["masonry", "masonry", "steel", "wood", "wood"],
            "age_years": [12, 1, 1, 1, None],
        }
    )
    values = building_values(frame, province="10", errors="coerce")
    assert values.iloc[0] == 2_205_900.0
    assert values.iloc[1:].isna().all()
    with pytest.raises(TaxRuleError, match=r"row 1, field 'building_type': got '101'"):
        building_values(frame.drop(index=3), province="10")
