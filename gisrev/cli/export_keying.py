"""``gisrev export keying``: the sheet officers retype into LTAX (registered in ``export``)."""

from __future__ import annotations

from pathlib import Path

import click

from gisrev.cli._context import CliContext
from gisrev.errors import InputError


@click.command("keying")
@click.option("--year", required=True, help="Tax year of the findings, BE or CE.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .xlsx to write.")
@click.pass_obj
def keying(obj: CliContext, year: str, out: Path) -> None:
    """Write the keying sheet: parcels surveyors confirmed, in LTAX's entry order (XLSX)."""
    from gisrev.load.normalise import BE_OFFSET
    from gisrev.outputs._years import tax_year
    from gisrev.outputs.keying import write_keying_sheet

    if out.suffix.lower() != ".xlsx":
        msg = f"{out}: the keying sheet is written as .xlsx; pass --out FILE.xlsx"
        raise InputError(msg)
    ce_year = tax_year(year)
    n = write_keying_sheet(obj.engine(), out, year=ce_year, settings=obj.settings)
    click.echo(
        f"Wrote {n:,} confirmed parcel(s) for tax year {ce_year + BE_OFFSET} to {out} "
        "(no owner ID numbers)."
    )
