"""``gisrev map``: survey maps, work packages and worklists for one tax year."""

from __future__ import annotations

import click

from gisrev.cli._context import TAX_YEAR, CliContext


@click.command("map")
@click.option("--year", type=TAX_YEAR, required=True, help="Tax year, BE (2566) or CE (2023).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder to write index.html, overview.html, packages/ and desk_list.xlsx into.",
)
@click.option(
    "--packages",
    type=click.IntRange(min=1),
    metavar="N",
    help="About N parcels per work package (default 40).",
)
@click.option("--by", type=click.Choice(["zone"]), help="One work package per appraisal zone.")
@click.option("--show-owner", is_flag=True, help="Show owner names (never owner ID numbers).")
@click.option(
    "--tiles",
    metavar="URL|PATH",
    help="Local background: URL template {z}/{x}/{y}, a z/x/y folder or an .mbtiles file.",
)
@click.pass_obj
def map_command(
    obj: CliContext,
    year: int,
    out_dir: str,
    packages: int | None,
    by: str | None,
    show_owner: bool,
    tiles: str | None,
) -> None:
    """Write offline survey maps, work packages of field stops, worklists and the desk list.

    Work packages hold what needs a visit (unregistered parcels, undeclared buildings, and
    other findings worth at least the municipality's field_min_gap); arrears, duplicate
    accounts, register rows not on the map, smaller gaps and parcels a survey resolved go to
    desk_list.xlsx. Stops are visited biggest gap first, weighed against the walk.
    """
    from gisrev.outputs.maps import make_maps

    report = make_maps(
        obj.engine(),
        out_dir,
        year=year,
        lgu_code=obj.reading_lgu(year),
        packages=packages,
        by=by,
        show_owner=show_owner,
        tiles=tiles,
    )
    click.echo(
        f"{report.n_drawn} parcels drawn, {report.n_orphans} register rows not on the map, "
        f"{len(report.packages)} work packages ({report.n_field} field stops), "
        f"{report.n_desk} findings on the desk list (desk_list.xlsx); "
        f"overview {report.overview_bytes / 1e6:.1f} MB; open {report.index}"
    )
