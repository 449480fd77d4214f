"""Survey maps opened in headless Chromium with the network blocked.

A tiny planted town (EPSG:32647, near Bangkok) is written straight into the
canonical tables: 8 x 5 parcels of 20 m x 30 m, two appraisal zones, a few
buildings, and findings with known codes, reasons and gaps, one of whose reason
and owner name carry markup meant to break out of the page.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from gisrev.errors import InputError
from gisrev.load.normalise import normalise_parcel_code
from gisrev.outputs.maps import make_maps

pytest_plugins = ["browser"]
pytestmark = pytest.mark.browser

LGU = "501004"
YEAR = 2023
OWNER_ID = "3100900123457"  # planted: must never reach any file
EVIL = '<img src=x onerror=alert(1)></script><script>alert("x")</script>'
OWNER = "นางสมศรี " + EVIL
FORMULA = '=HYPERLINK("http://x","สองบัญชี")'  # a reason that would run in a spreadsheet
X0, Y0 = 662_000.0, 1_521_000.0

# code -> (flags, reason_th, reason_en, gap, owner); parcel codes are P-<col><row>.
PLANTED: dict[str, tuple[list[str], str, str, float]] = {
    "P-00": (["UNREGISTERED"], "ไม่มีในทะเบียนปี 2566", "Not in the 2566 register", 12345.0),
    "P-11": (
        ["UNREGISTERED", "UNDECLARED_BUILDING"],
        "ไม่มีในทะเบียน มีอาคาร",
        "Unregistered with a building",
        8000.5,
    ),
    "P-22": (["UNDERPAID"], "ประเมินต่ำไป", "Assessed below expected", 2500.0),
    "P-33": (["UNDERPAID", "ARREARS"], "ค้างชำระและต่ำไป", "Underpaid and in arrears", 9100.25),
    "P-44": (["AREA_MISMATCH"], "เนื้อที่ต่างกัน 25%", "Declared area 25% below mapped", 0.0),
    "P-50": (
        ["USE_MISMATCH", "UNDERPAID"],
        "ใช้เป็นร้านค้า",
        "Used as a shop, declared residential",
        4400.0,
    ),
    "P-61": (["ARREARS"], EVIL, "Arrears " + EVIL, 777.0),
    "P-72": (["DUPLICATE_RECORD"], FORMULA, "Two accounts for one parcel", 150.0),
    "P-73": (["UNDECLARED_BUILDING"], "มีอาคารไม่ได้แจ้ง", "Building not declared", 1200.0),
}


def build_town(engine: sa.Engine) -> None:
    """Empty the data tables and write the planted town."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "TRUNCATE findings, matches, analysis_runs, rejects, register, parcels, buildings, "
                "zones, load_runs RESTART IDENTITY CASCADE"
            )
        )
        conn.execute(
            sa.text("""
            INSERT INTO parcels (lgu_code, parcel_code, parcel_code_norm, deed_no, geom)
            SELECT :lgu, 'P-' || c || r, 'P' || c || r, 'D' || (1000 + c * 10 + r),
                   ST_Multi(ST_MakeEnvelope(:x0 + c * 20, :y0 + r * 30,
                                            :x0 + c * 20 + 20, :y0 + r * 30 + 30, 32647))
            FROM generate_series(0, 7) c, generate_series(0, 4) r
        """),
            {"lgu": LGU, "x0": X0, "y0": Y0},
        )
        conn.execute(
            sa.text("""
            INSERT INTO zones (lgu_code, zone_code, price_per_sqwah, geom) VALUES
            (:lgu, 'Z1', 5000, ST_Multi(ST_MakeEnvelope(:x0, :y0, :x0 + 80, :y0 + 150, 32647))),
            (:lgu, 'Z2', 8000,
             ST_Multi(ST_MakeEnvelope(:x0 + 80, :y0, :x0 + 160, :y0 + 150, 32647)))
        """),
            {"lgu": LGU, "x0": X0, "y0": Y0},
        )
        conn.execute(
            sa.text("""
            INSERT INTO buildings (lgu_code, use, geom)
            SELECT :lgu, 'residential', ST_Multi(ST_Buffer(ST_PointOnSurface(geom), 5, 1))
            FROM parcels WHERE parcel_code IN ('P-11', 'P-73', 'P-20')
        """),
            {"lgu": LGU},
        )
        for code, (flags, reason_th, reason_en, gap) in PLANTED.items():
            reg_id = conn.execute(
                sa.text("""
                INSERT INTO register (lgu_code, tax_year, parcel_code, parcel_code_norm, owner_name,
                                      owner_id, tax_assessed, tax_paid)
                VALUES (:lgu, :year, :code, replace(:code, '-', ''), :owner, :owner_id, 100, 50)
                RETURNING id
            """),
                {
                    "lgu": LGU,
                    "year": YEAR,
                    "code": code,
                    "owner": OWNER if code == "P-61" else f"เจ้าของ {code}",
                    "owner_id": OWNER_ID,
                },
            ).scalar_one()
            conn.execute(
                sa.text("""
                INSERT INTO findings (lgu_code, tax_year, parcel_id, parcel_code, register_ids,
                    deed_no, flags, reason_th, reason_en, expected_tax, tax_assessed, tax_paid,
                    gap, priority,
                    lon, lat, point)
                SELECT :lgu, :year, p.id, p.parcel_code, ARRAY[:reg]::bigint[], p.deed_no,
                    :flags, :rth, :ren, :gap + 100, 100, 50, :gap, 0,
                    ST_X(ST_Transform(ST_PointOnSurface(p.geom), 4326)),
                    ST_Y(ST_Transform(ST_PointOnSurface(p.geom), 4326)), ST_PointOnSurface(p.geom)
                FROM parcels p WHERE p.parcel_code = :code
            """),
                {
                    "lgu": LGU,
                    "year": YEAR,
                    "reg": reg_id,
                    "flags": flags,
                    "rth": reason_th,
                    "ren": reason_en,
                    "gap": gap,
                    "code": code,
                },
            )
        # An orphan register row: listed, never drawn.
        conn.execute(
            sa.text("""
            INSERT INTO findings (lgu_code, tax_year, parcel_code, flags, reason_th, reason_en, gap)
            VALUES (:lgu, :year, 'X-999', ARRAY['ORPHAN_RECORD'], 'ไม่พบแปลง', 'No such parcel', 0)
        """),
            {"lgu": LGU, "year": YEAR},
        )


# The field stops (DESIGN.md "Field work and desk work", field_min_gap 200 baht) and the
# desk list: arrears, duplicates, the orphan, the 0-baht area mismatch; P-33 is both.
FIELD = {"P-00", "P-11", "P-22", "P-33", "P-50", "P-73"}
DESK = {"P-33": "ติดตามการชำระ", "P-44": "ส่วนต่างต่ำกว่าเกณฑ์ออกสำรวจ ตรวจจากเอกสาร",
        "P-61": "ติดตามการชำระ", "P-72": "ตรวจสอบบัญชีซ้ำ", "X-999": "หาแปลงในแผนที่"}


def expected_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for flags, *_ in PLANTED.values():
        for code in flags:
            counts[code] = counts.get(code, 0) + 1
    return counts


@pytest.fixture(scope="module")
def town(engine: sa.Engine) -> sa.Engine:
    build_town(engine)
    return engine


@pytest.fixture(scope="module")
def maps(town: sa.Engine, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("maps")
    return make_maps(
        town, out, year=YEAR, lgu_code=LGU, packages=4, show_owner=True
    )


@pytest.fixture(scope="module")
def maps_no_owner(town: sa.Engine, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("maps_no_owner")
    return make_maps(town, out, year=YEAR, lgu_code=LGU, by="zone")


READY = "window.gisrev && window.gisrev.ready"


def parcel_pixel(view, code: str) -> tuple[float, float]:
    """Container pixel of the centre of a planted parcel."""
    return view.page.evaluate(
        """(code) => {
        const g = window.gisrev, i = g.parcelCodes.indexOf(code);
        const p = g.map.latLngToContainerPoint(g.bounds[i].getCenter());
        const r = g.map.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top];
    }""",
        code,
    )


def test_overview_loads_offline_without_console_errors(maps, browser_page):
    html = maps.overview.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet", html)
    view = browser_page.open(maps.overview, wait_for=READY)
    assert view.errors() == []
    # The only requests that tried to leave the machine are OpenStreetMap tiles.
    assert view.blocked, "the online tile layer should be on"
    assert {kind for kind, _ in view.blocked} == {"image"}
    assert all(url.startswith("https://tile.openstreetmap.org/") for _, url in view.blocked)


def test_drawn_parcels_per_layer_equal_the_findings(maps, browser_page):
    view = browser_page.open(maps.overview, wait_for=READY)
    assert view.page.evaluate("window.gisrev.counts") == expected_counts()
    assert view.page.evaluate("window.gisrev.drawn") == len(PLANTED)
    shown = {
        row.get_attribute("data-code"): int(row.locator(".gr-count").inner_text())
        for row in view.page.locator(".gr-legend-row[data-code]").all()
    }
    assert shown == expected_counts()
    assert "ORPHAN_RECORD" not in shown
    assert "1 register rows not on the map" in view.page.locator(".gr-legend").inner_text()


def test_clicking_a_parcel_shows_its_reason_and_gap(maps, browser_page):
    view = browser_page.open(maps.overview, wait_for=READY)
    view.page.evaluate("window.gisrev.map.setZoom(19, {animate: false})")
    view.page.evaluate("""() => { const g = window.gisrev;
        const i = g.parcelCodes.indexOf('P-00');
        g.map.setView(g.bounds[i].getCenter(), 19, {animate: false}); }""")
    x, y = parcel_pixel(view, "P-00")
    view.page.mouse.click(x, y)
    popup = view.page.locator(".gr-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "P-00" in text
    assert "ไม่มีในทะเบียนปี 2566" in text and "Not in the 2566 register" in text
    assert "12,345.00 บาท" in text
    lat, lon = (
        view.page.evaluate("""() => { const g = window.gisrev, i = g.parcelCodes.indexOf('P-00');
        return [g.lat[i], g.lon[i]]; }""")
    )
    href = popup.locator("a.gr-navigate").get_attribute("href")
    assert href == f"https://www.google.com/maps/dir/?api=1&destination={lat:.6f},{lon:.6f}"
    assert view.errors() == []


def test_search_finds_a_code_and_zooms_to_it(maps, browser_page):
    view = browser_page.open(maps.overview, wait_for=READY)
    view.page.evaluate("window.gisrev.map.setZoom(14, {animate: false})")
    zoom_before = view.page.evaluate("window.gisrev.map.getZoom()")
    view.page.fill("#gr-search", " p 72 ")  # spaces and case as a surveyor might type
    view.page.press("#gr-search", "Enter")
    assert view.page.evaluate("window.gisrev.found") == "P-72"
    assert view.page.evaluate("window.gisrev.map.getZoom()") > zoom_before
    assert view.page.evaluate("""() => { const g = window.gisrev, i = g.parcelCodes.indexOf('P-72');
        return g.map.getBounds().contains(g.bounds[i]); }""")
    assert "Two accounts for one parcel" in view.page.locator(".gr-popup").inner_text()
    view.page.fill("#gr-search", "NOPE-1")
    view.page.press("#gr-search", "Enter")
    assert "not found: NOPE-1" in view.page.locator(".gr-search-msg").inner_text()


def test_search_strips_what_the_loader_strips_from_codes(maps, browser_page):
    # A word processor's en dash, a zero-width space (Thai text carries them) and Thai
    # digits: the loader's normalise_parcel_code matches these, so must the search box.
    view = browser_page.open(maps.overview, wait_for=READY)
    for typed, code in (("p\u2013\u200b33", "P-33"), ("P\u2212๗๓", "P-73")):
        assert normalise_parcel_code(typed) == normalise_parcel_code(code)
        view.page.fill("#gr-search", typed)
        view.page.press("#gr-search", "Enter")
        assert view.page.locator(".gr-search-msg").inner_text() == ""
        assert view.page.evaluate("window.gisrev.found") == code


def test_markup_in_reason_and_owner_shows_as_text_and_runs_nothing(maps, browser_page):
    view = browser_page.open(maps.overview, wait_for=READY)
    view.page.fill("#gr-search", "P-61")
    view.page.press("#gr-search", "Enter")
    text = view.page.locator(".gr-popup").inner_text()
    assert EVIL in text  # the reason, verbatim
    assert "Owner: " + OWNER in text
    assert view.page.locator('img[src="x"]').count() == 0
    assert view.page.locator("script:not([id]):not([type])").count() == 2  # Leaflet, gisrev
    for page in [maps.index, maps.packages[0].print_page, *[p.map for p in maps.packages]]:
        browser_page.open(page)
        assert view.page.locator('img[src="x"]').count() == 0
    assert view.dialogs == []
    assert view.errors() == []


def test_owner_id_is_in_no_file_and_owner_name_only_when_asked(maps, maps_no_owner):
    def texts(folder: Path):
        for path in folder.rglob("*"):
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as z:
                    yield path, "".join(z.read(n).decode("utf-8") for n in z.namelist())
            elif path.is_file():
                yield path, path.read_text(encoding="utf-8-sig")

    with_owner = dict(texts(maps.out_dir))
    without_owner = dict(texts(maps_no_owner.out_dir))
    assert len(with_owner) > 10
    assert all(OWNER_ID not in t for t in [*with_owner.values(), *without_owner.values()])
    assert any("นางสมศรี" in t for t in with_owner.values())
    assert not any("นางสมศรี" in t or "เจ้าของ P-" in t for t in without_owner.values())


def test_work_packages_are_balanced_with_numbered_stops(maps, browser_page):
    sizes = sorted(p.n_parcels for p in maps.packages)
    assert sum(sizes) == len(FIELD) and sizes == [3, 3]  # 6 field stops, about 4 each
    pkg = maps.packages[0]
    assert pkg.map.stat().st_size < 1_000_000
    view = browser_page.open(pkg.map, wait_for=READY)
    stops = view.page.locator(".gr-stop").all_inner_texts()
    assert sorted(int(s) for s in stops) == list(range(1, pkg.n_parcels + 1))
    assert sum(view.page.evaluate("window.gisrev.counts").values()) >= pkg.n_parcels
    assert view.errors() == []


def test_worklists_have_the_columns_in_visiting_order(maps):
    pkg = maps.packages[0]
    raw = pkg.csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == [
        "order",
        "parcel_code",
        "flags",
        "reason_th",
        "reason_en",
        "deed_no",
        "lon",
        "lat",
        "gap",
        "owner_name",
    ]
    assert [int(r["order"]) for r in rows] == list(range(1, len(rows) + 1))
    by_code = {r["parcel_code"]: r for r in rows}
    for code, r in by_code.items():
        flags, _rth, _ren, gap = PLANTED[code]
        assert r["flags"] == ";".join(flags) and float(r["gap"]) == gap
    sheet = openpyxl.load_workbook(pkg.xlsx).active
    assert [c.value for c in sheet[1]][:3] == ["order", "parcel_code", "flags"]
    assert sheet.max_row == len(rows) + 1


def test_zone_packages_follow_the_zones(maps_no_owner):
    labels = {p.label: p.n_parcels for p in maps_no_owner.packages}
    # Z1 holds columns 0-3 (P-00, P-11, P-22, P-33), Z2 columns 4-7.
    assert labels == {"โซน / zone Z1": 4, "โซน / zone Z2": 2}  # Z2's others are desk work
    assert "X-999" in desk_rows(maps_no_owner.desk_list)


def test_cli_map_writes_index_and_says_what_it_did(town, gisrev_cli, tmp_path):
    result = gisrev_cli("--lgu", LGU, "map", "--year", "2566", "--out", tmp_path, "--packages", "5")
    assert result.code == 0, result.err
    assert ("9 parcels drawn, 1 register rows not on the map, 2 work packages (6 field stops), "
            "5 findings on the desk list (desk_list.xlsx)") in result.out
    assert (tmp_path / "index.html").exists() and (
        tmp_path / "packages" / "package-002.html"
    ).exists()


def test_cli_map_without_findings_is_one_line_exit_2(town, gisrev_cli, tmp_path):
    result = gisrev_cli("--lgu", LGU, "map", "--year", "2560", "--out", tmp_path)
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "no findings for tax year 2560 (2017)" in result.err


def _png() -> bytes:
    """A 1 x 1 grey PNG (a stand-in orthophoto tile)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x99"))
        + chunk(b"IEND", b"")
    )


def test_local_tile_folder_draws_offline_without_touching_the_network(town, tmp_path, browser_page):
    import math

    # Tiles around the town at zoom 19, laid out z/x/y.png as a municipality's orthophoto.
    lon, lat, n = 100.4985, 13.754, 2**19
    cx = int((lon + 180) / 360 * n)
    cy = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    for x in range(cx - 6, cx + 7):
        folder = tmp_path / "ortho" / "19" / str(x)
        folder.mkdir(parents=True)
        for y in range(cy - 5, cy + 6):
            (folder / f"{y}.png").write_bytes(_png())
    report = make_maps(
        town,
        tmp_path / "maps",
        year=YEAR,
        lgu_code=LGU,
        tiles=tmp_path / "ortho",
    )
    view = browser_page.open(report.overview, wait_for=READY)
    view.page.wait_for_function("document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    assert view.blocked == []  # OpenStreetMap stays off when the town has its own tiles
    assert view.errors() == []
    src = view.page.locator(".leaflet-tile-loaded").first.get_attribute("src")
    assert src.startswith("../ortho/19/")


def test_overview_links_each_work_package_by_number(maps, browser_page):
    view = browser_page.open(maps.overview, wait_for=READY)
    links = view.page.locator("a.gr-pkg-link")
    assert links.all_inner_texts() == [str(p.number) for p in maps.packages]
    href = links.first.get_attribute("href")
    assert (maps.out_dir / href).resolve() == maps.packages[0].map.resolve()


def test_rerun_with_fewer_packages_leaves_no_stale_worklists(town, tmp_path):
    make_maps(town, tmp_path, year=YEAR, lgu_code=LGU, packages=2)
    assert len(list((tmp_path / "packages").glob("package-*.csv"))) == 3
    make_maps(town, tmp_path, year=YEAR, lgu_code=LGU, packages=9)
    assert sorted(p.name for p in (tmp_path / "packages").iterdir()) == [
        "package-001-print.html",
        "package-001.csv",
        "package-001.html",
        "package-001.xlsx",
    ]


def test_a_run_for_a_year_without_findings_keeps_the_maps_already_there(town, tmp_path):
    # 2567 typed for 2566: the error must not have wiped the packages the field is using.
    make_maps(town, tmp_path, year=YEAR, lgu_code=LGU, packages=9)
    before = sorted(p.name for p in (tmp_path / "packages").iterdir())
    with pytest.raises(InputError, match="no findings for tax year 2567"):
        make_maps(town, tmp_path, year=YEAR + 1, lgu_code=LGU, packages=9)
    assert sorted(p.name for p in (tmp_path / "packages").iterdir()) == before != []


def test_a_year_of_orphan_records_only_maps_the_town_and_lists_them(town, tmp_path, browser_page):
    # The register analysed before the parcel map matched anything: nothing to draw.
    with town.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO findings (lgu_code, tax_year, parcel_code, flags, reason_th, gap)"
            " VALUES (:lgu, 2022, 'X-1', ARRAY['ORPHAN_RECORD'], 'ไม่พบแปลง', 0)"
        ), {"lgu": LGU})
    try:
        report = make_maps(town, tmp_path, year=2022, lgu_code=LGU)
    finally:
        with town.begin() as conn:
            conn.execute(sa.text("DELETE FROM findings WHERE tax_year = 2022"))
    assert (report.n_drawn, report.n_orphans, report.packages) == (0, 1, [])
    assert list(desk_rows(report.desk_list)) == ["X-1"]
    view = browser_page.open(report.overview, wait_for=READY)
    assert view.errors() == []
    centre = view.page.evaluate("(() => { const c = window.gisrev.map.getCenter();"
                                " return [c.lat, c.lng]; })()")
    assert 13.7 < centre[0] < 13.8 and 100.4 < centre[1] < 100.6  # the planted town


def desk_rows(path: Path) -> dict[str, dict[str, object]]:
    """The desk list's rows by parcel code, each by its English header."""
    sheet = openpyxl.load_workbook(path).active
    header = [c.value.split(" / ")[1] for c in sheet[1]]
    return {r[0]: dict(zip(header, r, strict=True))
            for r in sheet.iter_rows(min_row=2, values_only=True)}


def test_packages_hold_the_field_stops_and_never_a_desk_finding(maps):
    stops: dict[str, int] = {}
    for p in maps.packages:
        for r in csv.DictReader(p.csv.read_text(encoding="utf-8-sig").splitlines()):
            stops[r["parcel_code"]] = p.number
    assert set(stops) == FIELD and maps.n_field == len(FIELD)
    for p in [*maps.packages]:
        text = p.map.read_text(encoding="utf-8") + p.print_page.read_text(encoding="utf-8")
        assert "P-61" not in text and "P-72" not in text and "X-999" not in text
    rows = desk_rows(maps.desk_list)
    assert {code: r["what to do (Thai)"] for code, r in rows.items()} == DESK
    assert rows["P-33"]["field package"] == stops["P-33"]  # both: visited and followed up
    assert rows["P-61"]["field package"] is None


def test_the_desk_list_has_thai_headers_money_and_formula_safe_cells(maps):
    sheet = openpyxl.load_workbook(maps.desk_list).active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["รหัสแปลง / parcel code", "เลขที่บัญชี / account",
                          "เลขที่โฉนด / deed no.", "เจ้าของ / owner", "ข้อค้นพบ / findings",
                          "รหัสข้อค้นพบ / finding codes"]
    assert header[-3:] == ["สิ่งที่ต้องทำ / what to do (Thai)",
                           "สิ่งที่ต้องทำ (อังกฤษ) / what to do", "ชุดงานสำรวจ / field package"]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == f"A1:N{len(DESK) + 1}"
    rows = desk_rows(maps.desk_list)
    p61 = rows["P-61"]
    assert (p61["findings"], p61["finding codes"], p61["reason"]) == ("ค้างชำระ", "ARREARS", EVIL)
    assert (p61["tax assessed (baht)"], p61["tax paid (baht)"], p61["gap (baht)"]) == (
        100, 50, 777)
    assert (p61["deed no."], p61["owner"], p61["what to do"]) == (
        "D1061", OWNER, "follow up the payment")
    [cell] = [c for c in sheet["G"] if c.value == FORMULA]  # reason: text, never a formula
    assert cell.data_type == "s"
    gap = header.index("ส่วนต่าง (บาท) / gap (baht)")
    assert sheet.cell(row=2, column=gap + 1).number_format == "#,##0.00"
    widths = [sheet.column_dimensions[c].width for c in "ABCDEFG"]
    assert widths[0] >= len("X-999") and widths[6] == 60  # reasons wrap at 60 characters
    # Grouped by what to do (arrears first), largest gap first within each.
    assert list(rows) == ["P-33", "P-61", "X-999", "P-72", "P-44"]


def test_index_links_the_desk_list(maps, browser_page):
    view = browser_page.open(maps.index)
    link = view.page.locator('a[href="desk_list.xlsx"]')
    assert link.count() == 1
    assert "desk list (no visit needed): 5 findings" in view.page.locator("body").inner_text()


def test_locate_me_centres_on_the_phone_position(maps, browser_page):
    here = {"latitude": 13.7545, "longitude": 100.4990}
    browser_page.page.context.grant_permissions(["geolocation"])
    browser_page.page.context.set_geolocation(here)
    view = browser_page.open(maps.overview, wait_for=READY)
    view.page.click('a[title*="Locate me"]')
    view.page.wait_for_function(
        "() => { const c = window.gisrev.map.getCenter();"
        " return Math.abs(c.lat - 13.7545) < 1e-5 && Math.abs(c.lng - 100.4990) < 1e-5; }"
    )
    assert view.errors() == []


def test_measure_adds_up_the_clicked_distance(maps, browser_page):
    view = browser_page.open(maps.overview, wait_for=READY)
    view.page.click('a[title*="Measure"]')
    box = view.page.locator("#map").bounding_box()
    a, b = (box["x"] + 400, box["y"] + 400), (box["x"] + 700, box["y"] + 400)
    view.page.mouse.click(*a)
    view.page.mouse.click(*b)
    expected = view.page.evaluate(
        """([a, b]) => { const m = window.gisrev.map;
            return m.distance(m.containerPointToLatLng(a), m.containerPointToLatLng(b)); }""",
        [[400, 400], [700, 400]],
    )
    assert 10 < expected < 1000
    assert view.page.locator(".gr-measure-total").inner_text() == f"{expected:.0f} m"
    assert view.page.locator(".gr-popup").count() == 0  # measuring never opens a parcel
