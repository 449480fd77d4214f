"""Bulk writes with PostgreSQL's binary COPY (psycopg 3), inside the caller's transaction.

Row-by-row INSERT (and ``GeoDataFrame.to_postgis``) spends most of its time on
round trips and text parsing; binary COPY streams typed values, and geometry
travels as EWKB, which PostGIS reads without parsing text. See ``bench/load.py``.
"""

from __future__ import annotations

import collections
import datetime as dt
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeAlias

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from geoalchemy2 import Geometry
from psycopg import sql
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection

from gisrev.errors import DatabaseError

# SQLAlchemy column type -> the Postgres type COPY is told about.
_COPY_TYPES: tuple[tuple[type, str], ...] = (
    (Geometry, "bytea"),  # EWKB bytes; geometry's binary input reads (E)WKB
    (JSONB, "jsonb"),
    (sa.BigInteger, "int8"),
    (sa.Integer, "int4"),
    (sa.Float, "float8"),
    (sa.Date, "date"),
    (sa.DateTime, "timestamptz"),
    (sa.Text, "text"),
)


# The binary COPY stream: signature, flags, header extension length; ends with -1 (int16).
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_TRAILER = struct.pack("!h", -1)
_IN_FLIGHT = 2  # batches handed to the sender thread and not yet taken by the server
_FIXED = {"int4": ">i4", "int8": ">i8", "float8": ">f8", "date": ">i4"}  # network byte order
# Binary date is int32 days since 2000-01-01; Arrow date32 counts from 1970-01-01.
_PG_DATE_SHIFT = (dt.date(2000, 1, 1) - dt.date(1970, 1, 1)).days

#: A column's values for :func:`copy_columns`: an Arrow array, or one value for every row.
ColumnValues: TypeAlias = pa.Array | pa.ChunkedArray | str | int | float | bytes | None


class _JsonTextBinaryDumper(Dumper):
    """Send an already serialised JSON string as binary jsonb (version byte 1)."""

    format = Format.BINARY

    def dump(self, obj: Any) -> bytes:
        return b"\x01" + (obj.encode() if isinstance(obj, str) else bytes(obj))


def psycopg_connection(conn: Connection) -> psycopg.Connection[Any]:
    """Return the psycopg 3 connection under a SQLAlchemy connection (same transaction)."""
    driver = conn.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        msg = (
            f"bulk loading needs the psycopg 3 driver, got {type(driver).__module__}; "
            "use a postgresql:// or postgresql+psycopg:// database URL"
        )
        raise DatabaseError(msg)
    return driver


def _copy_type(column: sa.Column[Any]) -> str:
    if isinstance(column.type, ARRAY):
        msg = f"COPY of array column {column.name!r} is not supported"
        raise TypeError(msg)
    for sa_type, pg_type in _COPY_TYPES:
        if isinstance(column.type, sa_type):
            return pg_type
    msg = f"no COPY type for column {column.name!r} of type {column.type!r}"
    raise TypeError(msg)


def _copy_statement(table: sa.Table, columns: Sequence[str]) -> sql.Composed:
    """Return ``COPY table (columns) FROM STDIN (FORMAT BINARY)``, identifiers quoted."""
    return sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )


def copy_rows(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Write rows into ``table`` with one binary COPY, in the connection's transaction.

    Parameters
    ----------
    conn
        A SQLAlchemy connection on psycopg 3, usually inside ``engine.begin()``.
    table
        The target table (from :func:`gisrev.db.schema.tables`).
    columns
        The columns each row gives values for, in order; the others get their defaults.
    rows
        Sequences of Python values. Geometry columns take EWKB ``bytes`` carrying the
        table's SRID; JSONB columns take JSON text (``str``); ``None`` is NULL.

    Returns
    -------
    int
        The number of rows written.
    """
    pg = psycopg_connection(conn)
    types = [_copy_type(table.c[name]) for name in columns]
    statement = _copy_statement(table, columns)
    n = 0
    with pg.cursor() as cur:
        if "jsonb" in types:
            jsonb_oid = pg.adapters.types["jsonb"].oid
            dumper = type("JsonbTextDumper", (_JsonTextBinaryDumper,), {"oid": jsonb_oid})
            cur.adapters.register_dumper(None, dumper)
        with cur.copy(statement) as copy:
            copy.set_types(types)
            write_row = copy.write_row
            for row in rows:
                write_row(row)
                n += 1
    return n


@contextmanager
def deferred_indexes(conn: Connection, table: sa.Table) -> Iterator[None]:
    """Drop ``table``'s indexes and keys, and rebuild them on the way out.

    Building an index once after a bulk COPY is several times faster than updating it
    row by row (a GiST index most of all). Use it inside the load's transaction, and
    only when the table holds little besides what is being loaded: the DDL locks the
    table until commit, and a rollback restores everything. Indexes and unique
    constraints are rebuilt from the schema's own definitions, the primary key from the
    catalogue's, so their names stay; a primary key another table's foreign key refers
    to stays in place (dropping it would lock that table too).
    """
    # More sort memory for the rebuilds, for this transaction only.
    conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    uniques = [c for c in table.constraints if isinstance(c, sa.UniqueConstraint) and c.name]
    indexes = [i for i in table.indexes if i.name]
    primary = conn.execute(
        sa.text(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint AS c "
            "WHERE c.conrelid = CAST(:table AS regclass) AND c.contype = 'p' AND NOT EXISTS "
            "(SELECT FROM pg_constraint AS r WHERE r.contype = 'f' AND r.confrelid = c.conrelid)"
        ),
        {"table": name},
    ).all()
    for index in indexes:
        conn.execute(sa.schema.DropIndex(index, if_exists=True))
    for constraint in uniques:
        conn.execute(sa.schema.DropConstraint(constraint, if_exists=True))
    # (exec_driver_sql: the catalogue's text goes to the server as it is, no bind markers)
    for conname, _ in primary:
        conn.exec_driver_sql(f"ALTER TABLE {name} DROP CONSTRAINT {quote(conname)}")
    yield
    for conname, definition in primary:
        conn.exec_driver_sql(f"ALTER TABLE {name} ADD CONSTRAINT {quote(conname)} {definition}")
    for constraint in uniques:
        conn.execute(sa.schema.AddConstraint(constraint))
    for index in indexes:
        conn.execute(sa.schema.CreateIndex(index))


@contextmanager
def copy_columns(
    conn: Connection, table: sa.Table, columns: Sequence[str]
) -> Iterator[Callable[[Sequence[ColumnValues]], int]]:
    """Open one binary COPY into ``table`` and yield a function that sends a batch of columns.

    The binary COPY stream is assembled column-wise by Arrow's C kernels (no Python
    per row) and handed to a sender thread, so the server ingests one batch while the
    caller prepares the next; at most two batches wait, so memory stays bounded.
    Everything is written in the connection's transaction when the block ends.

    Parameters
    ----------
    conn
        A SQLAlchemy connection on psycopg 3, usually inside ``engine.begin()``.
    table
        The target table (from :func:`gisrev.db.schema.tables`).
    columns
        The columns each batch gives values for, in order; the others get their defaults.

    Yields
    ------
    callable
        ``write(values) -> int`` taking one entry per column: an Arrow array (nulls are
        NULL) or a single Python value repeated on every row. Text columns take string
        arrays, geometry columns EWKB binary arrays carrying the table's SRID, JSONB
        columns JSON text, numeric columns numeric arrays, date columns date32 arrays
        (or one ``datetime.date``). Returns the rows sent.

    Examples
    --------
    >>> with copy_columns(conn, t.parcels, ["lgu_code", "parcel_code", ...]) as write:
    ...     write(["MH", pa.array(["A-1", "A-2"]), ...])  # doctest: +SKIP
    """
    pg = psycopg_connection(conn)
    types = [_copy_type(table.c[name]) for name in columns]
    for name, pg_type in zip(columns, types, strict=True):
        if pg_type not in {"text", "bytea", "jsonb", *_FIXED}:
            msg = f"copy_columns cannot send column {name!r} of type {pg_type}; use copy_rows"
            raise TypeError(msg)
    statement = _copy_statement(table, columns)
    field_count = pa.scalar(struct.pack("!h", len(columns)), pa.binary())

    def write(values: Sequence[ColumnValues]) -> int:
        if len(values) != len(columns):
            msg = f"expected {len(columns)} columns ({', '.join(columns)}), got {len(values)}"
            raise ValueError(msg)
        n = next((len(v) for v in values if isinstance(v, pa.Array | pa.ChunkedArray)), None)
        if n is None:
            msg = "copy_columns needs at least one Arrow array to know the number of rows"
            raise ValueError(msg)
        if n == 0:
            return 0
        parts: list[pa.Array | pa.Scalar] = [field_count]
        for name, pg_type, value in zip(columns, types, values, strict=True):
            parts.extend(_binary_field(value, pg_type, n, name))
        rows = pc.binary_join_element_wise(
            *parts, b"", null_handling="replace", null_replacement=b""
        )
        if isinstance(rows, pa.ChunkedArray):
            rows = rows.combine_chunks()
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
        start, end = int(offsets[rows.offset]), int(offsets[rows.offset + n])
        send(memoryview(rows.buffers()[2])[start:end])
        return n

    in_flight: collections.deque[Future[None]] = collections.deque()

    def send(data: bytes | memoryview) -> None:
        # At most _IN_FLIGHT batches wait for the server: memory stays bounded when it is slower.
        while len(in_flight) >= _IN_FLIGHT:
            in_flight.popleft().result()
        in_flight.append(sender.submit(copy.write, data))

    # The sender thread exits (its sends done) before the COPY ends, on success or error.
    with (
        pg.cursor() as cur,
        cur.copy(statement) as copy,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="gisrev-copy") as sender,
    ):
        send(_SIGNATURE)
        yield write
        send(_TRAILER)
        while in_flight:
            in_flight.popleft().result()


def _binary_field(value: ColumnValues, pg_type: str, n: int, name: str) -> list[Any]:
    """Return the parts of one column in binary COPY rows: length prefixes, then data."""
    if isinstance(value, pa.Array | pa.ChunkedArray):
        array = value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value
        if len(array) != n:
            msg = f"column {name!r} has {len(array)} values, expected {n}"
            raise ValueError(msg)
        return _binary_array(array, pg_type, n)
    if value is None:
        return [pa.scalar(struct.pack("!i", -1), pa.binary())]
    if pg_type == "date" and isinstance(value, dt.date):
        data = struct.pack("!i", (value - dt.date(2000, 1, 1)).days)
    elif pg_type in _FIXED:
        data = np.array([value]).astype(_FIXED[pg_type]).tobytes()
    elif isinstance(value, bytes):
        data = value
    else:
        data = str(value).encode()
    if pg_type == "jsonb":
        data = b"\x01" + data
    return [pa.scalar(struct.pack("!i", len(data)) + data, pa.binary())]


def _binary_array(array: pa.Array, pg_type: str, n: int) -> list[pa.Array]:
    nulls = array.is_null().to_numpy(zero_copy_only=False)
    if pg_type == "date":
        array = pc.subtract(array.cast(pa.int32()), _PG_DATE_SHIFT)
    if pg_type in _FIXED:
        numbers = array.fill_null(0).to_numpy(zero_copy_only=False)
        width = np.dtype(_FIXED[pg_type]).itemsize
        data = _fixed_binary(numbers.astype(_FIXED[pg_type]).view(np.uint8), width, n)
        lengths = np.where(nulls, -1, width)
        return [
            _fixed_binary(lengths.astype(">i4").view(np.uint8), 4, n),
            pc.if_else(nulls, None, data),
        ]
    if not pa.types.is_binary(array.type):  # text, large text or large binary
        array = array.cast(pa.binary())
    lengths = pc.binary_length(array).fill_null(-1).to_numpy(zero_copy_only=False)
    if pg_type == "jsonb":  # binary jsonb is a version byte, then the JSON text
        lengths = np.where(nulls, -1, lengths + 1)
        array = pc.binary_join_element_wise(pa.scalar(b"\x01", pa.binary()), array, b"")
    return [_fixed_binary(lengths.astype(">i4").view(np.uint8), 4, n), array]


def _fixed_binary(data: np.ndarray, width: int, n: int) -> pa.Array:
    """View ``n`` packed values of ``width`` bytes as an Arrow binary array."""
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, pa.py_buffer(data)])
    return fixed.cast(pa.binary())
