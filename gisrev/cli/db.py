"""``gisrev db``: create or upgrade the schema, and make a read-only role."""

from __future__ import annotations

import click

from gisrev.cli._context import CliContext
from gisrev.db import SCHEMA_VERSION, init_db, save_municipality
from gisrev.db.schema import database_srid


@click.group()
def db() -> None:
    """Manage the PostGIS schema."""


@db.command("init")
@click.option("--srid", type=int,
              help="Working CRS for new databases (default from gisrev.toml, 32647).")
@click.pass_obj
def init(obj: CliContext, srid: int | None) -> None:
    """Create or upgrade the schema; safe to repeat.

    With a municipality (--lgu, GISREV_LGU or gisrev.toml), its names and thresholds are
    recorded too; without one, only the schema is made.
    """
    engine = obj.engine()
    srid = srid or database_srid(engine) or obj.settings.working_srid
    lgu_code = obj.settings.lgu_code
    with engine.begin() as conn:
        init_db(conn, srid=srid)
        if lgu_code is not None:  # gisrev.toml's municipality: names and thresholds
            save_municipality(conn, obj.settings)
    recorded = f"; municipality {lgu_code} recorded" if lgu_code is not None else (
        "; no municipality recorded (give one with --lgu CODE, GISREV_LGU or gisrev.toml)"
    )
    click.echo(f"schema version {SCHEMA_VERSION}, working CRS EPSG:{srid}{recorded}")


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
    from gisrev.db.roles import create_readonly_role, quoted_role, readonly_role_sql

    if password is None and not print_only:
        password = click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    with obj.engine().begin() as conn:
        if print_only:
            for statement in readonly_role_sql(conn, name, password=None):
                click.echo(f"{statement};")
            click.echo(f"-- then set its password in psql: \\password {quoted_role(conn, name)}")
            return
        create_readonly_role(conn, name, password=password)
    click.echo(f"role {name} can read this database (but not register.owner_id) and write "
               f"nothing; connect with postgresql://{name}:PASSWORD@HOST/DBNAME")
