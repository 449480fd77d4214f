"""The sample town's contents: attributes, buildings, owners, registers, planted problems.

Everything is drawn from one seeded :class:`numpy.random.Generator`, in a fixed order, so
the same seed gives the same town. Clean parcels are exactly consistent with the map;
planted parcels differ from it by far more than any threshold, so rounding cannot flip a
finding.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from gisrev.sample import _names, _people
from gisrev.sample._town import ZONES, TownMap
from gisrev.sample._truth import FINDING_CODES, evidence, ground_truth, residential_use, tax_of
from gisrev.tax import get_regime

YEARS_CE = (2023, 2024)  # 2566 and 2567 BE
SOURCE_CRS = 24047  # Indian 1975 / UTM 47N, as old municipal tax maps are drawn
WORK_CRS = 32647

# Treasury building type -> floors, structure (THAI_LBT §2.1); all priced for Chiang Mai.
_TYPES = {
    "103": (1, "masonry"), "104": (2, "wood"), "105": (2, "masonry"), "106": (2, "half"),
    "202": (2, "masonry"), "402": (2, "masonry"), "501": (1, "masonry"), "513": (1, "masonry"),
    "520/1": (4, "masonry"),
}

# Planted problems: name -> (share of parcels, minimum count).
_PLANTS = {
    "unreg_bare": (0.015, 6), "unreg_built": (0.02, 6), "orphan": (0.005, 6), "dup": (0.005, 6),
    "area_only": (0.01, 6), "area_under": (0.01, 6), "use_only": (0.005, 6),
    "use_under": (0.015, 6), "bldg_only": (0.01, 6), "bldg_under": (0.01, 6),
    "under": (0.02, 6), "arrears": (0.015, 8),
}


@dataclasses.dataclass
class Town:
    """A generated town in memory (EPSG:32647), ready to be written."""

    parcels: pd.DataFrame
    buildings: pd.DataFrame
    zones: pd.DataFrame
    registers: dict[int, pd.DataFrame]  # CE year -> canonical register rows, file order
    truth: dict[int, pd.DataFrame]
    survey: pd.DataFrame
    recovered: pd.DataFrame
    plants: dict[str, int]


def _pick(rng: np.random.Generator, candidates: np.ndarray, share: float, minimum: int,
          n: int) -> np.ndarray:
    k = min(len(candidates), max(minimum, round(share * n)))
    return np.sort(rng.choice(candidates, size=k, replace=False)) if k else candidates[:0]


def _parcel_attributes(town: TownMap, rng: np.random.Generator) -> pd.DataFrame:
    p = town.parcels
    n = len(p)
    width = max(4, len(str(int(p["slot"].max()) + 1)))
    codes = [f"MH{s + 1:0{width}d}-{lot:02d}" for s, lot in zip(p["slot"], p["lot"], strict=True)]
    deeds = 10_000 + 7 * rng.permutation(n) + rng.integers(0, 7, n)
    deed_type = np.where(rng.random(n) < 0.92, "โฉนด", "น.ส.3ก")
    zone_price = np.array([z[2] for z in ZONES])[p["zone"].to_numpy()]
    own = rng.random(n) < 0.05  # corner lots and special parcels carry their own price
    own_price = np.where(own, np.round(zone_price * rng.uniform(1.1, 1.4, n), -2), np.nan)
    return pd.DataFrame(
        {
            "parcel_code": codes,
            "deed_no": deeds.astype(str),
            "deed_type": deed_type,
            "block_class": p["block_class"].to_numpy(),
            "zone": p["zone"].to_numpy(),
            "own_price": own_price,
            "price": np.where(own, own_price, zone_price),
            "geometry": p["geometry"].to_numpy(),
        }
    )


def _buildings(town: TownMap, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Place buildings; return them and each parcel's observed use (used where none stands)."""
    p = town.parcels
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
    btypes = np.where(is_extra, "501", btype[parcel])
    floors = np.array([_TYPES[t][0] for t in btypes])
    structure = np.array([_TYPES[t][1] for t in btypes], dtype=object)
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


def _roundtrip_area_sqwah(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parcels in the source CRS, and their area in square wah once loaded back to 32647."""
    fwd = Transformer.from_crs(WORK_CRS, SOURCE_CRS, always_xy=True)
    back = Transformer.from_crs(SOURCE_CRS, WORK_CRS, always_xy=True)

    def apply(tr: Transformer) -> object:
        return lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))

    source = shapely.transform(geoms, apply(fwd))
    loaded = shapely.transform(source, apply(back))
    return source, shapely.area(loaded) / 4.0


def build_town(n_parcels: int, rng: np.random.Generator, town: TownMap) -> Town:
    """Fill a laid-out town with attributes, buildings, owners, registers and ground truth."""
    n = n_parcels
    parcels = _parcel_attributes(town, rng)
    buildings, observed = _buildings(town, rng)
    parcels["observed"] = observed
    parcels["source_geometry"], parcels["mapped_sqwah"] = _roundtrip_area_sqwah(
        parcels["geometry"].to_numpy()
    )

    # Owners: companies own factories, apartment blocks and a quarter of the shops.
    has_b = np.bincount(buildings["parcel"], minlength=n) > 0
    use_counts = pd.crosstab(buildings["parcel"], buildings["use"]).reindex(range(n), fill_value=0)
    column = lambda use: use_counts.get(use, pd.Series(0, index=use_counts.index)).to_numpy()  # noqa: E731
    industrial = column("industrial") > 0
    shop = (column("commercial") > 0) & (use_counts.sum(axis=1).to_numpy() == column("commercial"))
    apartment = np.zeros(n, bool)
    apartment[buildings.loc[buildings["building_type"] == "520/1", "parcel"]] = True
    juristic = industrial | apartment | (shop & (rng.random(n) < 0.25)) | (
        (observed == "agriculture") & ~has_b & (rng.random(n) < 0.05)
    )
    parcels["owner_type"] = np.where(juristic, "juristic", "individual")
    parcels["owner_name"] = _people.fake_names(rng, n, juristic=juristic)
    parcels["owner_id"] = _people.fake_ids(rng, n, juristic=juristic)
    parcels["account_id"] = [f"AC{i + 1:07d}" for i in range(n)]
    sub = rng.choice([50_000_000.0, 10_000_000.0, 0.0], size=n, p=[0.70, 0.05, 0.25])
    parcels["claimed_exemption"] = np.where(juristic, 0.0, sub)

    plan = _plan(parcels, buildings, rng)
    registers = {
        year: _register(parcels, buildings, plan, year, fixed=(year != YEARS_CE[0]), rng_seed=i)
        for i, year in enumerate(YEARS_CE)
    }
    truth = {year: ground_truth(parcels, buildings, registers[year], year) for year in YEARS_CE}
    for year, frame in truth.items():
        orphans = int((frame["flags"] == "ORPHAN_RECORD").sum())
        if orphans != len(plan["orphan"]):
            msg = f"internal error: {orphans} orphan rows in {year}, planted {len(plan['orphan'])}"
            raise RuntimeError(msg)
    survey, recovered = _survey_and_recovery(parcels, buildings, plan, truth, registers, rng)
    counts = {name: len(v) for name, v in plan.items() if isinstance(v, np.ndarray)}
    return Town(parcels=parcels, buildings=buildings, zones=town.zones, registers=registers,
                truth=truth, survey=survey, recovered=recovered, plants=counts)


def _plan(parcels: pd.DataFrame, buildings: pd.DataFrame, rng: np.random.Generator) -> dict:
    """Choose which parcels carry which planted problem in 2566, and which get fixed by 2567."""
    n = len(parcels)
    year = YEARS_CE[0]
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
    free = np.ones(n, bool)
    plan: dict = {}

    def take(name: str, mask: np.ndarray) -> np.ndarray:
        share, minimum = _PLANTS[name]
        chosen = _pick(rng, np.flatnonzero(mask & free), share, minimum, n)
        free[chosen] = False
        plan[name] = chosen
        return chosen

    take("unreg_built", has_b)
    take("unreg_bare", ~has_b)
    # Declared as a primary residence (or farmland) although the map shows a shop or vacant land.
    alt_cat = np.where(category == "other", "residential",
                       np.where(category == "vacant", "agriculture", ""))
    alt_use_tax = tax_of(year, pd.Series(np.where(alt_cat == "", "other", alt_cat)),
                         pd.Series("residential-primary", index=parcels.index), ev["land_value"],
                         ev["building_value"], pd.Series("individual", index=parcels.index),
                         ev["shares"])
    use_ok = (alt_cat != "") & (owner == "individual").to_numpy() & margin(alt_use_tax)
    take("use_under", use_ok)
    take("use_only", use_ok)
    plan["alt_category"] = alt_cat
    # Buildings left out of the register.
    land_only = tax_of(year, category, sub, ev["land_value"], ev["building_value"] * 0, owner,
                       ev["shares"])
    take("bldg_under", has_b & margin(land_only))
    take("bldg_only", has_b)
    # Declared area far from the mapped one.
    plan["area_factor"] = np.where(rng.random(n) < 0.5, rng.uniform(0.45, 0.65, n),
                                   rng.uniform(1.4, 1.7, n))
    small_factor = rng.uniform(0.4, 0.6, n)
    area_tax = tax_of(year, category, sub, ev["land_value"] * small_factor,
                      ev["building_value"], owner, ev["shares"])
    under_ok = (expected >= 2_000).to_numpy() & margin(area_tax)
    chosen = take("area_under", under_ok)
    plan["area_factor"][chosen] = small_factor[chosen]
    take("area_only", np.ones(n, bool))
    plan["under_share"] = rng.uniform(0.3, 0.6, n)
    take("under", (expected >= 1_000).to_numpy())
    take("dup", np.ones(n, bool))
    # Arrears: unpaid on top of any registered parcel's own story (clean ones included).
    registered = np.ones(n, bool)
    registered[plan["unreg_built"]] = registered[plan["unreg_bare"]] = False
    registered[plan["dup"]] = False
    share, minimum = _PLANTS["arrears"]
    # Not where the assessment itself is too low: unpaid tax must be far above the threshold.
    for name in ("use_under", "bldg_under", "area_under"):
        registered[plan[name]] = False
    arrears_ok = registered & (expected >= 3_000).to_numpy()
    plan["arrears"] = _pick(rng, np.flatnonzero(arrears_ok), share, minimum, n)
    plan["paid_share"] = np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.2, 0.5, n))
    share, minimum = _PLANTS["orphan"]
    plan["orphan"] = np.arange(max(minimum, round(share * n)))
    # How register rows spell the parcel code: exactly, messily, or wrongly (matched by deed).
    plan["code_style"] = rng.choice(["exact", "messy", "deed"], size=n, p=[0.94, 0.05, 0.01])
    plan["messy_kind"] = rng.integers(0, 4, n)
    # About half of the 2566 problems are fixed in the 2567 register.
    flagged = ~free
    flagged[plan["arrears"]] = True
    plan["fixed"] = flagged & (rng.random(n) < 0.55)
    return plan


def _messy(code: str, kind: int) -> str:
    """Write a parcel code as a clerk might; it still matches after normalising."""
    if kind == 0:
        return code.lower()
    if kind == 1:
        return code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    if kind == 2:
        return code[:2] + " " + code[2:].replace("-", " ")
    return code.replace("-", ".")


def _register(parcels: pd.DataFrame, buildings: pd.DataFrame, plan: dict, year: int, *,
              fixed: bool, rng_seed: int) -> pd.DataFrame:
    """Canonical register rows for one year, in file order."""
    n = len(parcels)
    ev = evidence(parcels, buildings, year)
    live = ~plan["fixed"] if fixed else np.ones(n, bool)

    def planted(name: str) -> np.ndarray:
        mask = np.zeros(n, bool)
        mask[plan[name]] = True
        return mask & live

    category = ev["category"].to_numpy().astype(object)
    declared_use = category.copy()
    exemption = np.where(np.isin(category, ["residential", "mixed"]),
                         parcels["claimed_exemption"], 0.0)
    use_planted = planted("use_under") | planted("use_only")
    declared_use[use_planted] = plan["alt_category"][use_planted]
    exemption[use_planted & (declared_use == "residential")] = 50_000_000.0
    area = parcels["mapped_sqwah"].to_numpy()
    area_planted = planted("area_under") | planted("area_only")
    declared_area = np.round(np.where(area_planted, area * plan["area_factor"], area))
    land_value = np.round(np.where(area_planted, declared_area * parcels["price"],
                                   ev["land_value"]), 2)
    bvalue = ev["building_value"].to_numpy().copy()
    bvalue[ev["n_buildings"].to_numpy() == 0] = np.nan
    bvalue[planted("bldg_only")] = np.nan
    bvalue[planted("bldg_under")] = 0.0
    bvalue = np.round(bvalue, 2)

    idx = parcels.index
    owner = parcels["owner_type"]
    sub = residential_use(pd.Series(exemption, index=idx))
    expected = tax_of(year, ev["category"], residential_use(parcels["claimed_exemption"]),
                      ev["land_value"], ev["building_value"], owner, ev["shares"])
    on_declared = tax_of(year, pd.Series(declared_use, index=idx), sub,
                         pd.Series(land_value, index=idx), pd.Series(bvalue, index=idx), owner,
                         ev["shares"])
    assessed = expected.to_numpy().copy()
    by_declared = planted("use_under") | planted("bldg_under") | planted("area_under")
    assessed[by_declared] = on_declared.to_numpy()[by_declared]
    under = planted("under")
    assessed[under] = np.round(assessed[under] * plan["under_share"][under], 2)
    paid = assessed.copy()
    arrears = planted("arrears")
    paid[arrears] = np.round(assessed[arrears] * plan["paid_share"][arrears], 2)

    rng = np.random.default_rng([rng_seed, year])
    start = dt.date(year, 4, 1).toordinal()
    paid_day = start + rng.integers(0, 90, n)
    paid_date = np.array([dt.date.fromordinal(int(d)) if v > 0 else None
                          for d, v in zip(paid_day, paid, strict=True)], dtype=object)

    codes = parcels["parcel_code"].to_numpy().astype(object).copy()
    style = plan["code_style"]
    for i in np.flatnonzero(style == "messy"):
        codes[i] = _messy(codes[i], int(plan["messy_kind"][i]))
    for i in np.flatnonzero(style == "deed"):
        codes[i] = f"X{i % 97:02d}/{i + 1}"  # an old code from before the map was redrawn

    rows = pd.DataFrame(
        {
            "parcel_code": codes,
            "deed_no": parcels["deed_no"],
            "tax_year": year,
            "account_id": parcels["account_id"],
            "owner_name": parcels["owner_name"],
            "owner_id": parcels["owner_id"],
            "owner_type": owner,
            "declared_use": declared_use,
            "declared_area_sqwah": declared_area,
            "land_value": land_value,
            "building_value": bvalue,
            "exemption": exemption,
            "tax_assessed": assessed,
            "tax_paid": paid,
            "paid_date": paid_date,
        }
    )
    registered = ~(planted("unreg_built") | planted("unreg_bare"))
    dup = planted("dup")
    copies = rows[dup].copy()
    copies["account_id"] = copies["account_id"] + "D"
    copies["parcel_code"] = [_messy(c, 2) for c in parcels["parcel_code"][dup]]
    out = pd.concat([rows[registered], copies]).sort_index(kind="stable")
    return pd.concat([out, _orphans(parcels, plan, year)], ignore_index=True)


def _orphans(parcels: pd.DataFrame, plan: dict, year: int) -> pd.DataFrame:
    """Register rows whose parcel is not on the map (and whose deed is on no parcel)."""
    k = len(plan["orphan"])
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


def _survey_and_recovery(parcels: pd.DataFrame, buildings: pd.DataFrame, plan: dict,
                         truth: dict[int, pd.DataFrame], registers: dict[int, pd.DataFrame],
                         rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Make what surveyors found for 2566 findings, and the revenue 2567 recovered."""
    y0, y1 = YEARS_CE
    t0 = truth[y0].iloc[: len(parcels)]
    t1 = truth[y1].iloc[: len(parcels)]
    flagged = t0["flags"] != ""
    # Paying arrears late is not a register change: only registered or corrected parcels count.
    fixed = plan["fixed"] & flagged.to_numpy() & (t0["flags"] != "ARREARS").to_numpy()
    was_unreg = t0["flags"].str.contains("UNREGISTERED").to_numpy()
    visited = flagged.to_numpy() & (fixed | (rng.random(len(parcels)) < 0.5))
    idx = np.flatnonzero(visited)
    other = rng.choice(["no change", "refused", "not found"], size=len(idx), p=[0.6, 0.2, 0.2])
    outcome = np.where(fixed[idx], np.where(was_unreg[idx], "registered", "corrected"), other)
    seen = outcome != "not found"
    floors = buildings.groupby("parcel")["floors"].max().reindex(idx)
    n_b = buildings.groupby("parcel").size().reindex(idx, fill_value=0).to_numpy()
    day0 = dt.date(y0, 7, 1).toordinal()
    notes = {
        "registered": "พบเจ้าของ แจ้งขึ้นทะเบียนแล้ว",
        "corrected": "แก้ไขข้อมูลการใช้ประโยชน์/เนื้อที่/สิ่งปลูกสร้างแล้ว",
        "no change": "ข้อมูลตรงตามแผนที่ เจ้าของยังไม่มาติดต่อ",
        "refused": "เจ้าของไม่ให้ความร่วมมือ",
        "not found": "ไม่พบแปลงตามพิกัด ต้องตรวจสอบแผนที่",
    }
    survey = pd.DataFrame(
        {
            "parcel_code": parcels["parcel_code"].to_numpy()[idx],
            "visited_at": [dt.date.fromordinal(int(d)).isoformat()
                           for d in day0 + rng.integers(0, 160, len(idx))],
            "surveyor": np.array(_names.SURVEYORS, dtype=object)[
                rng.integers(0, len(_names.SURVEYORS), len(idx))],
            "found_use": np.where(seen, t0["evidence_use"].to_numpy()[idx], ""),
            "buildings_count": np.where(seen, n_b.astype(str), ""),
            "floors": np.where(seen & (n_b > 0), floors.fillna(0).astype(int).astype(str), ""),
            "notes": [notes[o] for o in outcome],
            "photo": np.where(seen, [f"IMG_{i + 1:05d}.jpg" for i in range(len(idx))], ""),
            "outcome": outcome,
        }
    )
    survey = survey.sort_values(["visited_at", "parcel_code"], kind="stable").reset_index(drop=True)

    rec = np.flatnonzero(fixed)
    before = t0.iloc[rec]
    after = t1.iloc[rec]
    assessed0 = before["tax_assessed"].fillna(0.0).to_numpy()
    assessed1 = after["tax_assessed"].fillna(0.0).to_numpy()
    recovered = pd.DataFrame(
        {
            "parcel_code": before["parcel_code"].to_numpy(),
            "flags_2566": before["flags"].to_numpy(),
            "outcome": np.where(was_unreg[rec], "registered", "corrected"),
            "tax_assessed_2566": np.round(assessed0, 2),
            "tax_assessed_2567": np.round(assessed1, 2),
            "tax_paid_2567": after["tax_paid"].to_numpy(),
            "recovered_baht": np.round(np.maximum(assessed1 - assessed0, 0.0), 2),
        }
    )
    return survey, recovered


def planted_counts(truth: pd.DataFrame) -> dict[str, int]:
    """How many rows of a ground-truth table carry each finding code."""
    codes = truth["flags"].str.split(";").explode()
    return {code: int((codes == code).sum()) for code in FINDING_CODES}
