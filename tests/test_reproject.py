"""Reprojection interpolated on a grid: within a millimetre of PROJ, or PROJ itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pyproj import Transformer
from sqlalchemy.engine import Engine

from gisrev.load._reproject import TOLERANCE_M, GridTransformer

INDIAN_1975_TO_UTM = Transformer.from_crs(24047, 32647, always_xy=True)


def _town(n: int, *, size: float, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return 495_000 + rng.uniform(0, size, n), 2_075_000 + rng.uniform(0, size, n)


def test_a_province_sized_batch_is_interpolated_to_within_a_millimetre() -> None:
    x, y = _town(100_000, size=150_000.0)  # wider than any province
    grid = GridTransformer(INDIAN_1975_TO_UTM, tolerance=TOLERANCE_M)

    gx, gy = grid(x, y)

    ex, ey = INDIAN_1975_TO_UTM.transform(x, y)
    assert grid.n_interpolated == 1
    assert np.abs(gx - ex).max() < 1e-4
    assert np.abs(gy - ey).max() < 1e-4
    assert np.abs(gx - x).max() > 100  # it did move the points (Indian 1975 -> WGS 84)


def test_a_batch_that_fails_the_check_is_transformed_point_by_point() -> None:
    # Degrees from west of the zone to far east of it: UTM 47N bends strongly out there.
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(60, 140, 50_000), rng.uniform(-10, 60, 50_000)
    to_utm = Transformer.from_crs(4326, 32647, always_xy=True)
    grid = GridTransformer(to_utm, tolerance=TOLERANCE_M)

    gx, gy = grid(lon, lat)

    ex, ey = to_utm.transform(lon, lat)
    assert (grid.n_interpolated, grid.n_exact) == (0, 1)
    np.testing.assert_array_equal(gx, ex)
    np.testing.assert_array_equal(gy, ey)


def test_small_batches_and_non_finite_points_go_to_proj() -> None:
    grid = GridTransformer(INDIAN_1975_TO_UTM, tolerance=TOLERANCE_M)
    x, y = _town(100, size=1_000.0)
    grid(x, y)
    x, y = _town(50_000, size=1_000.0)
    x[10] = np.nan
    gx, _ = grid(x, y)
    assert (grid.n_interpolated, grid.n_exact) == (0, 2)
    assert not np.isfinite(gx[10])  # what PROJ makes of it
    assert np.isfinite(np.delete(gx, 10)).all()


def test_a_big_load_from_indian_1975_lands_within_a_millimetre_of_proj(
    clean_db: Engine, tmp_path: Path
) -> None:
    # 4,000 parcels, 20,000 points: the batch goes through the WKB rewrite and the grid.
    import geopandas as gpd
    import pyogrio
    import shapely
    import sqlalchemy as sa

    from gisrev.config import Settings
    from gisrev.load import load_vector

    n = 4_000
    i = np.arange(n)
    x0, y0 = 495_000 + (i % 60) * 25.0, 2_075_000 + (i // 60) * 25.0
    squares = shapely.box(x0, y0, x0 + 20.0, y0 + 20.0)
    holed = shapely.Polygon(  # and one with a hole, among them
        [(x0[0], y0[0]), (x0[0] + 20, y0[0]), (x0[0] + 20, y0[0] + 20), (x0[0], y0[0] + 20)],
        holes=[[(x0[0] + 5, y0[0] + 5), (x0[0] + 9, y0[0] + 5), (x0[0] + 9, y0[0] + 9)]],
    )
    squares[0] = holed
    frame = gpd.GeoDataFrame({"PCODE": [f"P-{k}" for k in i]}, geometry=squares, crs=24047)
    path = tmp_path / "parcels.shp"
    pyogrio.write_dataframe(frame, path)

    report = load_vector(clean_db, path, kind="parcels", settings=Settings(lgu_code="501004"))

    assert report.n_loaded == n
    with clean_db.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT parcel_code, ST_AsBinary(geom) AS wkb FROM parcels ORDER BY id"
        )).all()
    by_code = {r.parcel_code: shapely.from_wkb(bytes(r.wkb)) for r in stored}
    got = np.array([by_code[f"P-{k}"] for k in i], dtype=object)
    expected = shapely.multipolygons(
        shapely.transform(squares, INDIAN_1975_TO_UTM.transform, interleaved=False)[:, None]
    )
    assert shapely.get_num_interior_rings(shapely.get_geometry(got[0], 0)) == 1
    assert (shapely.get_num_coordinates(got) == shapely.get_num_coordinates(expected)).all()
    # (normalised: the shapefile keeps its rings clockwise, so their points run the other way)
    got_xy = shapely.get_coordinates(shapely.normalize(got))
    gap = np.abs(got_xy - shapely.get_coordinates(shapely.normalize(expected))).max()
    assert gap < 1e-3
    assert gap > 0  # interpolated, not PROJ itself, yet within a millimetre
