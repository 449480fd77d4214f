"""Reprojecting polygon WKB in place, without building geometries to do it.

Shapely reprojects by copying every coordinate out of its geometries and back into
new ones, then writing WKB again for COPY: most of the cost of reprojection on a
big load. Polygon WKB keeps its coordinates as plain little-endian doubles at
offsets its ring counts give, so this module finds those offsets for a whole Arrow
batch with numpy, transforms the coordinates and writes them back into a copy of
the bytes. It handles what GDAL hands over for parcel maps, little-endian 2-D
Polygons and MultiPolygons; anything else (nulls, 3-D, other types, bad WKB) gets
None and goes the general way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa

_POLYGON, _MULTIPOLYGON = 3, 6


def _u32(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Read little-endian uint32 values at byte offsets ``at``."""
    b = data[at[:, None] + np.arange(4)].astype(np.int64)
    return b[:, 0] | b[:, 1] << 8 | b[:, 2] << 16 | b[:, 3] << 24


class _NotPolygons(Exception):
    """The batch holds something other than well-formed 2-D (Multi)Polygon WKB."""


def _rings(
    data: np.ndarray, polygons: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Walk the polygons whose WKB starts at ``polygons``.

    Returns the offsets of each ring's first point, each ring's point count, and
    where each polygon ends.
    """
    if len(polygons) and (polygons.max() + 9 > len(data) or (data[polygons] != 1).any()):
        raise _NotPolygons
    if len(polygons) and (_u32(data, polygons + 1) != _POLYGON).any():
        raise _NotPolygons
    left = _u32(data, polygons + 5) if len(polygons) else polygons.copy()
    position = polygons + 9
    starts: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    while (active := np.flatnonzero(left > 0)).size:
        at = position[active]
        if at.max() + 4 > len(data):
            raise _NotPolygons
        n = _u32(data, at)
        starts.append(at + 4)
        counts.append(n)
        position[active] = at + 4 + 16 * n
        left[active] -= 1
    return starts, counts, position


def reproject_polygons(
    wkb: pa.Array, transform: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
) -> pa.Array | None:
    """Return ``wkb`` with every point passed through ``transform(x, y)``, or None.

    None when a value is null or not little-endian 2-D Polygon/MultiPolygon WKB.
    """
    if isinstance(wkb, pa.ChunkedArray):
        wkb = wkb.combine_chunks()
    if wkb.null_count or (
        not pa.types.is_binary(wkb.type) and not pa.types.is_large_binary(wkb.type)
    ):
        return None
    n = len(wkb)
    offset_type = np.int64 if pa.types.is_large_binary(wkb.type) else np.int32
    raw_offsets = np.frombuffer(wkb.buffers()[1], dtype=offset_type)
    offsets: npt.NDArray[np.int64] = raw_offsets[wkb.offset : wkb.offset + n + 1].astype(np.int64)
    data = np.frombuffer(wkb.buffers()[2] or b"", dtype=np.uint8)
    begin, end = offsets[:-1], offsets[1:]
    if n == 0 or (end - begin < 9).any() or (data[begin] != 1).any():
        return None
    types = _u32(data, begin + 1)
    multi = types == _MULTIPOLYGON
    if not (multi | (types == _POLYGON)).all():
        return None
    try:
        starts, counts, finish = _rings(data, begin[~multi])
        if (finish != end[~multi]).any():
            return None
        # A MultiPolygon's parts follow one another: walk them part by part.
        position = begin[multi] + 9
        parts_left = _u32(data, begin[multi] + 5) if multi.any() else position.copy()
        while (active := np.flatnonzero(parts_left > 0)).size:
            s, c, after = _rings(data, position[active])
            starts += s
            counts += c
            position[active] = after
            parts_left[active] -= 1
        if (position != end[multi]).any():
            return None
    except _NotPolygons:
        return None
    first = np.concatenate(starts) if starts else np.empty(0, np.int64)
    count = np.concatenate(counts) if counts else np.empty(0, np.int64)
    total = int(count.sum())
    if total == 0:
        return wkb
    # Each point's offset: its ring's first point plus 16 bytes per point before it in the ring.
    ring_of_point = np.repeat(np.arange(len(first)), count)
    before = np.repeat(np.cumsum(count) - count, count)
    point = first[ring_of_point] + 16 * (np.arange(total) - before)
    if point.max() + 16 > len(data):
        return None
    byte = point[:, None] + np.arange(16)
    xy = data[byte].view("<f8")  # (points, 2): x, y
    x, y = transform(np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]))
    out = data.copy()
    out[byte] = np.column_stack([x, y]).astype("<f8").view(np.uint8)
    return pa.Array.from_buffers(
        wkb.type, n, [None, pa.py_buffer(offsets.astype(offset_type)), pa.py_buffer(out)]
    )
