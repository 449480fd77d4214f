"""``gisrev analyze``: find what the register misses for one tax year."""

from __future__ import annotations

import click

from gisrev.cli._context import TAX_YEAR, CliContext


@click.command()
@click.option("--year", type=TAX_YEAR, required=True, help="Tax year, BE (2566) or CE (2023).")
@click.option("--quiet", is_flag=True, help="Print only the one-line total.")
@click.pass_obj
def analyze(obj: CliContext, year: int, quiet: bool) -> None:
    """Match the register to the map, compute the expected tax and write the year's findings.

    Running it again for the same year replaces that year's findings.
    """
    obj.writing_lgu()  # before connecting: no run is written without a municipality
    from gisrev.analyze import run_analysis

    report = run_analysis(obj.engine(), year=year, settings=obj.settings)
    if quiet:
        click.echo(f"{report.n_findings} findings, revenue gap {report.total_gap:,.2f} baht")
    else:
        click.echo(report.summary())
