"""Connecting to PostGIS."""

from __future__ import annotations

import uuid
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


def _on_server(server_url: str, sql: str, name: str) -> None:
    """Run ``CREATE``/``DROP DATABASE`` (which refuse a transaction) on the server."""
    admin = make_engine(server_url)
    try:
        quoted = admin.dialect.identifier_preparer.quote(name)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(sql.format(name=quoted)))
    finally:
        admin.dispose()


def create_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``server_url``; return its URL (libpq form)."""
    _on_server(server_url, "CREATE DATABASE {name}", name)
    url = sa.make_url(sqlalchemy_url(server_url)).set(database=name, drivername="postgresql")
    return url.render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` on the server of ``server_url``, closing its sessions."""
    _on_server(server_url, "DROP DATABASE IF EXISTS {name} WITH (FORCE)", name)


@contextmanager
def throwaway_database(server_url: str, *, prefix: str = "gisrev_tmp") -> Iterator[str]:
    """Yield the URL of a new, empty database that is dropped afterwards (tests, benchmarks).

    Examples
    --------
    >>> with throwaway_database("postgresql://gisrev:gisrev@localhost/gisrev") as url:
    ...     init_db(make_engine(url))  # doctest: +SKIP
    """
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)
