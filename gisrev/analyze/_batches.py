"""Rows between PostGIS and pandas by COPY: a query out in batches, a frame into a table."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import Any, LiteralString

import pandas as pd
from psycopg import sql as pgsql
from sqlalchemy.engine import Connection

from gisrev.db.copy import psycopg_connection

BATCH_ROWS = 100_000


def stream(
    conn: Connection,
    query: LiteralString,
    columns: dict[str, str],
    *,
    params: dict[str, Any] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[pd.DataFrame]:
    """Yield a query's rows as DataFrames of at most ``batch_rows``, columns of the given dtypes.

    The rows leave PostgreSQL by COPY as CSV, spooled (to disk past 256 MB) and parsed by
    pandas in C (844k building rows: 1.5 s, against 2.3 s fetched as Python tuples).
    The whole result is read before the first batch is yielded, so the caller may use the
    connection between batches.
    """
    statement = pgsql.SQL("COPY ({}) TO STDOUT (FORMAT csv, NULL '\\N')").format(pgsql.SQL(query))
    with tempfile.SpooledTemporaryFile(max_size=256 << 20) as spool:
        with psycopg_connection(conn).cursor() as cur, cur.copy(statement, params) as copy:
            for block in copy:
                spool.write(block)
        spool.seek(0)
        yield from pd.read_csv(
            spool,
            names=list(columns),
            dtype=columns,
            na_values=["\\N"],
            keep_default_na=False,
            chunksize=batch_rows,
        )


def copy_in(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """COPY a frame into a (temporary) table, columns by name."""
    buf = io.StringIO()
    frame.to_csv(buf, sep="\t", header=False, index=False, na_rep="\\N")
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table), pgsql.SQL(", ").join(pgsql.Identifier(c) for c in frame.columns)
    )
    with psycopg_connection(conn).cursor() as cur, cur.copy(statement) as copy:
        copy.write(buf.getvalue())
