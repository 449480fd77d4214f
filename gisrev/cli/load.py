"""``gisrev load``: parcels, buildings, zones and the tax register into PostGIS."""

from __future__ import annotations

import sys
from typing import Any

import click

from gisrev.cli._context import TAX_YEAR, CliContext
from gisrev.load.report import LoadReport


@click.group()
def load() -> None:
    """Load the parcel map, buildings, zones or the tax register (one transaction each)."""


def _progress(total: int | None) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit=" features", unit_scale=True, file=sys.stderr, leave=False)


def _show(report: LoadReport) -> None:
    for warning in report.warnings:
        click.echo(f"gisrev: warning: {warning}", err=True)
    click.echo(report.summary())


def _vector_command(kind: str) -> click.Command:
    @click.command(
        kind,
        help=f"Load {kind} from an OGR vector source (Shapefile, .zip, GPKG, GeoJSON, FlatGeobuf).",
    )
    @click.argument("path", type=click.Path(exists=True, dir_okay=True))
    @click.option("--layer", help="Layer of a multi-layer source.")
    @click.option(
        "--crs",
        metavar="EPSG",
        help="Declare the source CRS when it is missing or wrong, e.g. 24047.",
    )
    @click.option(
        "--encoding", help="Attribute encoding (default: .cpg file, else detected; e.g. cp874)."
    )
    @click.option(
        "--mapping", type=click.Path(exists=True, dir_okay=False), help="TOML mapping file."
    )
    @click.option(
        "--strict", is_flag=True, help="Fail, loading nothing, if any feature is rejected."
    )
    @click.pass_obj
    def command(
        obj: CliContext,
        path: str,
        layer: str | None,
        crs: str | None,
        encoding: str | None,
        mapping: str | None,
        strict: bool,
    ) -> None:
        obj.writing_lgu()
        from gisrev.load import load_vector

        report = load_vector(
            obj.engine(),
            path,
            kind=kind,
            settings=obj.settings,
            layer=layer,
            crs=crs,
            encoding=encoding,
            mapping=mapping,
            strict=strict,
            progress=_progress if sys.stderr.isatty() else None,
        )
        _show(report)

    return command


for _kind in ("parcels", "buildings", "zones"):
    load.add_command(_vector_command(_kind))


@load.command("register")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--sheet", help="XLSX sheet name or number (default: the first).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False), help="TOML mapping file.")
@click.option("--year", type=TAX_YEAR, metavar="Y",
              help="Tax year (BE or CE) for rows without one.")
@click.option("--encoding", help="CSV encoding (default: detected: UTF-8, UTF-8 BOM or cp874).")
@click.option("--header-row", type=click.IntRange(min=1), metavar="N",
              help="Row (as the spreadsheet numbers it) that holds the column names "
                   "(default: found below any title rows).")
@click.option("--strict", is_flag=True, help="Fail, loading nothing, if any row is rejected.")
@click.pass_obj
def register(
    obj: CliContext,
    path: str,
    sheet: str | None,
    mapping: str | None,
    year: int | None,
    encoding: str | None,
    header_row: int | None,
    strict: bool,
) -> None:
    """Load the tax register from CSV or XLSX (Thai LTAX headers recognised).

    Title rows above the header are passed over and totals rows are skipped, both
    reported in the summary.
    """
    obj.writing_lgu()
    from gisrev.load import load_register

    report = load_register(
        obj.engine(),
        path,
        settings=obj.settings,
        sheet=sheet,
        mapping=mapping,
        year=year,
        strict=strict,
        encoding=encoding,
        header_row=header_row,
    )
    _show(report)
