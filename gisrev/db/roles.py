"""Database roles: a read-only role for maps, exports and reports (docs/security.md).

The statements are built with psycopg's :mod:`psycopg.sql`, which quotes names as
identifiers and the password as a literal: nothing is formatted in by hand, so a role
name such as ``x"; DROP TABLE parcels;--`` names a role and runs nothing.
"""

from __future__ import annotations

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import Connection

from gisrev.db.copy import psycopg_connection
from gisrev.errors import DatabaseError, InputError

#: Columns a read-only role may not see: identity numbers stay with the tax office.
HIDDEN_COLUMNS = {"register": ("owner_id",)}


def readonly_role_sql(conn: Connection, name: str, *, password: str | None) -> list[str]:
    """Return the statements that create (or refresh) a read-only role, as SQL text.

    The role may connect, read every table and view of the schema (also those
    created later by the current user) except :data:`HIDDEN_COLUMNS`, and write
    nothing. Printed, they are what a database administrator runs; see also
    :func:`create_readonly_role`.

    Parameters
    ----------
    conn
        The database (its name, tables and the existing roles are read).
    name
        The role to create; an existing role is altered and granted again.
    password
        Its login password; None creates a role without one (peer or cert login, or
        setting it in psql afterwards).

    Raises
    ------
    InputError
        When ``name`` is empty, longer than PostgreSQL's 63 bytes or holds control characters.
    """
    pg = psycopg_connection(conn)
    return [statement.as_string(pg) for statement in _statements(conn, name, password=password)]


def create_readonly_role(conn: Connection, name: str, *, password: str | None) -> None:
    """Create or refresh the read-only role of :func:`readonly_role_sql`, in ``conn``'s transaction.

    Raises
    ------
    DatabaseError
        When the current role may not create roles.
    """
    pg = psycopg_connection(conn)
    try:
        for statement in _statements(conn, name, password=password):
            pg.execute(statement)
    except psycopg.errors.InsufficientPrivilege as exc:
        msg = f"cannot create role {name!r}: {exc}; run this as a role with CREATEROLE"
        raise DatabaseError(msg) from exc


def quoted_role(conn: Connection, name: str) -> str:
    """Return ``name`` quoted as a role identifier (for a psql command to print)."""
    return sql.Identifier(name).as_string(psycopg_connection(conn))


def _statements(conn: Connection, name: str, *, password: str | None) -> list[sql.Composed]:
    if not name or len(name.encode()) > 63 or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        msg = f"role name {name!r}: expected 1 to 63 bytes without control characters"
        raise InputError(msg)
    database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
    exists = conn.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}
    ).first() is not None
    role = sql.Identifier(name)
    login: sql.Composable = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
    if password is not None:
        login = sql.SQL("{} PASSWORD {}").format(login, sql.Literal(password))
    verb = sql.SQL("ALTER ROLE" if exists else "CREATE ROLE")
    statements: list[sql.Composed] = [
        sql.SQL("{} {} {}").format(verb, role, login),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), role),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(role),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(
            role
        ),
        sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role),
    ]
    for table, columns in _visible_columns(conn).items():
        if not columns:
            continue
        statements += [
            sql.SQL("REVOKE SELECT ON {} FROM {}").format(sql.Identifier(table), role),
            sql.SQL("GRANT SELECT ({}) ON {} TO {}").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table), role
            ),
        ]
    return statements


def _visible_columns(conn: Connection) -> dict[str, list[str]]:
    """Return, for each table with hidden columns, the columns a read-only role may read."""
    query = sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = :t AND column_name <> ALL(:hidden) ORDER BY ordinal_position"
    )
    return {
        table: list(conn.execute(query, {"t": table, "hidden": list(hidden)}).scalars())
        for table, hidden in HIDDEN_COLUMNS.items()
    }
