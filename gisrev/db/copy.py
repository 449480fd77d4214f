"""Bulk writes with PostgreSQL's binary COPY (psycopg 3), inside the caller's transaction.

Row-by-row INSERT (and ``GeoDataFrame.to_postgis``) spends most of its time on
round trips and text parsing; binary COPY streams typed values, and geometry
travels as EWKB, which PostGIS reads without parsing text. See ``bench/load.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa
from geoalchemy2 import Geometry
from psycopg import sql
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection

from gisrev.errors import DatabaseError

BATCH_SIZE = 50_000

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
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
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
    """Drop ``table``'s indexes and unique constraints, and rebuild them on the way out.

    Building an index once after a bulk COPY is several times faster than updating it
    row by row (a GiST index most of all). Use it inside the load's transaction, and
    only when the table holds little besides what is being loaded: the DDL locks the
    table until commit, and a rollback restores the indexes with everything else.
    The indexes are rebuilt from the schema's own definitions, so their names stay.
    """
    # More sort memory for the rebuilds, for this transaction only.
    conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
    uniques = [c for c in table.constraints if isinstance(c, sa.UniqueConstraint) and c.name]
    indexes = [i for i in table.indexes if i.name]
    for index in indexes:
        conn.execute(sa.schema.DropIndex(index, if_exists=True))
    for constraint in uniques:
        conn.execute(sa.schema.DropConstraint(constraint, if_exists=True))
    yield
    for constraint in uniques:
        conn.execute(sa.schema.AddConstraint(constraint))
    for index in indexes:
        conn.execute(sa.schema.CreateIndex(index))
