"""``gisrev sample``: generate a sample town with planted problems and their ground truth."""

from __future__ import annotations

from pathlib import Path

import click

from gisrev.sample import DEFAULT_LGU, DEFAULT_PARCELS, DEFAULT_SEED


@click.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the town into (created if needed).")
@click.option("--parcels", default=DEFAULT_PARCELS, show_default=True, type=click.IntRange(min=100),
              help="Number of parcels.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int,
              help="Random seed: the same seed gives the same files.")
@click.option("--format", "vector_format", default="shp", show_default=True,
              type=click.Choice(["shp", "gpkg", "fgb"]),
              help="Parcel layer format; gpkg or fgb for big towns.")
@click.option("--register-format", type=click.Choice(["xlsx", "csv"]),
              help="2566 register format (default: xlsx up to 100,000 parcels, else csv).")
@click.option("--lgu", "lgu_code", default=DEFAULT_LGU, show_default=True,
              help="Municipality code written to the town's gisrev.toml.")
@click.option("--clean", is_flag=True,
              help="Plant no problem: every register row agrees with the map.")
@click.option("--shapes", is_flag=True,
              help="Also write the 2566 register in other export shapes, each with the "
                   "findings it should give, under shapes/.")
def sample(out: Path, parcels: int, seed: int, vector_format: str, register_format: str | None,
           lgu_code: str, clean: bool, shapes: bool) -> None:
    """Generate a sample town near Chiang Mai: map, register, survey and ground truth."""
    from gisrev.sample import generate_town

    town = generate_town(out, parcels=parcels, seed=seed, lgu_code=lgu_code,
                         vector_format=vector_format,  # type: ignore[arg-type]
                         register_format=register_format,  # type: ignore[arg-type]
                         clean=clean, shapes=shapes)
    click.echo(
        f"Wrote {town.n_parcels:,} parcels, {town.n_buildings:,} buildings, {town.n_zones} zones "
        f"and registers 2566/2567 ({town.register_rows[2566]:,}/{town.register_rows[2567]:,} rows) "
        f"to {town.path} in {town.seconds:.1f} s."
    )
    for year, counts in town.findings.items():
        planted = ", ".join(f"{code} {n}" for code, n in counts.items())
        click.echo(f"Planted findings, tax year {year}: {planted}.")
    if town.shapes:
        click.echo(f"Wrote the 2566 register in {len(town.shapes)} shapes "
                   f"to {town.path / 'shapes'}.")
