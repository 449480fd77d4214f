"""Loading parcels, buildings and appraisal zones from any OGR vector source.

Features stream in Arrow batches (pyogrio; a shapefile's DBF read column-wise,
``_dbf.py``), are reprojected, repaired and normalised with vectorised shapely,
numpy and Arrow (``_features.py``), and are written with binary COPY, all inside
one transaction: a load that fails writes nothing. This module opens the source,
works out its encoding and CRS, checks that the coordinates are plausible, and
drives the load.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import math
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import sqlalchemy as sa
from pyogrio.raw import open_arrow
from pyproj import CRS, Transformer
from sqlalchemy.engine import Engine

from gisrev.config import Settings
from gisrev.db.copy import ColumnValues, copy_columns, deferred_indexes
from gisrev.db.schema import Tables, open_tables
from gisrev.errors import InputError, MappingError
from gisrev.load._dbf import DbfColumns
from gisrev.load._features import CATEGORIES, REQUIRED, Batcher, Decoder, decodes
from gisrev.load._personal import masked_warning, withheld_warning
from gisrev.load.mapping import ColumnMapping, read_mapping, resolve_columns
from gisrev.load.report import LoadReport, content_hash, finish_run, start_run

VECTOR_KINDS = ("parcels", "buildings", "zones")

#: Features per Arrow batch: small enough that reading one batch, preparing the one
#: before and the server's COPY of the one before that overlap (bench/load.py).
BATCH_SIZE = 20_000
_DEFER_INDEXES_FROM = 20_000  # features; below this, updating indexes in place is as quick
_FAR_M = 10_000.0  # a layer further than this from the others is probably in the wrong CRS
_THAI = range(0x0E00, 0x0E80)
_CP874_NAMES = {"874", "CP874", "WINDOWS-874", "TIS-620", "TIS620", "ISO-8859-11"}

ProgressFactory = Callable[[int | None], Any]


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


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _plausibility(crs: CRS, bounds: np.ndarray, source: str) -> list[str]:
    """Warn when coordinates cannot belong to the declared CRS."""
    if not np.isfinite(bounds).all():
        return []
    label = _crs_label(crs)
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


def _far_from_other_layers(
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


def _transformer(src: CRS, srid: int) -> Transformer | None:
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


def _truncate(conn: sa.Connection, table: sa.Table) -> bool:
    """TRUNCATE in a savepoint; False when not allowed (another table's foreign key points here)."""
    try:
        with conn.begin_nested():
            conn.execute(sa.text(f"TRUNCATE {conn.dialect.identifier_preparer.quote(table.name)}"))
    except sa.exc.DBAPIError:
        return False
    return True


def load_vector(
    engine: Engine,
    path: str | os.PathLike[str],
    /,
    *,
    kind: str,
    settings: Settings,
    layer: str | None = None,
    crs: int | str | None = None,
    encoding: str | None = None,
    mapping: str | os.PathLike[str] | ColumnMapping | None = None,
    strict: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: ProgressFactory | None = None,
) -> LoadReport:
    """Load parcels, buildings or zones from an OGR source, replacing the municipality's layer.

    Parameters
    ----------
    engine
        The database (schema initialised).
    path
        Shapefile (or a .zip of one), GeoPackage, GeoJSON, FlatGeobuf, ...
    kind
        ``"parcels"``, ``"buildings"`` or ``"zones"``.
    settings
        Gives ``lgu_code``; the working CRS is read from the database.
    layer
        The layer of a multi-layer source.
    crs
        Declare the source CRS (EPSG code or any PROJ string) when it is missing or wrong.
    encoding
        Text encoding of the attributes; by default a shapefile's .cpg, else detected.
    mapping
        A mapping file (path or parsed) naming the source columns of canonical fields.
    strict
        Fail the whole load, writing nothing, if any feature is rejected.
    batch_size
        Features per Arrow batch (all batches go into one COPY).
    progress
        Called with the feature count (or None), returning an object with ``update(n)``
        and ``close()`` (e.g. ``tqdm``); the CLI passes one only on a terminal.

    Returns
    -------
    LoadReport

    Raises
    ------
    InputError
        When the source cannot be read, has no CRS and none was declared, or (with
        ``strict``) when any feature is rejected.
    MappingError
        When the mapping names a column the source lacks.
    """
    started = time.perf_counter()
    if kind not in VECTOR_KINDS:
        msg = (
            f"cannot load {kind!r} from a vector source; expected one of {', '.join(VECTOR_KINDS)}"
        )
        raise InputError(msg)
    source = os.fspath(path)
    if not source.startswith("/vsi") and not Path(source).exists():
        msg = f"{source}: file not found"
        raise InputError(msg)
    parsed = read_mapping(mapping) if isinstance(mapping, str | os.PathLike) else mapping
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
    columns = resolve_columns(kind, headers, mapping=parsed, source=source)
    for field in REQUIRED[kind]:
        if field not in columns.values():
            msg = (
                f"{source}: no column for {field} (its columns: {', '.join(headers) or 'none'}); "
                f'name it in the mapping file: [{kind}.columns] {field} = "COLUMN"'
            )
            raise MappingError(msg)
    features = info["features"] if info["features"] >= 0 else None
    # A shapefile's attributes are read straight from its DBF, unless GDAL must (_dbf.py).
    dbf = DbfColumns.open(source, encoding=encoding, info=info) if headers else None
    options = {
        "layer": layer,
        "crs": None if crs is None else str(crs),
        "encoding": encoding,
        "mapping": None if parsed is None or parsed.path is None else str(parsed.path),
        "strict": strict,
    }

    with (
        concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool,
        engine.begin() as conn,
    ):
        # Hash the source's bytes in a thread (hashlib releases the GIL) while it loads.
        hashing = pool.submit(content_hash, source) if Path(source).exists() else None
        t = open_tables(conn)
        transformer = _transformer(src_crs, t.srid)
        table = getattr(t, kind)
        batcher = Batcher(
            kind=kind,
            source=source,
            encoding=encoding,
            columns=columns,
            mapping=parsed,
            transformer=transformer,
            srid=t.srid,
            lgu_code=settings.lgu_code,
            run_id=0,  # set once the run is recorded, before any row is written
        )
        bar = None
        try:
            with open_arrow(
                source,
                layer=chosen_layer,
                encoding=encoding,
                columns=None if dbf is None else [],
                return_fids=True,
                use_pyarrow=True,
                batch_size=batch_size,
            ) as (meta, reader):
                geom_column = meta["geometry_name"] or "wkb_geometry"
                fid_column = meta["fid_column"] or "OGC_FID"
                # Worker threads decode the first batches while the database is prepared,
                # and then batch k+1 and k+2 while this thread finishes batch k and the
                # server copies batch k-1.
                decoder = Decoder(
                    reader, functools.partial(batcher.decode, geom_column=geom_column)
                )
                with contextlib.closing(decoder):
                    # One layer load at a time: a bulk load holds its table (it drops the
                    # indexes) and then reads the other layers, so two at once could each
                    # wait for the other. The second waits for the first to commit.
                    conn.execute(
                        sa.text("SELECT pg_advisory_xact_lock(hashtext('gisrev.load_vector'))")
                    )
                    batcher.run_id = start_run(
                        conn,
                        t,
                        lgu_code=settings.lgu_code,
                        kind=kind,
                        source=source,
                        layer=layer,
                        source_hash="",  # filled in by finish_run once the hashing thread is done
                        options=options,
                    )
                    # Replace this municipality's layer. When the table holds nothing else,
                    # TRUNCATE (instant, and undone by a rollback like everything else) and
                    # build the indexes once at the end instead of row by row.
                    alone = not conn.execute(
                        sa.select(sa.exists().where(table.c.lgu_code != settings.lgu_code))
                    ).scalar()
                    bulk = alone and (features is None or features >= _DEFER_INDEXES_FROM)
                    bar = progress(features) if progress is not None else None
                    indexes = deferred_indexes(conn, table) if bulk else contextlib.nullcontext()
                    with indexes, contextlib.ExitStack() as copying:
                        # Emptied once its indexes are dropped: TRUNCATE rebuilds them, empty.
                        if not (alone and _truncate(conn, table)):
                            conn.execute(
                                table.delete().where(table.c.lgu_code == settings.lgu_code)
                            )
                        write: Callable[[list[ColumnValues]], int] | None = None
                        for batch, shapes in decoder:
                            if dbf is not None:  # GDAL read the shapes; the DBF, column-wise
                                batch = dbf.attach(batch, fid_column=fid_column)
                            names, values = batcher.columns_of(
                                batch, shapes, fid_column=fid_column, geom_column=geom_column
                            )
                            if names:
                                if write is None:  # one COPY for the whole load, opened lazily
                                    write = copying.enter_context(copy_columns(conn, table, names))
                                write(values)
                            if bar is not None:
                                bar.update(batch.num_rows)
        except UnicodeDecodeError as exc:
            msg = (
                f"{source}: attribute text is not {encoding or 'in the declared encoding'} "
                f"({exc.reason}); declare the encoding with --encoding, e.g. --encoding cp874"
            )
            raise InputError(msg) from exc
        finally:
            if bar is not None:
                bar.close()
        run_id = batcher.run_id

        warnings = _plausibility(src_crs, batcher.source_bounds, source)
        warnings += _far_from_other_layers(conn, t, kind, settings.lgu_code, batcher.bounds, source)
        for field, counts in batcher.unknown_values.items():
            shown = ", ".join(
                f"{v!r} ({c})" for v, c in sorted(counts.items(), key=lambda kv: -kv[1])[:5]
            )
            warnings.append(
                f"{source}: {field} values not in {', '.join(CATEGORIES[(kind, field)])} were "
                f"stored as empty: {shown}; map them in [{kind}.values.{field}] of the mapping file"
            )
        warnings += [withheld_warning(source, c, k) for c, k in batcher.ids_withheld.items()]
        warnings += [masked_warning(source, c, k) for c, k in batcher.ids_masked.items()]
        if strict and batcher.rejects:
            first = batcher.rejects[0].describe(source)
            msg = f"{first} ({len(batcher.rejects)} rejected in all; --strict: nothing was loaded)"
            raise InputError(msg)
        if batcher.n_loaded == 0:
            # Replacing a layer with nothing is never what was meant: keep the old one.
            msg = f"{source}: no feature could be loaded ({batcher.n_read} read"
            if batcher.rejects:
                msg += f"; first problem: {batcher.rejects[0].describe(Path(source).name)}"
            msg += f"); the {kind} already loaded were kept"
            raise InputError(msg)
        report = LoadReport(
            run_id=run_id,
            kind=kind,
            source=source,
            n_read=batcher.n_read,
            n_loaded=batcher.n_loaded,
            n_repaired=batcher.n_repaired,
            n_rejected=len(batcher.rejects),
            duration_s=time.perf_counter() - started,
            source_crs=_crs_label(src_crs),
            operation=batcher.operation,
            warnings=tuple(warnings),
            rejects=tuple(batcher.rejects),
        )
        finish_run(
            conn,
            t,
            report,
            lgu_code=settings.lgu_code,
            rejects=batcher.rejects,
            source_hash=hashing.result() if hashing is not None else None,
        )
    return report
