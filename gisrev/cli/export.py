"""``gisrev export``: findings as files for the office and QGIS, and the LTAX keying sheet."""

from __future__ import annotations

from pathlib import Path

import click

from gisrev.cli._context import TAX_YEAR, CliContext
from gisrev.cli.export_keying import keying


@click.group()
def export() -> None:
    """Write analysis results to files."""


@export.command("findings")
@click.option("--year", type=TAX_YEAR, required=True, help="Tax year, BE (2566) or CE (2023).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .csv (UTF-8 with BOM), .xlsx or .gpkg (styled for QGIS).")
@click.pass_obj
def findings(obj: CliContext, year: int, out: Path) -> None:
    """Export the year's findings in survey order."""
    from gisrev.outputs.export import export_findings

    n = export_findings(obj.engine(), out, year=year, lgu_code=obj.reading_lgu(year))
    click.echo(f"{n:,} findings written to {out}")


export.add_command(keying)
