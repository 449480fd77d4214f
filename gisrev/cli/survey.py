"""``gisrev survey``: forms for the field, and importing what surveyors found."""

from __future__ import annotations

from pathlib import Path

import click

from gisrev.cli._context import TAX_YEAR, CliContext

_SHOWN_REJECTS = 5


@click.group()
def survey() -> None:
    """Survey forms out, survey results in."""


@survey.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Import nothing if any row is bad.")
@click.pass_obj
def import_command(obj: CliContext, path: Path, strict: bool) -> None:
    """Import a filled-in survey form (CSV, XLSX, GeoPackage or GeoJSON).

    Visits are kept as history; importing the same file again changes nothing.
    Bad rows go to the reject report with their reasons.
    """
    lgu_code = obj.writing_lgu()
    from gisrev.survey import import_survey

    rep = import_survey(obj.engine(), path, lgu_code=lgu_code, strict=strict)
    click.echo(
        f"Imported {rep.n_loaded:,} new visit(s) from {path.name} in {rep.duration_s:.1f} s "
        f"(read {rep.n_read:,} rows: {rep.n_already:,} already imported, {rep.n_blank:,} not "
        f"filled in, {rep.n_rejected:,} rejected; load run {rep.run_id})."
    )
    if rep.rejects:
        for reject in rep.rejects[:_SHOWN_REJECTS]:
            click.echo(f"  rejected: {reject}")
        if len(rep.rejects) > _SHOWN_REJECTS:
            click.echo(f"  ... and {len(rep.rejects) - _SHOWN_REJECTS:,} more problem(s)")
        click.echo(f"  All rejects: SELECT * FROM rejects WHERE run_id = {rep.run_id};")


@survey.command("form")
@click.option("--year", type=TAX_YEAR, required=True, help="Tax year of the findings, BE or CE.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the forms.")
@click.option("--maps", "maps_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="The folder `gisrev map` wrote: one form per worklist in it.")
@click.pass_obj
def form_command(obj: CliContext, year: int, out: Path, maps_dir: Path | None) -> None:
    """Write survey forms: CSV and XLSX templates, a QField GeoPackage and an ODK XLSForm.

    With --maps, one set per work package `gisrev map` wrote; otherwise one set
    listing the year's field stops (desk work left out) in priority order.
    """
    from gisrev.survey import write_survey_forms

    forms = write_survey_forms(obj.engine(), out, year=year, lgu_code=obj.reading_lgu(year),
                               maps_dir=maps_dir)
    n = sum(f.n_parcels for f in forms)
    click.echo(f"Wrote {len(forms)} survey form(s) for {n:,} parcel(s) to {out}:")
    for f in forms:
        click.echo(f"  {f.name}: {f.n_parcels} parcel(s) — {f.csv.name}, {f.xlsx.name}, "
                   f"{f.gpkg.name} (QField), {f.xlsform.name} (ODK)")
