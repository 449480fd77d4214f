"""``gisrev report``: the executive one-pager as HTML, PDF or XLSX."""

from __future__ import annotations

from pathlib import Path

import click

from gisrev.cli._context import TAX_YEAR, CliContext
from gisrev.years import be


@click.command()
@click.option("--year", type=TAX_YEAR, required=True, help="Tax year, BE (2566) or CE (2023).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .html, .pdf (printed by headless Chromium) or .xlsx (tables).")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="How many parcels the largest-gap table lists.")
@click.pass_obj
def report(obj: CliContext, year: int, out: Path, top: int) -> None:
    """Write the revenue-gap report for a tax year, in Thai and English.

    One page: totals, gap by finding, zone and use, the parcels with the largest
    gap, charts and a map of the appraisal zones.
    """
    from gisrev.db.session import connection
    from gisrev.outputs.report import write_report
    from gisrev.outputs.summary import summary

    lgu_code = obj.reading_lgu(year)
    with connection(obj.engine()) as conn:
        path = write_report(conn, out, year=year, lgu_code=lgu_code, top=top)
        totals = summary(conn, year, lgu_code=lgu_code, top=0).totals
    click.echo(
        f"Wrote {path} (tax year {be(year)}: {totals['findings']:,} findings, "
        f"revenue gap {totals['gap']:,.0f} baht)."
    )
