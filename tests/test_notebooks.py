"""The planner notebooks run top to bottom against a freshly loaded and analysed sample town.

Each notebook is executed in its own kernel (nbclient) with ``GISREV_DATABASE_URL``
pointing at the test database, ``GISREV_LGU`` at the town's municipality (as ``make
notebooks`` sets them) and ``GISREV_SAMPLE_TOWN`` at a small generated town. Besides "it
ran", each test checks a value the notebook shows against the database, and that its
outputs hold the interactive map (gisrev.explore, Leaflet inlined) beside a static picture.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
from conftest import DATA_TABLES
from nbclient import NotebookClient
from sqlalchemy.engine import Engine

import gisrev

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PARCELS = 200  # the smallest town that still plants every finding several times

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def town(engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Path]:
    """A small sample town, loaded, with 2566 analysed, its survey imported and 2567 analysed."""
    from gisrev.analyze import run_analysis
    from gisrev.load import load_register, load_vector
    from gisrev.sample import generate_town
    from gisrev.survey import import_survey

    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
    sample = generate_town(tmp_path_factory.mktemp("town"), parcels=PARCELS, seed=2566)
    files = sample.files
    settings = gisrev.load_settings(files["settings"], database_url=database_url)
    for kind in ("parcels", "buildings", "zones"):
        load_vector(engine, files[kind], kind=kind, settings=settings, mapping=files["mapping"])
    for year in (2566, 2567):
        load_register(engine, files[f"register_{year}"], settings=settings,
                      mapping=files["mapping"])
    run_analysis(engine, year=2566, settings=settings)
    import_survey(engine, files["survey_2566"], lgu_code=settings.lgu_code)
    run_analysis(engine, year=2567, settings=settings)
    yield sample.path


def run_notebook(name: str, town: Path, database_url: str,
                 monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    """Execute a notebook in a fresh kernel (cwd: notebooks/) and return it with outputs."""
    monkeypatch.setenv("GISREV_DATABASE_URL", database_url)  # the kernel inherits it
    monkeypatch.setenv("GISREV_SAMPLE_TOWN", str(town))
    monkeypatch.setenv("GISREV_LGU", gisrev.load_settings(town / "gisrev.toml").lgu_code)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(nb, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return nb


def text_output(cell: nbformat.NotebookNode) -> str:
    """What a cell showed as plain text (its result and anything printed)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out and "text/plain" in out.data:
            parts.append(out.data["text/plain"])
    return "\n".join(parts)


def interactive_maps(nb: nbformat.NotebookNode) -> list[str]:
    """The HTML of every gisrev.explore map the notebook shows."""
    return [o.data["text/html"] for c in nb.cells for o in c.get("outputs", [])
            if "text/html" in o.get("data", {}) and "gisrevExplore(" in o.data["text/html"]]


def images(nb: nbformat.NotebookNode) -> list[object]:
    return [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]


def assert_offline_map(nb: nbformat.NotebookNode) -> None:
    maps = interactive_maps(nb)
    assert maps, "no interactive map in the outputs"
    for shown in maps:
        assert "srcdoc=" in shown and "Leaflet 1.9.4" in shown
        assert "https://cdn" not in shown and "code.jquery.com" not in shown


def cell_after(nb: nbformat.NotebookNode, source_start: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start))


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebooks_are_committed_without_outputs_and_define_no_functions(name):
    raw = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    code = [c for c in raw["cells"] if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)
    source = "\n".join("".join(c["source"]) for c in code)
    assert "def " not in source and "class " not in source  # logic lives in the package


def test_01_quickstart_loads_analyses_and_shows_the_totals(town, database_url, engine,
                                                           monkeypatch):
    nb = run_notebook("01_quickstart.ipynb", town, database_url, monkeypatch)
    totals = gisrev.summary(2566, engine=engine).totals
    shown = text_output(cell_after(nb, "gisrev.summary(YEAR"))
    assert f"'findings': {totals['findings']}" in shown
    assert f"'parcels': {PARCELS}" in shown
    loads = text_output(cell_after(nb, "MAPPING = "))
    assert f"('parcels.shp', {PARCELS}, {PARCELS}, 0)" in loads
    assert_offline_map(nb)
    assert len(images(nb)) >= 1


def test_02_revenue_gap_draws_charts_and_a_choropleth(town, database_url, engine, monkeypatch):
    nb = run_notebook("02_revenue_gap.ipynb", town, database_url, monkeypatch)
    assert len(images(nb)) >= 5  # four bar/pie charts and the static map
    assert_offline_map(nb)
    top_zone = gisrev.gap_by(2566, by="zone", engine=engine).iloc[0]
    assert str(top_zone["zone_code"]) in text_output(cell_after(nb, "by_zone = "))
    revenue = gisrev.revenue_by(2566, by="zone", engine=engine).iloc[0]
    assert str(revenue["zone_code"]) in text_output(cell_after(nb, "revenue = "))


def test_03_what_if_shows_the_tax_engine_and_the_scenarios(town, database_url, engine,
                                                          monkeypatch):
    nb = run_notebook("03_what_if.ipynb", town, database_url, monkeypatch)
    # the worked example of the brief: 54M land, 2,205,900 building, primary residence, 2024
    from gisrev.tax import Property, get_regime

    expected = get_regime("thai").compute(Property(
        tax_year=2024, use="residential-primary", land_value=54_000_000.0,
        building_value=2_205_900.0, owner_type="individual")).tax
    assert text_output(cell_after(nb, "from gisrev.tax import")).strip() == repr(expected)
    scenarios = text_output(cell_after(nb, "scenarios = "))
    assert "reduction_percent" in scenarios and "gap_change" in scenarios
    assert "assessed_change" in scenarios and "primary home exempt to 30M" in scenarios
    # every parcel re-taxed under current rules adds up to the analysed expected tax
    with engine.connect() as conn:
        n, total, gap = conn.execute(sa.text(
            "SELECT count(*), sum(expected_tax), sum(CASE WHEN registered"
            " THEN greatest(expected_tax - tax_paid, 0) ELSE expected_tax END)"
            " FROM parcel_evidence WHERE tax_year = 2023"
        )).one()
    assert (f"current rules: {total:,.2f} baht expected from {n} parcels (all parcels), "
            f"gap {gap:,.2f} baht" in text_output(cell_after(nb, "current = ")))
    assert len(images(nb)) >= 4  # tax by year, scenarios, change against current, by zone
    assert_offline_map(nb)


def test_04_survey_progress_shows_each_year_and_the_revenue_recovered(town, database_url,
                                                                     engine, monkeypatch):
    nb = run_notebook("04_survey_progress.ipynb", town, database_url, monkeypatch)
    per_year = text_output(cell_after(nb, "per_year = "))
    assert "2566" in per_year and "2567" in per_year
    total = gisrev.revenue_recovered(2566, engine=engine).attrs["total"]
    assert total > 0
    assert f"recovered: {total:,.2f} baht" in text_output(cell_after(nb, "recovered = "))
    assert_offline_map(nb)
    assert len(images(nb)) >= 3


def test_05_appraisal_round_shows_each_zone_and_the_households_whose_tax_rises_most(
        town, database_url, engine, monkeypatch):
    nb = run_notebook("05_appraisal_round.ipynb", town, database_url, monkeypatch)
    import pandas as pd

    prices = pd.read_csv(Path(tempfile.gettempdir()) / "gisrev_prices_new_round.csv")
    today = gisrev.zone_gaps(2566, engine=engine).drop_duplicates("zone_code")
    assert (prices.set_index("zone_code")["price_per_sqwah"]
            >= today.set_index("zone_code")["price_per_sqwah"]).all()
    scenario = {"new round": {"price_table": Path(tempfile.gettempdir())
                              / "gisrev_prices_new_round.csv"}}
    total = gisrev.what_if(2566, engine=engine, scenarios=scenario).set_index("scenario")
    change = total.loc["new round"]
    assert change.expected_change > 0
    assert (f"new round: {change.expected_change:+,.2f} baht expected, "
            f"{change.assessed_change:+,.2f} baht billed, {change.gap_change:+,.2f} baht gap"
            in text_output(cell_after(nb, "total = ")))
    per_parcel = gisrev.what_if(2566, engine=engine, scenarios=scenario, by="parcel")
    homes = per_parcel[(per_parcel.scenario == "new round")
                       & per_parcel.use.str.startswith("residential")]
    first = homes.nlargest(1, "assessed_change").iloc[0]
    assert first.assessed_change > 0
    assert str(first.parcel_code) in text_output(cell_after(nb, "per_parcel = "))
    assert_offline_map(nb)
    assert len(images(nb)) >= 2


def test_report_on_the_sample_town_equals_its_export(town, gisrev_cli, tmp_path):
    config = str(town / "gisrev.toml")
    exported = gisrev_cli("--config", config, "export", "findings", "--year", "2566",
                          "--out", tmp_path / "f.csv")
    assert exported.code == 0, exported.err
    made = gisrev_cli("--config", config, "report", "--year", "2566", "--out", tmp_path / "r.xlsx")
    assert made.code == 0, made.err
    import openpyxl
    import pandas as pd

    csv = pd.read_csv(tmp_path / "f.csv", dtype={"parcel_code": str})
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    summary = {r[1]: r[2] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Findings"] == len(csv)
    assert summary["Revenue gap (baht)"] == pytest.approx(csv["gap"].sum(), abs=0.01)
    assert summary["Expected tax, findings (baht)"] == pytest.approx(
        csv["expected_tax"].sum(), abs=0.01)
    codes = csv["flags"].str.split(";")
    by_flag = {r[0]: (r[3], r[4]) for r in wb["By finding code"].iter_rows(min_row=2,
                                                                            values_only=True)}
    for code, (n, gap) in by_flag.items():
        mine = codes.map(lambda f, c=code: c in f)
        assert n == mine.sum(), code
        assert gap == pytest.approx(csv.loc[mine, "gap"].sum(), abs=0.01), code
    top = list(wb["Top 20 parcels"].values)[1:]
    drawn = csv[csv["lon"].notna()].sort_values("gap", ascending=False)
    assert [r[9] for r in top] == pytest.approx(drawn["gap"].head(20).tolist(), abs=0.01)
