"""``gisrev demo``: loads the sample town and runs the pipeline steps in order."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
import pytest
import sqlalchemy as sa

from gisrev.cli._context import CliContext
from gisrev.cli.demo import Step, run_demo
from gisrev.sample import generate_town
from gisrev.sample._truth import FINDING_CODES


@pytest.fixture(scope="module")
def small_town(tmp_path_factory: pytest.TempPathFactory):
    return generate_town(tmp_path_factory.mktemp("demo-town"), parcels=300, seed=5)


def _count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql), {"lgu": "501004"}).scalar_one())


@pytest.mark.slow
def test_demo_loads_the_town_and_finds_what_was_planted(
    gisrev_cli, clean_db: sa.Engine, small_town, tmp_path: Path
) -> None:
    result = gisrev_cli("demo", "--town", small_town.path, "--out", tmp_path / "out")
    assert result.code == 0, result.err
    assert "Loaded 300 parcels from parcels.shp" in result.out
    assert f"Loaded {small_town.n_buildings:,} buildings" in result.out
    assert f"Loaded {small_town.n_zones} zones" in result.out
    assert f"Loaded {small_town.register_rows[2566]:,} register" in result.out

    engine = clean_db
    assert _count(engine, "SELECT count(*) FROM parcels WHERE lgu_code = :lgu") == 300
    assert _count(engine, "SELECT count(*) FROM buildings WHERE lgu_code = :lgu") == (
        small_town.n_buildings
    )
    assert _count(engine, "SELECT count(*) FROM zones WHERE lgu_code = :lgu") == small_town.n_zones
    for year_be, rows in small_town.register_rows.items():
        n = _count(engine, f"SELECT count(*) FROM register WHERE lgu_code = :lgu "
                           f"AND tax_year = {year_be - 543}")
        assert n == rows, year_be
    # Thai text survived cp874 -> PostGIS.
    assert _count(engine, "SELECT count(*) FROM parcels WHERE lgu_code = :lgu "
                          "AND observed_use IS NULL") == 0

    # The analysis step agrees with the generator's ground truth, finding by finding.
    with engine.connect() as conn:
        found = pd.read_sql(
            sa.text("SELECT tax_year, unnest(flags) AS code FROM findings WHERE lgu_code = :lgu"),
            conn, params={"lgu": "501004"},
        )
    for year_be, expected in small_town.findings.items():
        got = found[found["tax_year"] == year_be - 543]["code"].value_counts()
        assert {code: int(got.get(code, 0)) for code in FINDING_CODES} == expected, year_be

    # The closing summary counts the same findings and points at the files it wrote.
    summary = result.out.split("\nSummary\n", 1)[1]
    n_2566 = _count(engine, "SELECT count(*) FROM findings "
                            "WHERE lgu_code = :lgu AND tax_year = 2023")
    assert f"tax year 2566: {n_2566:,} findings" in summary
    for code, n in small_town.findings[2566].items():
        if n:
            assert f"{code:<20} {n:>5,}" in summary
    for name in ("findings_2566.csv", "maps_2566/index.html", "report_2567.html"):
        assert str(tmp_path / "out" / name) in summary
        assert (tmp_path / "out" / name).exists()


def test_demo_runs_its_steps_in_order_with_the_towns_municipality(tmp_path: Path,
                                                                   capsys) -> None:
    ran: list[str] = []
    steps = [
        Step("first", lambda run: ran.append(run.settings.lgu_code)),
        Step("second", lambda run: ran.append("second")),
    ]
    (tmp_path / "gisrev.toml").write_text('[project]\nlgu_code = "123456"\n', encoding="utf-8")
    with click.Context(click.Command("demo")):
        done = run_demo(CliContext(), tmp_path, tmp_path / "out", steps=steps)
    out = capsys.readouterr().out
    assert done == 2
    assert ran == ["123456", "second"]  # the town's own municipality code, then in order
    assert "[1/2] first" in out
    assert "[2/2] second" in out


def test_demo_reports_a_town_missing_its_files(gisrev_cli, clean_db: sa.Engine,
                                                tmp_path: Path) -> None:
    (tmp_path / "gisrev.toml").write_text('[project]\nlgu_code = "501004"\n', encoding="utf-8")
    result = gisrev_cli("demo", "--town", tmp_path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "no parcels.* in the sample town" in result.err
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.slow
def test_demo_generates_the_default_town_when_none_is_bundled(
    gisrev_cli, clean_db: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no data/sample-town here
    result = gisrev_cli("demo")
    assert result.code == 0, result.err
    assert "Sample town: generated 1,500 parcels" in result.out
    assert "Loaded 1,500 parcels from parcels.shp" in result.out
    assert (tmp_path / "out" / "demo").is_dir()
    assert _count(clean_db, "SELECT count(*) FROM parcels WHERE lgu_code = :lgu") == 1500
