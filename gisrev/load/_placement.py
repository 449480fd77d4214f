"""Where a layer lies: warnings for coordinates that cannot be in the CRS declared.

A shapefile whose .prj is missing or wrong loads without error but lands in the sea
or in another zone; these checks say so while the load can still be repeated with
``--crs``. They warn, never refuse: the coordinates may be right after all.
"""

from __future__ import annotations

import math

import numpy as np
import sqlalchemy as sa
from pyproj import CRS, Transformer

from gisrev.db.schema import Tables
from gisrev.load._attributes import VECTOR_KINDS
from gisrev.load._vector_source import crs_label

_FAR_M = 10_000.0  # a layer further than this from the others is probably in the wrong CRS


def plausibility(crs: CRS, bounds: np.ndarray, source: str) -> list[str]:
    """Warn when coordinates cannot belong to the declared CRS."""
    if not np.isfinite(bounds).all():
        return []
    label = crs_label(crs)
    xmin, ymin, xmax, ymax = bounds
    looks_like_degrees = -180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90
    if crs.is_projected and looks_like_degrees:
        return [
            f"{source}: coordinates ({xmin:.4f}, {ymin:.4f})–({xmax:.4f}, {ymax:.4f}) look like "
            f"degrees, but the source declares {label} ({crs.name}); if they are "
            "longitude/latitude, load again with --crs 4326"
        ]
    if crs.is_geographic and not looks_like_degrees:
        return [
            f"{source}: coordinates up to ({xmax:.0f}, {ymax:.0f}) cannot be degrees, but the "
            f"source declares {label} ({crs.name}); declare the projected CRS with --crs, "
            "e.g. --crs 24047"
        ]
    area = crs.area_of_use
    if area is None:
        return []
    try:
        # The CRS's own longitude/latitude: no datum change to search for (~20 ms), and
        # a datum shifts coordinates by far less than the margin below.
        to_lonlat = Transformer.from_crs(
            crs, crs.geodetic_crs or CRS.from_epsg(4326), always_xy=True
        )
        lon, lat = to_lonlat.transform([xmin, xmax, xmin, xmax], [ymin, ymin, ymax, ymax])
    except Exception:  # outside the projection's domain: certainly implausible
        lon, lat = [math.inf], [math.inf]
    margin = 1.0  # degrees; UTM data a little outside its zone is normal
    inside = all(area.west - margin <= x <= area.east + margin for x in lon) and all(
        area.south - margin <= y <= area.north + margin for y in lat
    )
    if inside:
        return []
    return [
        f"{source}: coordinates fall outside the area where {label} ({crs.name}) is used "
        f"({area.name}); check the CRS or declare the right one with --crs"
    ]


def far_from_other_layers(
    conn: sa.Connection, t: Tables, kind: str, lgu_code: str, bounds: np.ndarray, source: str
) -> list[str]:
    """Warn when the new layer lies far from the layers of this municipality already loaded."""
    if not np.isfinite(bounds).all():
        return []
    quote = conn.dialect.identifier_preparer.quote
    union = " UNION ALL ".join(
        f"SELECT geom FROM {quote(getattr(t, k).name)} WHERE lgu_code = :lgu"
        for k in VECTOR_KINDS
        if k != kind
    )
    distance = conn.execute(
        sa.text(
            f"SELECT ST_Distance(ST_SetSRID(ST_Extent(geom)::geometry, :srid), "
            f"ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, :srid)) FROM ({union}) AS other"
        ),
        {
            "lgu": lgu_code,
            "srid": t.srid,
            "xmin": float(bounds[0]),
            "ymin": float(bounds[1]),
            "xmax": float(bounds[2]),
            "ymax": float(bounds[3]),
        },
    ).scalar()
    if distance is None or distance <= _FAR_M:
        return []
    return [
        f"{source}: the {kind} lie {distance / 1000:,.1f} km from the other layers already loaded "
        f"for {lgu_code}; check the CRS (--crs) before analysing"
    ]
