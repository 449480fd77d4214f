"""``gisrev demo``: the whole pipeline on the sample town, step by step.

The demo is a list of steps, each a command of DESIGN.md's command-line contract run
in-process (``db init``, ``load``, ``analyze``, ``export``, ``map``, ``survey import``,
``report``). A new step is one more entry in :data:`STEPS`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from gisrev.cli._context import CliContext
from gisrev.config import Settings, load_settings
from gisrev.errors import InputError
from gisrev.years import tax_year

BUNDLED_TOWN = Path("data") / "sample-town"


@dataclasses.dataclass
class DemoRun:
    """What every step gets: the town folder, the settings, its municipality, where outputs go."""

    obj: CliContext
    town: Path
    out: Path
    settings: Settings
    lgu_code: str

    def cli(self, *args: str) -> None:
        """Run a ``gisrev`` command in-process with the demo's database and municipality."""
        from gisrev.cli import cli

        options = ["--db", self.settings.database_url, "--lgu", self.lgu_code]
        if (self.town / "gisrev.toml").exists():
            options += ["--config", str(self.town / "gisrev.toml")]
        if self.obj.debug:
            options.append("--debug")
        cli.main(args=[*options, *args], prog_name="gisrev", standalone_mode=False)


@dataclasses.dataclass(frozen=True)
class Step:
    """One demo step: a title and what it does."""

    title: str
    run: Callable[[DemoRun], None]


def _load(kind: str, stem: str) -> Callable[[DemoRun], None]:
    """``gisrev load KIND <town>/STEM.* --mapping <town>/mapping.toml``."""
    return lambda run: run.cli(
        "load", kind, str(_town_file(run.town, stem)), "--mapping", str(run.town / "mapping.toml")
    )


def _town_file(town: Path, stem: str) -> Path:
    for suffix in (".shp", ".gpkg", ".fgb", ".geojson", ".xlsx", ".csv"):
        if (town / (stem + suffix)).exists():
            return town / (stem + suffix)
    msg = f"{town}: no {stem}.* in the sample town; regenerate it with `gisrev sample --out {town}`"
    raise InputError(msg)


STEPS: list[Step] = [
    Step("create or upgrade the schema", lambda r: r.cli("db", "init")),
    Step("load parcels", _load("parcels", "parcels")),
    Step("load buildings", _load("buildings", "buildings")),
    Step("load appraisal zones", _load("zones", "zones")),
    Step("load the 2566 register", _load("register", "register_2566")),
    Step("analyze tax year 2566", lambda r: r.cli("analyze", "--year", "2566")),
    Step("export the 2566 findings",
         lambda r: r.cli("export", "findings", "--year", "2566",
                         "--out", str(r.out / "findings_2566.csv"))),
    Step("survey maps for 2566",
         lambda r: r.cli("map", "--year", "2566", "--out", str(r.out / "maps_2566"))),
    Step("import what surveyors found",
         lambda r: r.cli("survey", "import", str(r.town / "survey_2566.csv"))),
    Step("load the 2567 register", _load("register", "register_2567")),
    Step("analyze tax year 2567", lambda r: r.cli("analyze", "--year", "2567")),
    Step("report 2567: revenue gap and revenue recovered",
         lambda r: r.cli("report", "--year", "2567", "--out", str(r.out / "report_2567.html"))),
]


def run_demo(obj: CliContext, town: Path, out: Path, *, steps: list[Step] | None = None) -> int:
    """Run the demo steps on a town folder, in order; return how many ran."""
    # The settings the CLI steps get from DemoRun.cli's options: the town's gisrev.toml.
    town_config = town / "gisrev.toml"
    settings = load_settings(
        town_config if town_config.exists() else obj.config_path,
        database_url=obj.database_url,
        lgu_code=obj.lgu_code,
    )
    # Every step writes for one municipality: refuse before the first if none is named.
    run = DemoRun(obj=obj, town=town, out=out, settings=settings,
                  lgu_code=settings.require_lgu_code())
    out.mkdir(parents=True, exist_ok=True)
    todo = STEPS if steps is None else steps
    for i, step in enumerate(todo, start=1):
        click.secho(f"[{i}/{len(todo)}] {step.title}", bold=True)
        step.run(run)
    if steps is None:
        _print_summary(run)
    return len(todo)


def _print_summary(run: DemoRun) -> None:
    """Print what a revenue officer wants at the end: what was found, its worth, where to look."""
    from gisrev.db import make_engine
    from gisrev.outputs.recovery import revenue_recovered
    from gisrev.outputs.summary import summary

    engine = make_engine(run.settings.database_url)
    lgu = run.lgu_code
    first_year, second_year = tax_year(2566), tax_year(2567)  # the demo's steps name them BE
    try:
        with engine.connect() as conn:
            first = summary(conn, first_year, lgu_code=lgu, top=0)
            second = summary(conn, second_year, lgu_code=lgu, top=0)
            recovered = revenue_recovered(conn, first_year, lgu_code=lgu)
    finally:
        engine.dispose()
    t1, t2 = first.totals, second.totals
    click.secho("\nSummary", bold=True)
    click.echo(f"  municipality {lgu}: {t1['parcels']:,.0f} parcels on the map")
    click.echo(
        f"  tax year 2566: {t1['findings']:,.0f} findings "
        f"({t1['flagged_parcels']:,.0f} parcels, "
        f"{t1['orphan_records']:,.0f} register rows not on the map), "
        f"revenue gap {t1['gap']:,.2f} baht"
    )
    for row in first.by_flag.itertuples():
        if row.findings:
            click.echo(f"    {row.flag:<20} {row.findings:>5,.0f}   gap {row.gap:>14,.2f} baht")
    click.echo(
        f"  tax year 2567: {t2['findings']:,.0f} findings, revenue gap {t2['gap']:,.2f} baht; "
        f"recovered from the 2566 findings: {recovered.attrs['total']:,.2f} baht "
        f"({len(recovered):,} parcels)"
    )
    click.secho("Files", bold=True)
    for name, what in (
        ("findings_2566.csv", "the 2566 findings, one row per parcel (opens in Excel)"),
        ("maps_2566/index.html", "survey maps, work packages and worklists (work offline)"),
        ("report_2567.html", "the one-page report: revenue gap and revenue recovered"),
    ):
        click.echo(f"  {run.out / name}  {what}")


@click.command()
@click.option("--town", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Sample town folder (default: ./data/sample-town, else a generated one).")
@click.option("--out", default="out/demo", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the findings export, maps and report.")
@click.pass_obj
def demo(obj: CliContext, town: Path | None, out: Path) -> None:
    """Load the sample town, analyze it and write findings, maps and a report."""
    if town is None and BUNDLED_TOWN.is_dir():
        town = BUNDLED_TOWN
    if town is not None:
        click.echo(f"Sample town: {town}")
        done = run_demo(obj, town, out)
    else:
        from gisrev.sample import generate_town

        with tempfile.TemporaryDirectory(prefix="gisrev-town-") as tmp:
            made = generate_town(tmp)
            click.echo(f"Sample town: generated {made.n_parcels:,} parcels in {tmp}")
            done = run_demo(obj, made.path, out)
    click.echo(f"Demo finished: {done} of {len(STEPS)} steps ran; outputs in {out}")
