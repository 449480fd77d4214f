"""``gisrev db``: create or upgrade the schema."""

from __future__ import annotations

import click
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import Engine

from gisrev.cli._context import CliContext
from gisrev.db import SCHEMA_VERSION, init_db
from gisrev.db.schema import database_srid
from gisrev.errors import DatabaseError, InputError


@click.group()
def db() -> None:
    """Manage the PostGIS schema."""


@db.command("init")
@click.option("--srid", type=int,
              help="Working CRS for new databases (default from gisrev.toml, 32647).")
@click.pass_obj
def init(obj: CliContext, srid: int | None) -> None:
    """Create or upgrade the schema; safe to repeat."""
    engine = obj.engine()
    srid = srid or database_srid(engine) or obj.settings.working_srid
    init_db(engine, srid=srid)
    click.echo(f"schema version {SCHEMA_VERSION}, working CRS EPSG:{srid}")


#: Register columns a read-only role may not see: identity numbers stay with the tax office.
_HIDDEN_COLUMNS = {"register": ("owner_id",)}


def readonly_role_sql(engine: Engine, name: str, *, password: str | None) -> list[sql.Composed]:
    """Return the statements that create (or refresh) a read-only role for maps and exports.

    The role may connect, read every table and view of the schema (also those
    created later by the current user) except ``register.owner_id``, and write
    nothing. Names are quoted as identifiers and the password as a literal by
    psycopg, never formatted in by hand.

    Parameters
    ----------
    engine
        The database (its name, tables and the existing roles are read).
    name
        The role to create; an existing role is altered and granted again.
    password
        Its login password; None creates a role without one (peer or cert login).

    Returns
    -------
    list of psycopg.sql.Composed

    Raises
    ------
    InputError
        When ``name`` is empty, longer than PostgreSQL's 63 bytes or holds control characters.
    """
    if not name or len(name.encode()) > 63 or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        msg = f"role name {name!r}: expected 1 to 63 bytes without control characters"
        raise InputError(msg)
    with engine.connect() as conn:
        database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
        exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                              {"n": name}).first() is not None
        hidden_tables = {t: [c for (c,) in conn.execute(sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = :t AND column_name <> ALL(:hidden) ORDER BY ordinal_position"),
            {"t": t, "hidden": list(cols)})] for t, cols in _HIDDEN_COLUMNS.items()}
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
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}")
        .format(role),
        sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role),
    ]
    for table, columns in hidden_tables.items():
        if not columns:
            continue
        statements += [
            sql.SQL("REVOKE SELECT ON {} FROM {}").format(sql.Identifier(table), role),
            sql.SQL("GRANT SELECT ({}) ON {} TO {}").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table), role),
        ]
    return statements


@db.command("readonly-role")
@click.argument("name")
@click.option("--password", envvar="GISREV_READONLY_PASSWORD",
              help="Login password (default: GISREV_READONLY_PASSWORD, else asked for).")
@click.option("--print", "print_only", is_flag=True,
              help="Print the SQL for a database administrator instead of running it.")
@click.pass_obj
def readonly_role(obj: CliContext, name: str, password: str | None, print_only: bool) -> None:
    """Create a role that can make maps, exports and reports but write nothing.

    It reads every table and view except the owners' ID numbers
    (register.owner_id); see docs/security.md. Run it again after `db init`
    upgrades the schema. Needs a role allowed to CREATE ROLE.
    """
    import psycopg

    from gisrev.db.copy import psycopg_connection

    if password is None and not print_only:
        password = click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    engine = obj.engine()
    statements = readonly_role_sql(engine, name, password=None if print_only else password)
    with engine.begin() as conn:
        pg = psycopg_connection(conn)
        if print_only:
            for statement in statements:
                click.echo(f"{statement.as_string(pg)};")
            quoted = sql.Identifier(name).as_string(pg)
            click.echo(f"-- then set its password in psql: \\password {quoted}")
            return
        try:
            for statement in statements:
                pg.execute(statement)
        except psycopg.errors.InsufficientPrivilege as exc:
            msg = f"cannot create role {name!r}: {exc}; run this as a role with CREATEROLE"
            raise DatabaseError(msg) from exc
    click.echo(f"role {name} can read this database (but not register.owner_id) and write "
               f"nothing; connect with postgresql://{name}:PASSWORD@HOST/DBNAME")
