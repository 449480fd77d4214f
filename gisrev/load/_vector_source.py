"""Opening an OGR vector source: its files, its layer, its text encoding and its CRS.

:func:`open_source` does everything that can fail before a load touches the database:
a shapefile missing its index or attribute table, a layer to choose, attributes in
cp874 that the .cpg calls UTF-8, no CRS, a mapping that names no column for a
required field. Each becomes one line that says what to do.
"""

from __future__ import annotations

import dataclasses
import os
import zipfile
from pathlib import Path

import pyogrio
from pyproj import CRS, Transformer

from gisrev.errors import InputError, MappingError
from gisrev.load._attributes import REQUIRED, decodes
from gisrev.load._dbf import DbfColumns
from gisrev.load.mapping import ColumnMapping, resolve_columns

_THAI = range(0x0E00, 0x0E80)
_CP874_NAMES = {"874", "CP874", "WINDOWS-874", "TIS-620", "TIS620", "ISO-8859-11"}


@dataclasses.dataclass(frozen=True)
class VectorSource:
    """A layer ready to read: where, how to decode it, and what its columns mean.

    Attributes
    ----------
    path
        The source as given.
    layer
        The layer to read (None: the source's only one).
    encoding
        The attribute encoding to read with (given, declared or detected), or None.
    crs
        The source CRS (declared with ``--crs``, else the source's own).
    columns
        Source column -> canonical field.
    features
        The feature count, when the driver knows it.
    dbf
        The shapefile's DBF, read column-wise, or None to leave the attributes to GDAL.
    """

    path: str
    layer: str | int | None
    encoding: str | None
    crs: CRS
    columns: dict[str, str]
    features: int | None
    dbf: DbfColumns | None


def open_source(
    source: str,
    *,
    kind: str,
    layer: str | None,
    crs: int | str | None,
    encoding: str | None,
    mapping: ColumnMapping | None,
) -> VectorSource:
    """Check a source and settle how to read it (nothing is read but its header).

    Raises
    ------
    InputError
        When the source is not a readable vector source, its layer is ambiguous or
        missing, it has no CRS and none was declared, or a shapefile lacks a part.
    MappingError
        When the mapping names a column the source lacks, or no column gives a
        required field.
    """
    _check_sidecars(source)
    chosen_layer = _open_layer(source, layer)
    encoding = encoding or detect_encoding(source)
    try:
        info = pyogrio.read_info(source, layer=chosen_layer, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = f"{source}: cannot read layer ({exc})"
        raise InputError(msg) from exc
    src_crs = _source_crs(source, crs, info["crs"])
    headers = [str(f) for f in info["fields"]]
    columns = resolve_columns(kind, headers, mapping=mapping, source=source)
    for field in REQUIRED[kind]:
        if field not in columns.values():
            msg = (
                f"{source}: no column for {field} (its columns: {', '.join(headers) or 'none'}); "
                f'name it in the mapping file: [{kind}.columns] {field} = "COLUMN"'
            )
            raise MappingError(msg)
    return VectorSource(
        path=source,
        layer=chosen_layer,
        encoding=encoding,
        crs=src_crs,
        columns=columns,
        features=info["features"] if info["features"] >= 0 else None,
        # A shapefile's attributes are read straight from its DBF, unless GDAL must (_dbf.py).
        dbf=DbfColumns.open(source, encoding=encoding, info=info) if headers else None,
    )


def detect_encoding(path: str | os.PathLike[str]) -> str | None:
    """Guess a shapefile's text encoding: its ``.cpg`` file, checked against its DBF bytes.

    A DBF whose bytes are not UTF-8 but decode as cp874 into Thai text is cp874
    (Windows Thai; TIS-620 is its subset), whether the ``.cpg`` is missing or wrong
    (exports often declare UTF-8 for TIS-620 text). Other sources return None and
    are read as their driver declares.

    Parameters
    ----------
    path
        A ``.shp`` file or a ``.zip`` holding one.

    Returns
    -------
    str or None
        An encoding name GDAL understands (``"CP874"``, ``"UTF-8"``, ...), or None.
    """
    cpg, dbf = _shapefile_sidecars(Path(path))
    declared = None
    if cpg is not None:
        declared = cpg.decode("ascii", "ignore").strip() or None
        if declared and declared.upper().replace("_", "-") in _CP874_NAMES:
            declared = "CP874"
    body = b""
    if dbf is not None:
        header_len = int.from_bytes(dbf[8:10], "little") if len(dbf) >= 10 else len(dbf)
        body = dbf[header_len:]
    if body.isascii():  # ASCII reads the same in any encoding
        return declared
    if declared is not None and decodes(body, declared):
        return declared
    if decodes(body, "utf-8"):
        return "UTF-8"
    text = body.decode("cp874", errors="replace")
    if "\ufffd" not in text and any(ord(ch) in _THAI for ch in text):
        return "CP874"
    return declared


def _shapefile_sidecars(p: Path, limit: int = 4 << 20) -> tuple[bytes | None, bytes | None]:
    """Return the bytes of a shapefile's .cpg and the first ``limit`` bytes of its .dbf."""
    if p.suffix.lower() == ".zip" and p.is_file():
        with zipfile.ZipFile(p) as zf:
            names = {n.lower(): n for n in zf.namelist()}
            cpg = next((n for k, n in names.items() if k.endswith(".cpg")), None)
            dbf = next((n for k, n in names.items() if k.endswith(".dbf")), None)
            cpg_bytes = zf.read(cpg) if cpg else None
            dbf_bytes = zf.open(dbf).read(limit) if dbf else None
            return cpg_bytes, dbf_bytes
    if p.suffix.lower() != ".shp":
        return None, None
    cpg_bytes = dbf_bytes = None
    for sibling in p.parent.glob(p.stem + ".*"):
        if sibling.suffix.lower() == ".cpg":
            cpg_bytes = sibling.read_bytes()
        elif sibling.suffix.lower() == ".dbf":
            with sibling.open("rb") as fh:
                dbf_bytes = fh.read(limit)
    return cpg_bytes, dbf_bytes


def _source_crs(path: str, crs: int | str | None, declared: str | None) -> CRS:
    if crs is not None:
        try:
            return CRS.from_user_input(int(crs) if str(crs).isdigit() else crs)
        except Exception as exc:  # pyproj raises CRSError; any bad input is the user's
            msg = f"--crs {crs}: not a CRS PROJ knows; expected an EPSG code such as 24047 or 32647"
            raise InputError(msg) from exc
    if not declared:
        msg = (
            f"{path}: the source has no CRS (no .prj?); declare it with --crs EPSG, "
            "e.g. --crs 24047 (Indian 1975 / UTM 47N) or --crs 32647 (WGS 84 / UTM 47N)"
        )
        raise InputError(msg)
    return CRS.from_user_input(declared)


def crs_label(crs: CRS) -> str:
    """Return ``EPSG:n`` for a CRS with an EPSG code, else its name."""
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def transformer(src: CRS, srid: int) -> Transformer | None:
    """Return the transformer from the source CRS to the working one (None: the same CRS)."""
    dst = CRS.from_epsg(srid)
    if src.equals(dst, ignore_axis_order=True):
        return None
    # PROJ's default choice (the best available operation for the area), never a
    # hand-written towgs84; the operation actually used is recorded in load_runs.
    return Transformer.from_crs(src, dst, always_xy=True)


def _check_sidecars(source: str) -> None:
    """Name a shapefile's missing .shx (index) or .dbf (attributes) instead of GDAL's message."""
    p = Path(source)
    if p.suffix.lower() != ".shp" or not p.is_file():
        return
    present = {f.suffix.lower() for f in p.parent.glob(p.stem + ".*")}
    missing = [ext for ext in (".shx", ".dbf") if ext not in present]
    if missing:
        what = {".shx": "index", ".dbf": "attribute table"}
        parts = " and ".join(f"{p.stem}{ext} ({what[ext]})" for ext in missing)
        msg = (
            f"{source}: the shapefile's {parts} {'is' if len(missing) == 1 else 'are'} missing; "
            "copy every file of the export (.shp, .shx, .dbf, .prj, .cpg) into one folder, "
            "or load the .zip"
        )
        raise InputError(msg)


def _open_layer(path: str, layer: str | None) -> str | int | None:
    try:
        layers = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as exc:
        msg = (
            f"{path}: not a vector source GDAL can read ({exc}); "
            "expected a Shapefile, GeoPackage, GeoJSON, FlatGeobuf, ..."
        )
        raise InputError(msg) from exc
    names = [str(name) for name, _ in layers]
    if layer is not None:
        if layer not in names:
            msg = f"{path}: no layer {layer!r}; the layers are {', '.join(names)}"
            raise InputError(msg)
        return layer
    if len(names) > 1:
        msg = f"{path}: has {len(names)} layers ({', '.join(names)}); choose one with --layer"
        raise InputError(msg)
    return None
