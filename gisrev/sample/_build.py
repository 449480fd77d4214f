"""The sample town's contents: attributes, buildings, owners, registers, planted problems.

Everything is drawn from one seeded :class:`numpy.random.Generator`, in a fixed order, so
the same seed gives the same town: :func:`build_town` runs the steps in that order
(buildings in :mod:`~gisrev.sample._buildings`, the planted problems in
:mod:`~gisrev.sample._plants`, registers in :mod:`~gisrev.sample._registers`, survey and
recovery in :mod:`~gisrev.sample._survey`). Clean parcels are exactly consistent with the
map; planted parcels differ from it by far more than any threshold, so rounding cannot flip
a finding.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from gisrev.sample import _people
from gisrev.sample._buildings import place_buildings
from gisrev.sample._plants import Plan, plan_problems
from gisrev.sample._registers import register_rows
from gisrev.sample._survey import recovered_revenue, survey_visits
from gisrev.sample._town import ZONES, TownMap
from gisrev.sample._truth import FINDING_CODES, ground_truth

YEARS_CE = (2023, 2024)  # 2566 and 2567 BE
SOURCE_CRS = 24047  # Indian 1975 / UTM 47N, as old municipal tax maps are drawn
WORK_CRS = 32647

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
    plan: Plan


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


def _roundtrip_area_sqwah(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parcels in the source CRS, and their area in square wah once loaded back to 32647."""
    fwd = Transformer.from_crs(WORK_CRS, SOURCE_CRS, always_xy=True)
    back = Transformer.from_crs(SOURCE_CRS, WORK_CRS, always_xy=True)

    def apply(tr: Transformer) -> object:
        return lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))

    source = shapely.transform(geoms, apply(fwd))
    loaded = shapely.transform(source, apply(back))
    return source, shapely.area(loaded) / 4.0


def _owners(parcels: pd.DataFrame, buildings: pd.DataFrame, rng: np.random.Generator) -> None:
    """Add each parcel's owner, account and claimed exemption to ``parcels``."""
    n = len(parcels)
    observed = parcels["observed"].to_numpy()
    # Owners: companies own factories, apartment blocks and a quarter of the shops.
    has_b = np.bincount(buildings["parcel"], minlength=n) > 0
    use_counts = pd.crosstab(buildings["parcel"], buildings["use"]).reindex(range(n), fill_value=0)

    def column(use: str) -> np.ndarray:
        return use_counts.get(use, pd.Series(0, index=use_counts.index)).to_numpy()

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


def build_town(n_parcels: int, rng: np.random.Generator, town: TownMap, *,
               clean: bool = False) -> Town:
    """Fill a laid-out town with attributes, buildings, owners, registers and ground truth.

    ``clean`` plants no problem: every register row agrees with the map. The draws are the
    same either way, so a clean town is its planted twin with the problems taken out.
    """
    parcels = _parcel_attributes(town, rng)
    buildings, observed = place_buildings(town, rng)
    parcels["observed"] = observed
    parcels["source_geometry"], parcels["mapped_sqwah"] = _roundtrip_area_sqwah(
        parcels["geometry"].to_numpy()
    )
    _owners(parcels, buildings, rng)

    first = YEARS_CE[0]
    plan = plan_problems(parcels, buildings, rng, year=first)
    if clean:
        plan = plan.cleaned()
    registers = {
        year: register_rows(parcels, buildings, plan, year, fixed=(year != first), rng_seed=i)
        for i, year in enumerate(YEARS_CE)
    }
    truth = {year: ground_truth(parcels, buildings, registers[year], year) for year in YEARS_CE}
    for year, frame in truth.items():
        orphans = int((frame["flags"] == "ORPHAN_RECORD").sum())
        if orphans != plan.n_orphans:
            msg = f"internal error: {orphans} orphan rows in {year}, planted {plan.n_orphans}"
            raise RuntimeError(msg)
    survey = survey_visits(parcels, buildings, plan, truth[first], rng, year=first)
    recovered = recovered_revenue(parcels, plan, truth, years=YEARS_CE)
    return Town(parcels=parcels, buildings=buildings, zones=town.zones, registers=registers,
                truth=truth, survey=survey, recovered=recovered, plants=plan.counts(), plan=plan)


def planted_counts(truth: pd.DataFrame) -> dict[str, int]:
    """How many rows of a ground-truth table carry each finding code."""
    codes = truth["flags"].str.split(";").explode()
    return {code: int((codes == code).sum()) for code in FINDING_CODES}
