"""Tiny input files for the load tests, built on the fly in tmp_path."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import shapely
from pyproj import Transformer

# A point in Chiang Mai old town (WGS 84) and its UTM 47N neighbourhood.
CHIANG_MAI_LONLAT = (98.9853, 18.7883)


def utm_square(x: float, y: float, size: float = 20.0) -> shapely.Polygon:
    """A square parcel with its south-west corner at (x, y)."""
    return shapely.box(x, y, x + size, y + size)


def chiang_mai_xy(epsg: int, *, dx: float = 0.0, dy: float = 0.0) -> tuple[float, float]:
    """Chiang Mai's point in ``epsg`` (pyproj), shifted by dx, dy metres."""
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(*CHIANG_MAI_LONLAT)
    return x + dx, y + dy


def write_vector(
    path: Path,
    records: Sequence[dict[str, Any]],
    geometries: Sequence[shapely.Geometry | None],
    *,
    crs: int,
    encoding: str | None = None,
    keep_cpg: bool = True,
    keep_prj: bool = True,
) -> Path:
    """Write features to any OGR format chosen by the suffix of ``path``.

    ``keep_cpg=False`` / ``keep_prj=False`` delete a shapefile's .cpg / .prj, as
    real exports often lack them.
    """
    frame = gpd.GeoDataFrame(list(records), geometry=list(geometries), crs=crs)
    kwargs = {"encoding": encoding} if encoding else {}
    pyogrio.write_dataframe(frame, path, **kwargs)
    if not keep_cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    if not keep_prj:
        path.with_suffix(".prj").unlink()
    return path


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8"
) -> Path:
    """Write a register CSV in ``encoding`` (``utf-8-sig`` adds a BOM)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str = "ทะเบียน",
    before: Sequence[str] = (),
) -> Path:
    """Write a register workbook; ``before`` adds empty sheets in front of it."""
    import openpyxl

    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    for i, name in enumerate([*before, sheet]):
        ws = first if i == 0 else wb.create_sheet()
        ws.title = name
    ws = wb[sheet]
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path
