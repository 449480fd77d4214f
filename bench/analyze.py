"""Benchmark: `gisrev analyze` on generated towns vs an in-memory geopandas baseline.

For each size a sample town is generated (gisrev.sample, GeoPackage + CSV register), loaded
with the fast loader (gisrev.load) into a throw-away database, analysed for 2566 BE, and
timed stage by stage. In the same run the geopandas baseline does the same logical work the
obvious way, stage for stage:

    read       read_postgis of parcels, buildings and zones, read_sql of the register
               (SQL: scope, the year's register rows and parcels into temporary tables)
    match      merge on the exact code, then the normalised code, then the deed number, a
               normalised code or deed counting only when it names one parcel (SQL: match)
    buildings  sjoin buildings -> parcels, overlap areas, the largest overlap above half the
               footprint wins (SQL: buildings)
    building_values  appraised value, else the tax engine's estimate (both sides call
               gisrev.tax.buildings.building_values on the same rows)
    zones      sjoin representative points -> zones, the lowest zone id wins (SQL: zones)
    evidence   per parcel: buildings, building value and floor area per use category, the
               first register row and the count of rows, price and land value (SQL: evidence)

The baseline stops there (no tax, no findings, nothing written back). Printed: seconds per
stage on both sides with the ratio baseline / SQL, and the whole analysis against the targets.

    .venv/bin/python bench/analyze.py [--parcels 100000 1000000] [--db URL] [--keep DIR]

``--keep DIR`` keeps the generated towns and their loaded databases (``gisrev_bench_<n>``) and
reuses both on the next run, so a 1M town is generated (~2.5 min) and loaded (~25 s) once.

Targets (issue 5): 100k parcels under 20 s, 1M under 4 minutes, ahead of the baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from gisrev.analyze import run_analysis
from gisrev.config import DEFAULT_DATABASE_URL, load_settings
from gisrev.db import init_db, make_engine, sqlalchemy_url
from gisrev.db.engine import create_database, drop_database

# SQL stage -> baseline stage doing the same logical work.
LIKE_FOR_LIKE = {
    "scope": "read",
    "match": "match",
    "buildings": "buildings",
    "building_values": "building_values",
    "zones": "zones",
    "evidence": "evidence",
}
_CATEGORY = {
    "residential": "residential",
    "commercial": "other",
    "industrial": "other",
    "other": "other",
    "agriculture": "agriculture",
}


def _admin(server_url: str) -> tuple[sa.Engine, sa.URL]:
    server = make_url(sqlalchemy_url(server_url))
    return make_engine(server.render_as_string(hide_password=False)), server


def _database_exists(server_url: str, name: str) -> bool:
    admin, _ = _admin(server_url)
    with admin.connect() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
    admin.dispose()
    return bool(found)


def _unique(keys: pd.Series, ids: pd.Series) -> pd.Series:
    """Map each key naming exactly one parcel to that parcel's id."""
    once = ~keys.duplicated(keep=False)
    return pd.Series(ids[once].to_numpy(), index=keys[once].to_numpy())


def geopandas_baseline(
    engine: sa.Engine, *, lgu: str, year: int
) -> tuple[dict[str, float], dict[str, int]]:
    """The same joins and evidence, the obvious in-memory way.

    Returns seconds per stage and, to check the two sides did the same work, the register
    rows matched per method, the buildings placed on a parcel and the parcels given a zone.
    """
    from gisrev.tax.buildings import building_values

    t: dict[str, float] = {}
    start = now = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal now
        t[name] = time.perf_counter() - now
        now = time.perf_counter()

    params = {"lgu": lgu, "year": year}
    with engine.connect() as conn:
        parcels = gpd.read_postgis(
            sa.text(
                "SELECT id, parcel_code, parcel_code_norm, NULLIF(btrim(deed_no), '') AS deed_no, "
                "observed_use, price_per_sqwah, geom FROM parcels WHERE lgu_code = :lgu"
            ),
            conn,
            geom_col="geom",
            params=params,
        )
        buildings = gpd.read_postgis(
            sa.text(
                "SELECT id, floors, value, use, building_type, structure, year_built, geom "
                "FROM buildings WHERE lgu_code = :lgu"
            ),
            conn,
            geom_col="geom",
            params=params,
        )
        zones = gpd.read_postgis(
            sa.text(
                "SELECT id AS zone_id, price_per_sqwah AS zone_price, geom FROM zones "
                "WHERE lgu_code = :lgu"
            ),
            conn,
            geom_col="geom",
            params=params,
        )
        register = pd.read_sql(
            sa.text(
                "SELECT id AS register_id, parcel_code, parcel_code_norm, "
                "NULLIF(btrim(deed_no), '') AS deed_no, account_id, owner_type, declared_use, "
                "declared_area_sqwah, building_value, exemption, tax_assessed, tax_paid "
                "FROM register WHERE lgu_code = :lgu AND tax_year = :year"
            ),
            conn,
            params=params,
        )
    lap("read")

    # Exact code, else a normalised code naming one parcel, else a deed naming one parcel.
    exact = register["parcel_code"].map(
        pd.Series(parcels["id"].to_numpy(), index=parcels["parcel_code"].to_numpy())
    )
    norm = register["parcel_code_norm"].map(_unique(parcels["parcel_code_norm"], parcels["id"]))
    deed = register["deed_no"].map(
        _unique(parcels["deed_no"].dropna(), parcels["id"][parcels["deed_no"].notna()])
    )
    register["parcel_id"] = exact.fillna(norm).fillna(deed)
    register["method"] = np.select(
        [exact.notna(), norm.notna(), deed.notna()], ["exact", "normalised", "deed"], None
    )
    matched = register[register["parcel_id"].notna()]
    lap("match")

    pairs = gpd.sjoin(
        buildings[["id", "geom"]],
        parcels[["id", "geom"]],
        predicate="intersects",
        lsuffix="b",
        rsuffix="p",
    )
    b_geom = buildings.geometry.to_numpy()[pairs.index.to_numpy()]
    p_geom = parcels.geometry.to_numpy()[pairs["index_p"].to_numpy()]
    pairs["overlap"] = shapely.area(shapely.intersection(b_geom, p_geom))
    pairs["footprint"] = shapely.area(b_geom)
    best = pairs.sort_values(["id_b", "overlap", "id_p"], ascending=[True, False, True])
    best = best.drop_duplicates("id_b")
    best = best[best["overlap"] > 0.5 * best["footprint"]]
    on_parcel = buildings.loc[best.index].drop(columns="geom")
    on_parcel["parcel_id"] = best["id_p"].to_numpy()
    on_parcel["floor_area_m2"] = best["footprint"].to_numpy() * (
        on_parcel["floors"].fillna(1).clip(lower=1)
    )
    lap("buildings")

    todo = (
        on_parcel["value"].isna()
        & on_parcel["building_type"].notna()
        & on_parcel["structure"].notna()
    )
    estimate = on_parcel.loc[todo, ["floor_area_m2", "building_type", "structure"]].assign(
        age_years=(year - on_parcel.loc[todo, "year_built"]).clip(lower=0).fillna(0).astype(int)
    )
    on_parcel["est_value"] = building_values(estimate, errors="coerce")
    lap("building_values")

    points = gpd.GeoDataFrame(
        {"id": parcels["id"]}, geometry=parcels.representative_point(), crs=parcels.crs
    )
    # Zones on the left: sjoin queries the right frame's tree with the left's geometries,
    # prepared, so each big zone is prepared once instead of testing every point against
    # every vertex of its zone (measured at 1M: 49 s the other way round).
    in_zone = (
        gpd.sjoin(zones, points, predicate="intersects")
        .sort_values(["id", "zone_id"])
        .drop_duplicates("id")
    )
    lap("zones")

    category = on_parcel["use"].str.strip().str.lower().map(_CATEGORY)
    area = on_parcel["floor_area_m2"]
    bsum = (
        pd.DataFrame(
            {
                "parcel_id": on_parcel["parcel_id"],
                "n_buildings": 1,
                "building_value": on_parcel["value"].fillna(on_parcel["est_value"]).fillna(0.0),
                "res_area": area.where(category == "residential", 0.0),
                "other_area": area.where(category == "other", 0.0),
                "agri_area": area.where(category == "agriculture", 0.0),
            }
        )
        .groupby("parcel_id")
        .sum()
    )
    first = matched.sort_values(["parcel_id", "register_id"])
    accounts = first.drop_duplicates("parcel_id").set_index("parcel_id")
    accounts["n_records"] = first.groupby("parcel_id").size()
    evidence = (
        parcels.drop(columns="geom")
        .assign(mapped_area_sqwah=shapely.area(parcels.geometry.to_numpy()) / 4.0)
        .merge(in_zone[["id", "zone_price"]], on="id", how="left")
        .merge(bsum, left_on="id", right_index=True, how="left")
        .merge(accounts, left_on="id", right_index=True, how="left")
    )
    evidence["land_value"] = evidence["mapped_area_sqwah"] * evidence["price_per_sqwah"].fillna(
        evidence["zone_price"]
    )
    evidence["n_records"] = evidence["n_records"].fillna(0).astype(int)
    lap("evidence")
    t["total"] = time.perf_counter() - start
    assert len(evidence) == len(parcels)
    counts = {m: int((register["method"] == m).sum()) for m in ("exact", "normalised", "deed")}
    counts["buildings placed"] = len(on_parcel)
    counts["parcels in a zone"] = len(in_zone)
    return t, counts


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "uptime unavailable"


def _load_town(url: str, folder: Path) -> None:
    from gisrev.load import load_register, load_vector

    engine = make_engine(url)
    try:
        init_db(engine, srid=32647)
        settings = load_settings(folder / "gisrev.toml", env={})
        mapping = folder / "mapping.toml"
        for kind in ("parcels", "buildings", "zones"):
            (path,) = [
                p
                for p in folder.iterdir()
                if p.stem == kind and p.suffix in (".gpkg", ".geojson", ".fgb", ".shp")
            ]
            load_vector(engine, path, kind=kind, settings=settings, mapping=mapping)
        (register,) = folder.glob("register_2566.*")
        load_register(engine, register, settings=settings, mapping=mapping)
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()


def bench_one(n: int, server_url: str, keep: Path | None) -> None:
    """Generate (or reuse), load (or reuse), analyse and compare one town of ``n`` parcels."""
    from gisrev.sample import generate_town

    folder = keep / f"town_{n}" if keep else Path(tempfile.mkdtemp(prefix=f"gisrev_bench_{n}_"))
    t0 = time.perf_counter()
    if not (folder / "ground_truth.csv").exists():
        generate_town(folder, parcels=n, seed=2566, vector_format="gpkg", register_format="csv")
    print(f"\n== {n:,} parcels  (town ready in {time.perf_counter() - t0:.1f} s, {folder})")

    name = f"gisrev_bench_{n}" if keep else f"gisrev_bench_{uuid.uuid4().hex[:8]}"
    reuse = keep is not None and _database_exists(server_url, name)
    if reuse:
        url = (
            make_url(sqlalchemy_url(server_url))
            .set(database=name, drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        print(f"database {name} reused (loaded by an earlier run)")
    else:
        url = create_database(server_url, name)
        t0 = time.perf_counter()
        try:
            _load_town(url, folder)
        except BaseException:
            drop_database(server_url, name)
            raise
        print(f"loaded in {time.perf_counter() - t0:.1f} s")
    engine = make_engine(url)
    try:
        settings = load_settings(folder / "gisrev.toml", env={})
        print(f"before: {_uptime()}")
        report = run_analysis(engine, year=2566, settings=settings)
        print(
            f"gisrev analyze: {report.duration_s:.1f} s total, "
            f"{report.n_findings:,} findings, gap {report.total_gap:,.0f} baht"
        )
        base, agreed = geopandas_baseline(engine, lgu=settings.lgu_code, year=2023)
        same = all(agreed[m] == n for m, n in report.matched.items())
        print(
            "baseline: "
            + ", ".join(f"{k} {v:,}" for k, v in agreed.items())
            + ("" if same else f" -- MATCHES DIFFER from the SQL's {report.matched}")
        )
        print(f"after:  {_uptime()}")

        print(f"  {'stage (SQL / baseline)':<34} {'SQL s':>8} {'baseline s':>11} {'base/SQL':>9}")
        for stage, seconds in report.stages.items():
            other = LIKE_FOR_LIKE.get(stage)
            label = f"{stage} / {other}" if other else f"{stage} / -"
            if other:
                ratio = base[other] / seconds if seconds else float("inf")
                print(f"  {label:<34} {seconds:8.2f} {base[other]:11.2f} {ratio:8.1f}x")
            else:
                print(f"  {label:<34} {seconds:8.2f} {'-':>11} {'-':>9}")
        sql_like = sum(report.stages[s] for s in LIKE_FOR_LIKE)
        print(
            f"  {'like for like (' + str(len(LIKE_FOR_LIKE)) + ' stages)':<34} "
            f"{sql_like:8.2f} {base['total']:11.2f} {base['total'] / sql_like:8.1f}x"
        )
        print(
            f"  {'whole analysis (+ tax, findings)':<34} {report.duration_s:8.2f} "
            f"{'-':>11} {'-':>9}"
        )
        target = 20.0 if n <= 100_000 else 240.0
        verdict = "OK" if report.duration_s < target else "MISSED"
        ahead = "ahead of" if sql_like < base["total"] else "BEHIND"
        print(f"target < {target:.0f} s: {verdict}; like for like the SQL is {ahead} the baseline")
    finally:
        engine.dispose()
        if keep is None:
            drop_database(server_url, name)
            shutil.rmtree(folder, ignore_errors=True)  # a 1M town is over a gigabyte


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--db", default=os.environ.get("GISREV_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep (and reuse) generated towns in this folder and their loaded databases",
    )
    args = parser.parse_args()
    np.seterr(all="ignore")
    for n in args.parcels:
        bench_one(n, args.db, args.keep)


if __name__ == "__main__":
    main()
