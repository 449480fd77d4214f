"""The sample town's planted problems: which parcels carry which finding, and which get fixed.

Planted parcels differ from the map by far more than any threshold, so rounding cannot
flip a finding. The draws from the town's generator happen in a fixed order (the same
seed gives the same plan); :func:`plan_problems` keeps it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from gisrev.sample._truth import evidence, residential_use, tax_of

# Planted problems: name -> (share of parcels, minimum count).
_PLANTS = {
    "unreg_bare": (0.015, 6), "unreg_built": (0.02, 6), "orphan": (0.005, 6), "dup": (0.005, 6),
    "area_only": (0.01, 6), "area_under": (0.01, 6), "use_only": (0.005, 6),
    "use_under": (0.015, 6), "bldg_only": (0.01, 6), "bldg_under": (0.01, 6),
    "under": (0.02, 6), "arrears": (0.015, 8),
}


@dataclasses.dataclass(frozen=True)
class Plan:
    """Which parcels carry which planted problem in the first year, and which are fixed after.

    Attributes
    ----------
    chosen
        Planted problem -> the parcels (row numbers, sorted) that carry it in the first year.
    n_orphans
        Register rows whose parcel is not on the map.
    alt_category
        Per parcel, the use category a planted use problem declares instead of the map's.
    area_factor
        Per parcel, declared area / mapped area where an area problem is planted.
    under_share, paid_share
        Per parcel, the share of the expected tax assessed (``under``) and of the assessed tax
        paid (``arrears``).
    code_style, messy_kind
        Per parcel, how the register spells its code (``exact``, ``messy`` or ``deed``) and
        which clerk's spelling a messy code gets.
    fixed
        Per parcel, whether its problem is put right in the next year's register.
    """

    chosen: dict[str, np.ndarray]
    n_orphans: int
    alt_category: np.ndarray
    area_factor: np.ndarray
    under_share: np.ndarray
    paid_share: np.ndarray
    code_style: np.ndarray
    messy_kind: np.ndarray
    fixed: np.ndarray

    def counts(self) -> dict[str, int]:
        """Return how many parcels (or register rows, for ``orphan``) carry each problem."""
        return {**{name: len(v) for name, v in self.chosen.items()}, "orphan": self.n_orphans}

    def cleaned(self) -> Plan:
        """Return the plan of a clean town: no problem planted, no orphan, every code findable.

        Codes are still spelt messily now and then (they match once normalised), but never
        wrongly: a wrong code matched only by deed would be a finding once the deed column is
        left out.
        """
        return dataclasses.replace(
            self,
            chosen={name: v[:0] for name, v in self.chosen.items()},
            n_orphans=0,
            code_style=np.where(self.code_style == "deed", "exact", self.code_style),
            fixed=np.zeros_like(self.fixed),
        )


def _pick(rng: np.random.Generator, candidates: np.ndarray, share: float, minimum: int,
          n: int) -> np.ndarray:
    k = min(len(candidates), max(minimum, round(share * n)))
    return np.sort(rng.choice(candidates, size=k, replace=False)) if k else candidates[:0]


class _Chooser:
    """Chooses the parcels of each planted problem; a parcel carries one problem at most."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.rng = rng
        self.n = n
        self.free = np.ones(n, bool)
        self.chosen: dict[str, np.ndarray] = {}

    def take(self, name: str, mask: np.ndarray) -> np.ndarray:
        share, minimum = _PLANTS[name]
        chosen = _pick(self.rng, np.flatnonzero(mask & self.free), share, minimum, self.n)
        self.free[chosen] = False
        self.chosen[name] = chosen
        return chosen


def _choose_assessment_problems(
    parcels: pd.DataFrame, buildings: pd.DataFrame, choose: _Chooser, *, year: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Series]:
    """Choose the unregistered, use, building, area, under-assessed and duplicated parcels.

    Returns the alternative use categories, area factors and under-assessed shares, and
    every parcel's expected tax.
    """
    rng, n = choose.rng, choose.n
    ev = evidence(parcels, buildings, year)
    category = ev["category"]
    sub = residential_use(parcels["claimed_exemption"])
    owner = parcels["owner_type"]
    expected = tax_of(year, category, sub, ev["land_value"], ev["building_value"], owner,
                      ev["shares"])

    def margin(declared_tax: pd.Series) -> np.ndarray:
        # Far beyond the UNDERPAID threshold, so rounding never decides.
        return ((expected - declared_tax).abs() > 2 * np.maximum(200.0, 0.1 * expected)).to_numpy()

    has_b = (ev["n_buildings"] > 0).to_numpy()
    choose.take("unreg_built", has_b)
    choose.take("unreg_bare", ~has_b)
    # Declared as a primary residence (or farmland) although the map shows a shop or vacant land.
    alt_cat = np.where(category == "other", "residential",
                       np.where(category == "vacant", "agriculture", ""))
    alt_use_tax = tax_of(year, pd.Series(np.where(alt_cat == "", "other", alt_cat)),
                         pd.Series("residential-primary", index=parcels.index), ev["land_value"],
                         ev["building_value"], pd.Series("individual", index=parcels.index),
                         ev["shares"])
    use_ok = (alt_cat != "") & (owner == "individual").to_numpy() & margin(alt_use_tax)
    choose.take("use_under", use_ok)
    choose.take("use_only", use_ok)
    # Buildings left out of the register.
    land_only = tax_of(year, category, sub, ev["land_value"], ev["building_value"] * 0, owner,
                       ev["shares"])
    choose.take("bldg_under", has_b & margin(land_only))
    choose.take("bldg_only", has_b)
    # Declared area far from the mapped one.
    area_factor = np.where(rng.random(n) < 0.5, rng.uniform(0.45, 0.65, n),
                           rng.uniform(1.4, 1.7, n))
    small_factor = rng.uniform(0.4, 0.6, n)
    area_tax = tax_of(year, category, sub, ev["land_value"] * small_factor,
                      ev["building_value"], owner, ev["shares"])
    under_ok = (expected >= 2_000).to_numpy() & margin(area_tax)
    chosen = choose.take("area_under", under_ok)
    area_factor[chosen] = small_factor[chosen]
    choose.take("area_only", np.ones(n, bool))
    under_share = rng.uniform(0.3, 0.6, n)
    choose.take("under", (expected >= 1_000).to_numpy())
    choose.take("dup", np.ones(n, bool))
    return alt_cat, area_factor, under_share, expected


def plan_problems(
    parcels: pd.DataFrame, buildings: pd.DataFrame, rng: np.random.Generator, *, year: int
) -> Plan:
    """Choose which parcels carry which planted problem in ``year``, and which get fixed after."""
    n = len(parcels)
    choose = _Chooser(rng, n)
    alt_cat, area_factor, under_share, expected = _choose_assessment_problems(
        parcels, buildings, choose, year=year
    )
    # Arrears: unpaid on top of any registered parcel's own story (clean ones included).
    registered = np.ones(n, bool)
    registered[choose.chosen["unreg_built"]] = registered[choose.chosen["unreg_bare"]] = False
    registered[choose.chosen["dup"]] = False
    share, minimum = _PLANTS["arrears"]
    # Not where the assessment itself is too low: unpaid tax must be far above the threshold.
    for name in ("use_under", "bldg_under", "area_under"):
        registered[choose.chosen[name]] = False
    arrears_ok = registered & (expected >= 3_000).to_numpy()
    choose.chosen["arrears"] = _pick(rng, np.flatnonzero(arrears_ok), share, minimum, n)
    paid_share = np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.2, 0.5, n))
    share, minimum = _PLANTS["orphan"]
    n_orphans = max(minimum, round(share * n))
    # How register rows spell the parcel code: exactly, messily, or wrongly (matched by deed).
    code_style = rng.choice(["exact", "messy", "deed"], size=n, p=[0.94, 0.05, 0.01])
    messy_kind = rng.integers(0, 4, n)
    # About half of the first year's problems are fixed in the next year's register.
    flagged = ~choose.free
    flagged[choose.chosen["arrears"]] = True
    fixed = flagged & (rng.random(n) < 0.55)
    return Plan(chosen=choose.chosen, n_orphans=n_orphans, alt_category=alt_cat,
                area_factor=area_factor, under_share=under_share, paid_share=paid_share,
                code_style=code_style, messy_kind=messy_kind, fixed=fixed)
