"""``gisrev export keying``: the sheet officers retype into LTAX (registered in ``export``)."""

from __future__ import annotations

from pathlib import Path

import click

from gisrev.cli._context import TAX_YEAR, CliContext
from gisrev.errors import InputError
from gisrev.years import be


@click.command("keying")
@click.option("--year", type=TAX_YEAR, required=True, help="Tax year of the findings, BE or CE.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .xlsx to write.")
@click.pass_obj
def keying(obj: CliContext, year: int, out: Path) -> None:
    """Write the keying sheet: parcels surveyors confirmed, in LTAX's entry order (XLSX)."""
    from gisrev.outputs.keying import write_keying_sheet

    if out.suffix.lower() != ".xlsx":
        msg = f"{out}: the keying sheet is written as .xlsx; pass --out FILE.xlsx"
        raise InputError(msg)
    n = write_keying_sheet(obj.engine(), out, year=year, lgu_code=obj.reading_lgu(year))
    click.echo(
        f"Wrote {n:,} confirmed parcel(s) for tax year {be(year)} to {out} "
        "(no owner ID numbers)."
    )
