"""A layer's geometry, batch by batch: parse, check, reproject, repair and encode for COPY.

:meth:`LayerGeometry.decode` does the work for one batch and changes nothing shared,
so worker threads run it a few batches ahead (:class:`gisrev.load._features.Decoder`);
:meth:`LayerGeometry.apply` then takes each batch's outcome in order: the rejects, the
repairs, the extent and the PROJ operation used. Everything is vectorised shapely,
numpy and Arrow.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import Transformer

from gisrev.load._reproject import TOLERANCE_DEG, TOLERANCE_M, GridTransformer
from gisrev.load._wkb import reproject_polygons

# Little-endian EWKB MultiPolygon headers with the SRID flag; a Polygon also needs a count of 1.
_EWKB_HEADERS = {
    "polygon": struct.Struct("<BIII"),  # byte order, type | SRID flag, SRID, number of polygons
    "multi": struct.Struct("<BII"),  # byte order, type | SRID flag, SRID
}
_NO_BOUNDS = (np.inf, np.inf, -np.inf, -np.inf)


def _multipolygon_ewkb(geoms: np.ndarray, srid: int, *, wkb: pa.Array | None = None) -> pa.Array:
    """Return EWKB MultiPolygons carrying ``srid`` as an Arrow binary array.

    Polygons are wrapped by rewriting their WKB header, not rebuilt as geometries.
    ``wkb``, when given, is the geometries' little-endian 2-D WKB already.
    """
    if wkb is None:
        wkb = pa.array(shapely.to_wkb(geoms, byte_order=1, output_dimension=2), pa.binary())
    polygon = pa.scalar(_EWKB_HEADERS["polygon"].pack(1, 0x20000006, srid, 1), pa.binary())
    multi = pa.scalar(_EWKB_HEADERS["multi"].pack(1, 0x20000006, srid), pa.binary())
    is_polygon = shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON
    # A MultiPolygon's WKB after its 5-byte header (order, type) goes behind the EWKB header.
    head = pc.if_else(is_polygon, polygon, multi)
    if not is_polygon.all():  # (an explicit stop: pyarrow 26 fails without one)
        wkb = pc.if_else(is_polygon, wkb, pc.binary_slice(wkb, 5, np.iinfo(np.int32).max))
    return pc.binary_join_element_wise(head, wkb, b"")


def _operation(transformer: Transformer) -> str:
    try:
        return transformer.get_last_used_operation().description
    except Exception:  # nothing transformed yet, or PROJ < 9.1
        return transformer.description


def _union(bounds: np.ndarray, more: np.ndarray) -> np.ndarray:
    """Return the extent (xmin, ymin, xmax, ymax) covering both."""
    return np.array(
        [
            min(bounds[0], more[0]),
            min(bounds[1], more[1]),
            max(bounds[2], more[2]),
            max(bounds[3], more[3]),
        ]
    )


@dataclasses.dataclass
class Shapes:
    """One batch's geometry, decoded: what to reject, what was repaired, EWKB to send."""

    missing: np.ndarray
    unreadable: np.ndarray
    empty: np.ndarray
    bad_type: np.ndarray
    type_names: np.ndarray | None
    source_bounds: np.ndarray | None = None
    operation: str | None = None
    repaired: list[int] = dataclasses.field(default_factory=list)
    unrepairable: list[int] = dataclasses.field(default_factory=list)
    bounds: np.ndarray = dataclasses.field(default_factory=lambda: np.empty((0, 4)))
    ewkb: pa.Array = dataclasses.field(default_factory=lambda: pa.array([], pa.binary()))


class LayerGeometry:
    """The geometry of one layer load: decodes batches and keeps the layer's figures.

    Attributes
    ----------
    n_repaired
        Invalid polygons repaired so far.
    operation
        The PROJ operation that reprojected the layer (None when it was not reprojected).
    source_bounds
        The extent of the geometry read, in the source CRS.
    bounds
        The extent of the features loaded, in the working CRS.
    """

    def __init__(self, transformer: Transformer | None, *, srid: int) -> None:
        self.transformer = transformer
        self.reproject: GridTransformer | None = None
        if transformer is not None:
            target = transformer.target_crs
            geographic = target is not None and target.is_geographic
            tolerance = TOLERANCE_DEG if geographic else TOLERANCE_M
            self.reproject = GridTransformer(transformer, tolerance=tolerance)
        self.srid = srid
        self.n_repaired = 0
        self.operation: str | None = None
        self.source_bounds = np.array(_NO_BOUNDS)
        self.bounds = np.array(_NO_BOUNDS)

    def decode(self, batch: pa.RecordBatch, *, geom_column: str) -> Shapes:
        """Read, check, reproject and repair one batch's geometry, and encode it for COPY.

        Changes nothing on ``self`` (but the reprojector's counts), so it runs in the
        read-ahead thread while this one finishes the batch before (shapely, pyproj and
        Arrow release the GIL); :meth:`apply` takes the result in order.
        """
        column = batch.column(geom_column)
        moved, extent = self._reproject_wkb(column)
        wkb = (column if moved is None else moved).to_numpy(zero_copy_only=False)
        shapes, geoms, usable = _classify(wkb)
        if moved is not None and extent:
            shapes.source_bounds = np.array(extent)
        elif moved is None and usable.any():
            shapes.source_bounds = shapely.total_bounds(geoms[usable])
        transformed = moved is not None
        if not transformed and self.reproject is not None and usable.any():
            # The batch's coordinate arrays at once (x and y, no interleaving copy), PROJ
            # interpolated on a grid checked against PROJ to a millimetre (_reproject.py).
            geoms[usable] = shapely.transform(geoms[usable], self.reproject, interleaved=False)
            transformed = True
        if transformed and self.operation is None and self.transformer is not None:
            # The operation PROJ actually used (known only once it has transformed).
            shapes.operation = _operation(self.transformer)
        invalid = np.flatnonzero(usable & ~shapely.is_valid(geoms))
        if len(invalid):
            _repair(geoms, invalid, shapes)
        shapes.bounds = shapely.bounds(geoms)
        as_read = moved is not None and not (shapes.repaired or shapes.unrepairable)
        shapes.ewkb = _multipolygon_ewkb(geoms, self.srid, wkb=moved if as_read else None)
        return shapes

    def _reproject_wkb(self, column: pa.Array) -> tuple[pa.Array | None, list[float]]:
        """Reproject polygon WKB in its bytes (_wkb.py), noting the source's extent.

        Returns None for what it cannot do that way (then shapely reprojects).
        """
        extent: list[float] = []
        if (reproject := self.reproject) is None:
            return None, extent

        def transform(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            extent.extend([x.min(), y.min(), x.max(), y.max()])
            return reproject(x, y)

        return reproject_polygons(column, transform), extent

    def apply(self, shapes: Shapes, reject: Callable[..., None]) -> None:
        """Reject what :meth:`decode` found unusable, in order, and count what it repaired."""
        reject(shapes.missing, "geometry", None, "null geometry; expected a polygon")
        reject(shapes.unreadable, "geometry", None, "unreadable geometry (bad WKB)")
        reject(shapes.empty, "geometry", None, "empty geometry; expected a polygon")
        reject(shapes.bad_type, "geometry", shapes.type_names, "expected a Polygon or MultiPolygon")
        for i in shapes.unrepairable:
            reject(i, "geometry", None, "invalid polygon with no area left after repair")
        self.n_repaired += len(shapes.repaired)
        if shapes.source_bounds is not None:
            self.source_bounds = _union(self.source_bounds, shapes.source_bounds)
        if self.operation is None:
            self.operation = shapes.operation

    def loaded(self, shapes: Shapes, keep: np.ndarray) -> None:
        """Widen the loaded extent by the batch's features at ``keep`` (indices)."""
        b = shapes.bounds[keep]
        more = np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
        self.bounds = _union(self.bounds, more)


def _classify(wkb: np.ndarray) -> tuple[Shapes, np.ndarray, np.ndarray]:
    """Parse WKB and sort out the unusable: return the Shapes, the geometries and the usable."""
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    missing = pd.isna(wkb)
    types = shapely.get_type_id(geoms)
    empty = shapely.is_empty(geoms) & (types >= 0)
    polygonal = (types == shapely.GeometryType.POLYGON) | (
        types == shapely.GeometryType.MULTIPOLYGON
    )
    bad_type = ~polygonal & (types >= 0) & ~empty
    shapes = Shapes(
        missing=missing,
        unreadable=~missing & (types < 0),
        empty=empty,
        bad_type=bad_type,
        type_names=(
            np.array([g.geom_type if g is not None else "" for g in geoms], dtype=object)
            if bad_type.any()
            else None
        ),
    )
    usable = polygonal & ~empty
    geoms = np.where(usable, geoms, None)
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
    return shapes, geoms, usable


def _repair(geoms: np.ndarray, invalid: np.ndarray, shapes: Shapes) -> None:
    """Repair the invalid geometries in place, keeping the polygonal parts of make_valid's."""
    parts, owner = shapely.get_parts(shapely.make_valid(geoms[invalid]), return_index=True)
    part_types = shapely.get_type_id(parts)
    polygonal_part = (
        (part_types == shapely.GeometryType.POLYGON)
        | (part_types == shapely.GeometryType.MULTIPOLYGON)
    ) & ~shapely.is_empty(parts)
    for j, i in enumerate(invalid):
        polygons = parts[(owner == j) & polygonal_part]
        if len(polygons):
            geoms[i] = shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]
            shapes.repaired.append(int(i))
        else:
            geoms[i] = None
            shapes.unrepairable.append(int(i))
