"""Polygon WKB reprojected in its bytes: the same as shapely's transform, or None."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gisrev.load._wkb import reproject_polygons


def _move(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A transformation whose result is easy to tell apart from its input."""
    return x * 0.5 + 1000.0, y * 2.0 - 7.0


def _wkb(geoms: list[shapely.Geometry | None]) -> pa.Array:
    return pa.array(shapely.to_wkb(np.array(geoms, dtype=object), byte_order=1), pa.binary())


def _expected(geoms: list[shapely.Geometry]) -> list[bytes]:
    moved = shapely.transform(np.array(geoms, dtype=object), _move, interleaved=False)
    return list(shapely.to_wkb(moved, byte_order=1))


HOLED = shapely.Polygon(
    [(0, 0), (10, 0), (10, 10), (0, 10)], holes=[[(2, 2), (4, 2), (4, 4)], [(6, 6), (8, 6), (8, 8)]]
)
MULTI = shapely.MultiPolygon([HOLED, shapely.box(20, 20, 25, 30), shapely.box(40, 0, 41, 1)])


def test_polygons_holes_and_multipolygons_move_exactly_as_shapely_moves_them() -> None:
    geoms = [shapely.box(0, 0, 1, 1), HOLED, MULTI, shapely.MultiPolygon([shapely.box(5, 5, 6, 7)])]

    moved = reproject_polygons(_wkb(geoms), _move)

    assert moved is not None
    assert moved.to_pylist() == _expected(geoms)


def test_a_slice_of_a_batch_moves_only_its_own_values() -> None:
    geoms = [shapely.box(i, i, i + 1, i + 2) for i in range(6)]

    moved = reproject_polygons(_wkb(geoms).slice(2, 3), _move)

    assert moved is not None
    assert moved.to_pylist() == _expected(geoms[2:5])


def test_an_empty_polygon_keeps_its_bytes() -> None:
    geoms = [shapely.Polygon(), shapely.box(0, 0, 1, 1)]
    moved = reproject_polygons(_wkb(geoms), _move)
    assert moved is not None
    assert moved.to_pylist() == _expected(geoms)


@pytest.mark.parametrize(
    "wkb",
    [
        _wkb([shapely.box(0, 0, 1, 1), None]),  # a null
        _wkb([shapely.Point(1, 2)]),  # not a polygon
        pa.array(
            [shapely.to_wkb(shapely.box(0, 0, 1, 1), byte_order=0)], pa.binary()
        ),  # big-endian
        pa.array([shapely.to_wkb(shapely.Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1)]))], pa.binary()),
        pa.array([shapely.to_wkb(shapely.box(0, 0, 1, 1))[:-8]], pa.binary()),  # cut short
        pa.array([shapely.to_wkb(shapely.box(0, 0, 1, 1)) + b"\0"], pa.binary()),  # one byte over
        pa.array([shapely.to_wkb(MULTI)[:40]], pa.binary()),  # a MultiPolygon cut in its parts
        pa.array([b"\x01\x03\x00\x00\x00\xff\xff\xff\x00"], pa.binary()),  # 16M rings, no bytes
    ],
    ids=["null", "point", "big-endian", "3d", "short", "long", "cut-multi", "huge-count"],
)
def test_anything_but_well_formed_2d_polygon_wkb_is_left_to_shapely(wkb: pa.Array) -> None:
    assert reproject_polygons(wkb, _move) is None


coordinate = st.integers(-1000, 1000).map(float)


@st.composite
def polygons(draw: st.DrawFn) -> shapely.Geometry:
    boxes = [
        shapely.box(x, y, x + draw(st.integers(1, 50)), y + draw(st.integers(1, 50)))
        for x, y in draw(st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=4))
    ]
    if len(boxes) == 1 and draw(st.booleans()):
        return boxes[0]
    return shapely.MultiPolygon(boxes)


@settings(max_examples=60, deadline=None)
@given(st.lists(polygons(), min_size=1, max_size=12))
def test_any_batch_of_polygons_moves_as_shapely_moves_it(geoms: list[shapely.Geometry]) -> None:
    moved = reproject_polygons(_wkb(geoms), _move)
    assert moved is not None
    assert moved.to_pylist() == _expected(geoms)
