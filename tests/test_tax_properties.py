"""Properties every tax must have (hypothesis): monotone in the base, never above the ceiling."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from gisrev.tax import Property
from gisrev.tax.thai import ThaiRegime

REGIME = ThaiRegime()
USES = st.sampled_from(REGIME.uses)
YEARS = st.sampled_from(REGIME.supported_years)
OWNERS = st.sampled_from(["individual", "juristic"])
VACANT = st.integers(min_value=0, max_value=40)
# Up to 20 billion baht: past the top band of every use.
BASES = st.floats(min_value=0, max_value=2e10, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(year=YEARS, use=USES, owner=OWNERS, vacant=VACANT, a=BASES, b=BASES)
def test_tax_never_decreases_as_the_base_grows(
    year: int, use: str, owner: str, vacant: int, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    taxes = [
        REGIME.compute(Property(year, use, base, owner_type=owner, vacant_years=vacant)).tax
        for base in (low, high)
    ]
    assert taxes[0] <= taxes[1]


@settings(max_examples=300, deadline=None)
@given(year=YEARS, use=USES, owner=OWNERS, vacant=VACANT, land=BASES, building=BASES)
def test_tax_never_exceeds_the_ceiling_rate_times_the_base(
    year: int, use: str, owner: str, vacant: int, land: float, building: float
) -> None:
    prop = Property(year, use, land, building, owner_type=owner, vacant_years=vacant)
    ceiling = REGIME.ceiling_percent(use, vacant_years=vacant) / 100
    assert ceiling <= (0.03 if use == "vacant" else 0.012)
    # + half a cent for rounding to 0.01, + float noise (1.5 x 3 % = 0.045 rounds to 0.05)
    assert REGIME.compute(prop).tax <= ceiling * prop.base + 0.005 + 1e-9 * max(1.0, prop.base)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, object]:
    use = draw(st.sampled_from((*REGIME.uses, "mixed")))
    parts = None
    if use == "mixed":
        first, second = draw(st.lists(USES, min_size=2, max_size=2, unique=True))
        share = draw(st.sampled_from([0.1, 0.25, 0.5, 0.75]))
        parts = {first: share, second: 1 - share}
    return {
        "tax_year": draw(YEARS),
        "use": use,
        "land_value": draw(BASES),
        "building_value": draw(BASES),
        "owner_type": draw(OWNERS),
        "vacant_years": draw(VACANT),
        "parts": parts,
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=30))
def test_compute_many_equals_compute(records: list[dict[str, object]]) -> None:
    frame = pd.DataFrame(records)
    expected = [REGIME.compute(Property(**r)).tax for r in records]  # type: ignore[arg-type]
    assert REGIME.compute_many(frame).tolist() == expected
