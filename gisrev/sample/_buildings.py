"""The sample town's buildings: what stands on each parcel, its footprint, floors and age.

The draws from the town's generator happen in a fixed order (the same seed gives the same
buildings); :func:`place_buildings` keeps it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gisrev.sample._town import TownMap

# Treasury building type -> floors, structure (THAI_LBT §2.1); all priced for Chiang Mai.
TYPES = {
    "103": (1, "masonry"), "104": (2, "wood"), "105": (2, "masonry"), "106": (2, "half"),
    "202": (2, "masonry"), "402": (2, "masonry"), "501": (1, "masonry"), "513": (1, "masonry"),
    "520/1": (4, "masonry"),
}


def _what_stands(
    p: pd.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per parcel: whether a building stands, its type and use, a second one, the observed use."""
    n = len(p)
    kind = p["block_class"].to_numpy()
    core, res = kind == "core", kind == "residential"
    farm = ~(core | res)
    r = rng.random(n)
    t_core = rng.choice(["402", "202", "520/1"], size=n, p=[0.75, 0.2, 0.05])
    t_res = rng.choice(["103", "105", "106", "104", "202"], size=n, p=[0.3, 0.35, 0.15, 0.1, 0.1])
    t_farm = rng.choice(["513", "501"], size=n)
    commercial_shop = rng.random(n) < 0.55
    farm_use = rng.choice(["agriculture", "vacant", "industrial"], size=n, p=[0.80, 0.12, 0.08])
    barn = rng.random(n) < 0.15
    observed = np.where(farm, np.where(farm_use == "industrial", "other", farm_use),
                        np.where(rng.random(n) < 0.6, "vacant", "agriculture"))

    has = np.where(core, r < 0.93, np.where(res, r < 0.85, (farm_use == "industrial")
                                             | ((farm_use == "agriculture") & barn)))
    btype = np.where(core, t_core, np.where(res, t_res, np.where(farm_use == "industrial",
                                                                   t_farm, "501")))
    use = np.where(
        core, np.where((btype == "402") & commercial_shop, "commercial", "residential"),
        np.where(res, "residential",
                 np.where(farm_use == "industrial", "industrial", "agriculture")),
    )
    second = res & has & (rng.random(n) < 0.10)  # a small shop behind the house: mixed use
    return has, btype, use, second, observed


def _footprints(
    p: pd.DataFrame, has: np.ndarray, second: np.ndarray, btype: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each building's parcel, whether it is the second one, and its footprint."""
    kind = p["block_class"].to_numpy()
    core, res = kind == "core", kind == "residential"
    farm = ~(core | res)
    # Footprints in the cell's local coordinates (u across, v deep), inset from its edges.
    inset = p["inset"].to_numpy()
    u0, u1 = inset, 1 - inset
    v0 = np.where(core, 0.10, np.where(res, 0.25, 0.20))
    v1 = np.where(core, 0.70, np.where(res, 0.65, 0.80))
    small = farm & (btype == "501")
    u0, u1 = np.where(small, 0.40, u0), np.where(small, 0.60, u1)
    v0, v1 = np.where(small, 0.40, v0), np.where(small, 0.60, v1)

    main = np.flatnonzero(has)
    extra = np.flatnonzero(second)
    parcel = np.concatenate([main, extra])
    order = np.argsort(parcel, kind="stable")
    parcel = parcel[order]
    is_extra = np.concatenate([np.zeros(len(main), bool), np.ones(len(extra), bool)])[order]
    bu0 = np.where(is_extra, 0.25, u0[parcel])
    bu1 = np.where(is_extra, 0.75, u1[parcel])
    bv0 = np.where(is_extra, 0.68, v0[parcel])
    bv1 = np.where(is_extra, 0.80, v1[parcel])
    bx0, by0, bx1, by1 = (p[c].to_numpy()[parcel] for c in ("bx0", "by0", "bx1", "by1"))
    geoms = shapely.box(bx0 + bu0 * (bx1 - bx0), by0 + bv0 * (by1 - by0),
                        bx0 + bu1 * (bx1 - bx0), by0 + bv1 * (by1 - by0))
    return parcel, is_extra, geoms


def place_buildings(town: TownMap, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Place buildings; return them and each parcel's observed use (used where none stands)."""
    p = town.parcels
    kind = p["block_class"].to_numpy()
    core, res = kind == "core", kind == "residential"
    has, btype, use, second, observed = _what_stands(p, rng)
    parcel, is_extra, geoms = _footprints(p, has, second, btype)
    btypes = np.where(is_extra, "501", btype[parcel])
    floors = np.array([TYPES[t][0] for t in btypes])
    structure = np.array([TYPES[t][1] for t in btypes], dtype=object)
    wood_barn = (btypes == "501") & (use[parcel] == "agriculture") & (rng.random(len(parcel)) < 0.5)
    structure[wood_barn] = "wood"
    first_year = np.where(core[parcel], 1980, np.where(res[parcel], 1975, 1990))
    year_built = rng.integers(first_year, 2023)  # at least one year old in 2566 BE
    n_b = len(parcel)
    b = pd.DataFrame(
        {
            "parcel": parcel,
            "building_code": [f"B{i + 1:07d}" for i in range(n_b)],
            "building_type": btypes,
            "floors": floors,
            "use": np.where(is_extra, "commercial", use[parcel]),
            "structure": structure,
            "year_built": year_built,
            "value": np.nan,
            "geometry": geoms,
        }
    )
    b["footprint_m2"] = shapely.area(geoms)
    # A few buildings carry an appraised value from a past survey (wins over the estimate).
    valued = rng.random(n_b) < 0.05
    b.loc[valued, "value"] = np.round(b.loc[valued, "footprint_m2"] * b.loc[valued, "floors"]
                                      * rng.uniform(5_000, 9_000, int(valued.sum())), -3)
    return b, observed
