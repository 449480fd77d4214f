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
    help="Folder to write index.html, overview.html and packages/ into.",
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
    """Write offline survey maps, work packages and worklists."""
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
        f"{len(report.packages)} work packages; overview {report.overview_bytes / 1e6:.1f} MB; "
        f"open {report.index}"
    )
