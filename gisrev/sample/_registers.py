"""The sample town's tax registers: one year's canonical rows, planted problems included.

Clean parcels are declared exactly as the map shows them; planted ones as their
:class:`~gisrev.sample._plants.Plan` says. Duplicate accounts and orphan rows (parcels not
on the map) are added, and a few codes are spelt as clerks spell them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gisrev.sample import _people
from gisrev.sample._plants import Plan
from gisrev.sample._truth import evidence, residential_use, tax_of
from gisrev.tax import get_regime


def messy_code(code: str, kind: int) -> str:
    """Write a parcel code as a clerk might; it still matches after normalising."""
    if kind == 0:
        return code.lower()
    if kind == 1:
        return code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    if kind == 2:
        return code[:2] + " " + code[2:].replace("-", " ")
    return code.replace("-", ".")


class _Planted:
    """Masks of the parcels that carry a planted problem in one year's register."""

    def __init__(self, plan: Plan, *, n: int, fixed: bool) -> None:
        self.plan = plan
        self.n = n
        self.live = ~plan.fixed if fixed else np.ones(n, bool)

    def __call__(self, *names: str) -> np.ndarray:
        mask = np.zeros(self.n, bool)
        for name in names:
            mask[self.plan.chosen[name]] = True
        return mask & self.live


def _declared(
    parcels: pd.DataFrame, ev: pd.DataFrame, plan: Plan, planted: _Planted
) -> dict[str, np.ndarray]:
    """Return what each parcel's account declares: use, exemption, area, land and building value."""
    category = ev["category"].to_numpy().astype(object)
    declared_use = category.copy()
    exemption = np.where(np.isin(category, ["residential", "mixed"]),
                         parcels["claimed_exemption"], 0.0)
    use_planted = planted("use_under", "use_only")
    declared_use[use_planted] = plan.alt_category[use_planted]
    exemption[use_planted & (declared_use == "residential")] = 50_000_000.0
    area = parcels["mapped_sqwah"].to_numpy()
    area_planted = planted("area_under", "area_only")
    declared_area = np.round(np.where(area_planted, area * plan.area_factor, area))
    land_value = np.round(np.where(area_planted, declared_area * parcels["price"],
                                   ev["land_value"]), 2)
    bvalue = ev["building_value"].to_numpy().copy()
    bvalue[ev["n_buildings"].to_numpy() == 0] = np.nan  # no building: the cell left blank
    # An undeclared building is a declared value of 0; a blank cell declares nothing.
    bvalue[planted("bldg_only", "bldg_under")] = 0.0
    return {"declared_use": declared_use, "declared_area_sqwah": declared_area,
            "land_value": land_value, "building_value": np.round(bvalue, 2),
            "exemption": exemption}


def _assessed_and_paid(
    parcels: pd.DataFrame, ev: pd.DataFrame, declared: dict[str, np.ndarray], plan: Plan,
    planted: _Planted, *, year: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the tax assessed on each account and the tax paid on it."""
    idx = parcels.index
    owner = parcels["owner_type"]
    sub = residential_use(pd.Series(declared["exemption"], index=idx))
    expected = tax_of(year, ev["category"], residential_use(parcels["claimed_exemption"]),
                      ev["land_value"], ev["building_value"], owner, ev["shares"])
    on_declared = tax_of(year, pd.Series(declared["declared_use"], index=idx), sub,
                         pd.Series(declared["land_value"], index=idx),
                         pd.Series(declared["building_value"], index=idx), owner, ev["shares"])
    assessed = expected.to_numpy().copy()
    by_declared = planted("use_under", "bldg_under", "area_under")
    assessed[by_declared] = on_declared.to_numpy()[by_declared]
    under = planted("under")
    assessed[under] = np.round(assessed[under] * plan.under_share[under], 2)
    paid = assessed.copy()
    arrears = planted("arrears")
    paid[arrears] = np.round(assessed[arrears] * plan.paid_share[arrears], 2)
    return assessed, paid


def _register_codes(parcels: pd.DataFrame, plan: Plan) -> np.ndarray:
    """Return each account's parcel code as the register spells it."""
    codes = parcels["parcel_code"].to_numpy().astype(object).copy()
    style = plan.code_style
    for i in np.flatnonzero(style == "messy"):
        codes[i] = messy_code(codes[i], int(plan.messy_kind[i]))
    for i in np.flatnonzero(style == "deed"):
        codes[i] = f"X{i % 97:02d}/{i + 1}"  # an old code from before the map was redrawn
    return codes


def register_rows(parcels: pd.DataFrame, buildings: pd.DataFrame, plan: Plan, year: int, *,
                  fixed: bool, rng_seed: int) -> pd.DataFrame:
    """Canonical register rows for one year, in file order.

    ``fixed`` puts right the problems the plan fixes (the years after the first).
    """
    n = len(parcels)
    ev = evidence(parcels, buildings, year)
    planted = _Planted(plan, n=n, fixed=fixed)
    declared = _declared(parcels, ev, plan, planted)
    assessed, paid = _assessed_and_paid(parcels, ev, declared, plan, planted, year=year)

    rng = np.random.default_rng([rng_seed, year])
    start = dt.date(year, 4, 1).toordinal()
    paid_day = start + rng.integers(0, 90, n)
    paid_date = np.array([dt.date.fromordinal(int(d)) if v > 0 else None
                          for d, v in zip(paid_day, paid, strict=True)], dtype=object)
    rows = pd.DataFrame(
        {
            "parcel_code": _register_codes(parcels, plan),
            "deed_no": parcels["deed_no"],
            "tax_year": year,
            "account_id": parcels["account_id"],
            "owner_name": parcels["owner_name"],
            "owner_id": parcels["owner_id"],
            "owner_type": parcels["owner_type"],
            **declared,
            "tax_assessed": assessed,
            "tax_paid": paid,
            "paid_date": paid_date,
        }
    )
    registered = ~planted("unreg_built", "unreg_bare")
    dup = planted("dup")
    copies = rows[dup].copy()
    copies["account_id"] = copies["account_id"] + "D"
    copies["parcel_code"] = [messy_code(c, 2) for c in parcels["parcel_code"][dup]]
    out = pd.concat([rows[registered], copies]).sort_index(kind="stable")
    return pd.concat([out, _orphans(parcels, plan.n_orphans, year)], ignore_index=True)


def _orphans(parcels: pd.DataFrame, k: int, year: int) -> pd.DataFrame:
    """Return ``k`` register rows whose parcel is not on the map (and whose deed is on none)."""
    rng = np.random.default_rng([7, k])
    juristic = np.zeros(k, bool)
    area = rng.integers(60, 400, k).astype(float)
    land = area * 10_000.0
    frame = pd.DataFrame({"tax_year": year, "use": "residential-other", "land_value": land,
                          "building_value": 0.0, "owner_type": "individual", "vacant_years": 0})
    tax = get_regime("thai").compute_many(frame).to_numpy()
    deed_base = 10_000 + 7 * len(parcels) + 1_000
    width = len(str(parcels["parcel_code"].iloc[0]).split("-")[0]) - 2
    return pd.DataFrame(
        {
            # One digit longer than any parcel's block number: never a parcel on the map.
            "parcel_code": [f"MH9{i + 1:0{width}d}-01" for i in range(k)],
            "deed_no": [str(deed_base + 7 * i) for i in range(k)],
            "tax_year": year,
            "account_id": [f"AC9{i + 1:06d}" for i in range(k)],
            "owner_name": _people.fake_names(rng, k, juristic=juristic),
            "owner_id": _people.fake_ids(rng, k, juristic=juristic),
            "owner_type": "individual",
            "declared_use": "residential",
            "declared_area_sqwah": area,
            "land_value": land,
            "building_value": np.nan,
            "exemption": 0.0,
            "tax_assessed": tax,
            "tax_paid": tax,
            "paid_date": [dt.date(year, 4, 20)] * k,
        }
    )
