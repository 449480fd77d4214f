"""Loading parcels, buildings and appraisal zones from any OGR vector source.

Features stream in Arrow batches (pyogrio; a shapefile's DBF read column-wise,
``_dbf.py``), are reprojected, repaired and normalised with vectorised shapely,
numpy and Arrow (``_features.py``), and are written with binary COPY, all inside
one transaction: a load that fails writes nothing. The source is opened and checked
first (``_vector_source.py``); where the layer lands is checked last
(``_placement.py``). This module drives the load.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pyogrio.raw import open_arrow
from sqlalchemy.engine import Connection, Engine

from gisrev.config import Settings
from gisrev.db.copy import ColumnValues, copy_columns, deferred_indexes
from gisrev.db.municipalities import save_municipality
from gisrev.db.schema import Tables, open_tables
from gisrev.errors import InputError
from gisrev.load._attributes import VECTOR_KINDS
from gisrev.load._features import Batcher, Decoder
from gisrev.load._placement import far_from_other_layers, plausibility
from gisrev.load._vector_source import VectorSource, crs_label, open_source, transformer
from gisrev.load.mapping import ColumnMapping, read_mapping
from gisrev.load.report import LoadReport, LoadRun, content_hash, load_run

#: Features per Arrow batch: small enough that reading one batch, preparing the one
#: before and the server's COPY of the one before that overlap (bench/load.py).
BATCH_SIZE = 20_000
_DEFER_INDEXES_FROM = 20_000  # features; below this, updating indexes in place is as quick

ProgressFactory = Callable[[int | None], Any]
#: One batch's COPY columns (names, values; none when nothing in it loads) and its size.
_BatchColumns = tuple[list[str], list[ColumnValues], int]


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
        Gives ``lgu_code`` (its municipality's names and thresholds are recorded too);
        the working CRS is read from the database.
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
    source = _existing_source(path, kind)
    parsed = read_mapping(mapping) if isinstance(mapping, str | os.PathLike) else mapping
    src = open_source(source, kind=kind, layer=layer, crs=crs, encoding=encoding, mapping=parsed)
    options = {
        "layer": layer,
        "crs": None if crs is None else str(crs),
        "encoding": src.encoding,
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
        batcher = Batcher(
            kind=kind,
            source=source,
            encoding=src.encoding,
            columns=src.columns,
            mapping=parsed,
            transformer=transformer(src.crs, t.srid),
            srid=t.srid,
            lgu_code=settings.require_lgu_code(),
            run_id=0,  # set once the run is recorded, before any row is written
        )
        with _layer_columns(src, batcher, batch_size=batch_size) as batches:
            # One layer load at a time: a bulk load holds its table (it drops the
            # indexes) and then reads the other layers, so two at once could each
            # wait for the other. The second waits for the first to commit.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('gisrev.load_vector'))"))
            # After the lock: a changed row stays locked till commit.
            save_municipality(conn, settings)
            with load_run(
                conn,
                t,
                kind=kind,
                lgu_code=settings.require_lgu_code(),
                source=source,
                layer=layer,
                options=options,
                nothing_loaded=functools.partial(_nothing_loaded, kind),
                strict=strict,
                source_hash="",  # set below once the hashing thread is done
                started=started,
            ) as run:
                batcher.run_id = run.run_id
                _copy_layer(
                    conn,
                    getattr(t, kind),
                    batches,
                    lgu_code=settings.require_lgu_code(),
                    features=src.features,
                    progress=progress,
                )
                _record(run, batcher, src, warnings=_placement(conn, t, kind, src, batcher))
                run.source_hash = hashing.result() if hashing is not None else None
    return run.report


def _existing_source(path: str | os.PathLike[str], kind: str) -> str:
    """Return the source's path as text; refuse an unknown kind or a missing file."""
    if kind not in VECTOR_KINDS:
        msg = (
            f"cannot load {kind!r} from a vector source; expected one of {', '.join(VECTOR_KINDS)}"
        )
        raise InputError(msg)
    source = os.fspath(path)
    if not source.startswith("/vsi") and not Path(source).exists():
        msg = f"{source}: file not found"
        raise InputError(msg)
    return source


@contextlib.contextmanager
def _layer_columns(
    src: VectorSource, batcher: Batcher, *, batch_size: int
) -> Iterator[Iterator[_BatchColumns]]:
    """Open the layer and start decoding; the context gives each batch's COPY columns, in order.

    Worker threads decode the first batches while the database is prepared, and then
    batch k+1 and k+2 while this thread finishes batch k and the server copies batch k-1.
    """
    try:
        with open_arrow(
            src.path,
            layer=src.layer,
            encoding=src.encoding,
            columns=None if src.dbf is None else [],
            return_fids=True,
            use_pyarrow=True,
            batch_size=batch_size,
        ) as (meta, reader):
            geom_column = meta["geometry_name"] or "wkb_geometry"
            fid_column = meta["fid_column"] or "OGC_FID"
            decoder = Decoder(reader, functools.partial(batcher.decode, geom_column=geom_column))
            with contextlib.closing(decoder):
                yield _columns(
                    decoder, batcher, src, fid_column=fid_column, geom_column=geom_column
                )
    except UnicodeDecodeError as exc:
        msg = (
            f"{src.path}: attribute text is not {src.encoding or 'in the declared encoding'} "
            f"({exc.reason}); declare the encoding with --encoding, e.g. --encoding cp874"
        )
        raise InputError(msg) from exc


def _columns(
    decoder: Decoder, batcher: Batcher, src: VectorSource, *, fid_column: str, geom_column: str
) -> Iterator[_BatchColumns]:
    """Turn each decoded batch into COPY columns, in order, on this thread."""
    for batch, shapes in decoder:
        if src.dbf is not None:  # GDAL read the shapes; the DBF, column-wise
            batch = src.dbf.attach(batch, fid_column=fid_column)
        names, values = batcher.columns_of(
            batch, shapes, fid_column=fid_column, geom_column=geom_column
        )
        yield names, values, batch.num_rows


def _copy_layer(
    conn: Connection,
    table: sa.Table,
    batches: Iterator[_BatchColumns],
    *,
    lgu_code: str,
    features: int | None,
    progress: ProgressFactory | None,
) -> None:
    """Replace the municipality's layer with the batches' features, in one COPY."""
    # When the table holds nothing else, TRUNCATE (instant, and undone by a rollback like
    # everything else) and build the indexes once at the end instead of row by row.
    alone = not conn.execute(
        sa.select(sa.exists().where(table.c.lgu_code != lgu_code))
    ).scalar()
    bulk = alone and (features is None or features >= _DEFER_INDEXES_FROM)
    bar = progress(features) if progress is not None else None
    try:
        indexes = deferred_indexes(conn, table) if bulk else contextlib.nullcontext()
        with indexes, contextlib.ExitStack() as copying:
            # Emptied once its indexes are dropped: TRUNCATE rebuilds them, empty.
            if not (alone and _truncate(conn, table)):
                conn.execute(table.delete().where(table.c.lgu_code == lgu_code))
            write: Callable[[list[ColumnValues]], int] | None = None
            for names, values, n_rows in batches:
                if names:
                    if write is None:  # one COPY for the whole load, opened lazily
                        write = copying.enter_context(copy_columns(conn, table, names))
                    write(values)
                if bar is not None:
                    bar.update(n_rows)
    finally:
        if bar is not None:
            bar.close()


def _truncate(conn: Connection, table: sa.Table) -> bool:
    """TRUNCATE in a savepoint; False when not allowed (another table's foreign key points here)."""
    try:
        with conn.begin_nested():
            conn.execute(sa.text(f"TRUNCATE {conn.dialect.identifier_preparer.quote(table.name)}"))
    except sa.exc.DBAPIError:
        return False
    return True


def _placement(
    conn: Connection, t: Tables, kind: str, src: VectorSource, batcher: Batcher
) -> list[str]:
    """Warn when the layer's coordinates look wrong for its CRS or lie far from the others."""
    geometry = batcher.geometry
    warnings = plausibility(src.crs, geometry.source_bounds, src.path)
    lgu_code = batcher.lgu_code
    return warnings + far_from_other_layers(conn, t, kind, lgu_code, geometry.bounds, src.path)


def _record(run: LoadRun, batcher: Batcher, src: VectorSource, *, warnings: list[str]) -> None:
    """Put the layer's counts, figures, warnings and rejects on the run."""
    run.n_read = batcher.n_read
    run.n_loaded = batcher.n_loaded
    run.n_repaired = batcher.geometry.n_repaired
    run.source_crs = crs_label(src.crs)
    run.operation = batcher.geometry.operation
    run.warnings += [*warnings, *batcher.attributes.warnings()]
    run.rejects += batcher.rejects


def _nothing_loaded(kind: str, run: LoadRun) -> str:
    """Return the one line for a layer with no loadable feature (the old layer is kept)."""
    # Replacing a layer with nothing is never what was meant: keep the old one.
    msg = f"{run.source}: no feature could be loaded ({run.n_read} read"
    if run.rejects:
        msg += f"; first problem: {run.rejects[0].describe(Path(run.source).name)}"
    return msg + f"); the {kind} already loaded were kept"
