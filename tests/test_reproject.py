"""Reprojection interpolated on a grid: within a millimetre of PROJ, or PROJ itself."""

from __future__ import annotations

import numpy as np
from pyproj import Transformer

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
