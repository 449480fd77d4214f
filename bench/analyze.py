"""Benchmark: `gisrev analyze` on generated towns vs an in-memory geopandas baseline.

For each size a sample town is generated (gisrev.sample, GeoPackage + CSV register), loaded
with the fast loader (gisrev.load) into a throw-away database, analysed for 2566 BE, and
timed stage by stage. In the same run the geopandas baseline does the joins the obvious
way: ``read_postgis`` of parcels, buildings and zones, ``sjoin`` buildings→parcels with the
largest overlap, ``sjoin`` representative points→zones, ``merge`` of the register on the
normalised code. The baseline stops there (no tax, no findings), so it is compared with the
SQL stages doing the same work (scope + match + buildings + zones + evidence).

    .venv/bin/python bench/analyze.py [--parcels 100000 1000000] [--db URL] [--keep DIR]

Targets (issue 5): 100k parcels under 20 s, 1M under 4 minutes, ahead of the baseline.
"""

from __future__ import annotations

import argparse
import os
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

SQL_JOIN_STAGES = ("scope", "match", "buildings", "zones", "evidence")


def _throwaway_database(server_url: str) -> tuple[str, str]:
    server = make_url(sqlalchemy_url(server_url))
    name = f"gisrev_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.set(database=name, drivername="postgresql").render_as_string(hide_password=False)
    return url, name


def _drop_database(server_url: str, name: str) -> None:
    server = make_url(sqlalchemy_url(server_url))
    admin = make_engine(server.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def geopandas_baseline(engine: sa.Engine, *, lgu: str, year: int) -> dict[str, float]:
    """The obvious in-memory way: read everything, sjoin, merge. Seconds per step."""
    t: dict[str, float] = {}
    start = time.perf_counter()
    with engine.connect() as conn:
        params = {"lgu": lgu}
        parcels = gpd.read_postgis(
            sa.text("SELECT id, parcel_code_norm, price_per_sqwah, geom FROM parcels "
                    "WHERE lgu_code = :lgu"), conn, geom_col="geom", params=params)
        buildings = gpd.read_postgis(
            sa.text("SELECT id, floors, value, use, geom FROM buildings WHERE lgu_code = :lgu"),
            conn, geom_col="geom", params=params)
        zones = gpd.read_postgis(
            sa.text("SELECT id AS zone_id, price_per_sqwah AS zone_price, geom FROM zones "
                    "WHERE lgu_code = :lgu"), conn, geom_col="geom", params=params)
        register = pd.read_sql(
            sa.text("SELECT id AS register_id, parcel_code_norm, tax_assessed, tax_paid "
                    "FROM register WHERE lgu_code = :lgu AND tax_year = :year"),
            conn, params={"lgu": lgu, "year": year})
    t["read_postgis"] = time.perf_counter() - start

    now = time.perf_counter()
    pairs = gpd.sjoin(buildings[["id", "geom"]], parcels[["id", "geom"]], predicate="intersects",
                      lsuffix="b", rsuffix="p")
    b_geom = buildings.geometry.to_numpy()[pairs.index.to_numpy()]
    p_geom = parcels.geometry.to_numpy()[pairs["index_p"].to_numpy()]
    pairs["overlap"] = shapely.area(shapely.intersection(b_geom, p_geom))
    pairs["footprint"] = shapely.area(b_geom)
    best = pairs.sort_values("overlap", ascending=False).drop_duplicates("id_b")
    best = best[best["overlap"] > 0.5 * best["footprint"]]
    t["sjoin_buildings"] = time.perf_counter() - now

    now = time.perf_counter()
    points = gpd.GeoDataFrame({"id": parcels["id"]}, geometry=parcels.representative_point(),
                              crs=parcels.crs)
    in_zone = gpd.sjoin(points, zones, predicate="within").drop_duplicates("id")
    t["sjoin_zones"] = time.perf_counter() - now

    now = time.perf_counter()
    per_parcel = best.groupby("id_p").agg(n_buildings=("id_b", "size"))
    evidence = parcels[["id", "parcel_code_norm", "price_per_sqwah"]].assign(
        mapped_sqwah=shapely.area(parcels.geometry.to_numpy()) / 4.0
    )
    evidence = (evidence.merge(in_zone[["id", "zone_price"]], on="id", how="left")
                .merge(per_parcel, left_on="id", right_index=True, how="left")
                .merge(register, on="parcel_code_norm", how="left"))
    evidence["land_value"] = evidence["mapped_sqwah"] * evidence["price_per_sqwah"].fillna(
        evidence["zone_price"]
    )
    t["merge"] = time.perf_counter() - now
    t["total"] = time.perf_counter() - start
    assert len(evidence) >= len(parcels)
    return t


def bench_one(n: int, server_url: str, keep: Path | None) -> None:
    from gisrev.load import load_register, load_vector
    from gisrev.sample import generate_town

    folder = keep / f"town_{n}" if keep else Path(tempfile.mkdtemp(prefix=f"gisrev_bench_{n}_"))
    t0 = time.perf_counter()
    if not (folder / "ground_truth.csv").exists():
        generate_town(folder, parcels=n, seed=2566, vector_format="gpkg", register_format="csv")
    print(f"\n== {n:,} parcels  (town generated in {time.perf_counter() - t0:.1f} s, {folder})")

    url, name = _throwaway_database(server_url)
    engine = make_engine(url)
    try:
        init_db(engine, srid=32647)
        settings = load_settings(folder / "gisrev.toml", env={})
        mapping = folder / "mapping.toml"
        t0 = time.perf_counter()
        for kind in ("parcels", "buildings", "zones"):
            (path,) = [p for p in folder.iterdir() if p.stem == kind
                       and p.suffix in (".gpkg", ".geojson", ".fgb", ".shp")]
            load_vector(engine, path, kind=kind, settings=settings, mapping=mapping)
        (register,) = folder.glob("register_2566.*")
        load_register(engine, register, settings=settings, mapping=mapping)
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
        print(f"loaded in {time.perf_counter() - t0:.1f} s")

        report = run_analysis(engine, year=2566, settings=settings)
        print(f"gisrev analyze: {report.duration_s:.1f} s total, "
              f"{report.n_findings:,} findings, gap {report.total_gap:,.0f} baht")
        for stage, seconds in report.stages.items():
            print(f"  {stage:<16} {seconds:8.2f} s")
        sql_joins = sum(report.stages[s] for s in SQL_JOIN_STAGES)

        base = geopandas_baseline(engine, lgu=settings.lgu_code, year=2023)
        print("geopandas baseline (read_postgis + sjoin + merge, no tax, no findings):")
        for stage, seconds in base.items():
            print(f"  {stage:<16} {seconds:8.2f} s")
        spatial = report.stages["buildings"] + report.stages["zones"]
        in_memory = base["read_postgis"] + base["sjoin_buildings"] + base["sjoin_zones"]
        print(f"spatial joins: SQL buildings + zones {spatial:.2f} s vs read_postgis + both "
              f"sjoins {in_memory:.2f} s -> baseline / SQL = {in_memory / spatial:.1f}x")
        print(f"joins + matching + evidence in SQL ({' + '.join(SQL_JOIN_STAGES)}): "
              f"{sql_joins:.2f} s vs baseline total {base['total']:.2f} s "
              f"-> baseline / SQL = {base['total'] / sql_joins:.1f}x "
              "(the SQL side also matches by deed, sums building values and uses)")
        print(f"whole analysis (SQL joins + tax + findings) / baseline joins only = "
              f"{report.duration_s / base['total']:.2f}")
        target = 20.0 if n <= 100_000 else 240.0
        verdict = "OK" if report.duration_s < target else "MISSED"
        print(f"target < {target:.0f} s: {verdict}")
    finally:
        engine.dispose()
        _drop_database(server_url, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--db", default=os.environ.get("GISREV_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--keep", type=Path, help="keep (and reuse) generated towns in this folder")
    args = parser.parse_args()
    np.seterr(all="ignore")
    for n in args.parcels:
        bench_one(n, args.db, args.keep)


if __name__ == "__main__":
    main()
