"""Connecting to PostGIS."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gisrev.errors import DatabaseError


def sqlalchemy_url(url: str) -> str:
    """Accept a libpq URL or a SQLAlchemy URL and return one for psycopg 3.

    Examples
    --------
    >>> sqlalchemy_url("postgresql://u:p@localhost/town")
    'postgresql+psycopg://u:p@localhost/town'
    >>> sqlalchemy_url("postgres://u@h/db")
    'postgresql+psycopg://u@h/db'
    """
    for prefix in ("postgresql+psycopg2://", "postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    msg = f"database URL {url!r} is not a PostgreSQL URL; expected postgresql://user:password@host:port/dbname"
    raise DatabaseError(msg)


def make_engine(url: str, *, check: bool = True) -> Engine:
    """Create an engine for ``url`` and, with ``check``, prove the server answers.

    A server that is down gives one line that says how to start it.
    """
    engine = sa.create_engine(sqlalchemy_url(url), pool_pre_ping=True, future=True)
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as exc:
            shown = engine.url.render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            msg = (
                f"cannot connect to the database at {shown} ({reason}); start it "
                "(for a local server: pg_ctlcluster 15 main start, or run scripts/setup.sh) "
                "or point --db / GISREV_DATABASE_URL at a running PostGIS"
            )
            raise DatabaseError(msg) from exc
    return engine


@contextmanager
def transaction(bind: Engine | Connection) -> Iterator[Connection]:
    """Yield a connection inside a transaction, from an Engine or a Connection.

    With an Engine a new transaction is begun and committed on success; with a
    Connection already in a transaction, a savepoint is used so the caller's
    transaction decides.
    """
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            yield conn
    elif bind.in_transaction():
        with bind.begin_nested():
            yield bind
    else:
        with bind.begin():
            yield bind
