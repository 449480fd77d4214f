"""``gisrev db``: create or upgrade the schema."""

from __future__ import annotations

import click

from gisrev.cli._context import CliContext
from gisrev.db import SCHEMA_VERSION, init_db
from gisrev.db.schema import database_srid


@click.group()
def db() -> None:
    """Manage the PostGIS schema."""


@db.command("init")
@click.option("--srid", type=int, help="Working CRS for new databases (default from gisrev.toml, 32647).")
@click.pass_obj
def init(obj: CliContext, srid: int | None) -> None:
    """Create or upgrade the schema; safe to repeat."""
    engine = obj.engine()
    srid = srid or database_srid(engine) or obj.settings.working_srid
    init_db(engine, srid=srid)
    click.echo(f"schema version {SCHEMA_VERSION}, working CRS EPSG:{srid}")
