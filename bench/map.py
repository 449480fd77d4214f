"""Survey map size and first-render time: gisrev's map vs plain folium GeoJson.

For each town size a synthetic town is written straight into a throw-away PostGIS
database (slightly irregular 20 m x 25 m parcels on a grid, a building on 60 % of
them, 20 % of parcels flagged with one or two codes and reasons that carry
numbers, as the analysis writes them). Then, in the same run:

- gisrev: ``make_maps`` (overview + work packages of 40) and the overview file;
- baseline: folium ``GeoJson`` of every parcel with ``GeoJsonTooltip`` and
  ``GeoJsonPopup`` (parcel code, flags, reasons, gap), Leaflet from its CDN
  served locally by the browser harness so that it draws at all.

Both pages are opened in headless Chromium (network blocked, same flags as the
tests); "first render" is ``performance.now()`` after the load event and two
animation frames, the best of ``--runs``.

    .venv/bin/python bench/map.py                      # 10k and 100k parcels
    .venv/bin/python bench/map.py --sizes 10000 --screenshot docs/work-package.png
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import sqlalchemy as sa

from gisrev.config import DEFAULT_DATABASE_URL
from gisrev.db import init_db, make_engine
from gisrev.db.engine import create_database, drop_database
from gisrev.outputs.maps import make_maps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS, PHONE

LGU = "999999"
YEAR = 2023
STATIC = Path(__file__).resolve().parents[1] / "gisrev" / "outputs" / "maps" / "static"

TOWN_SQL = [
    "TRUNCATE findings, matches, analysis_runs, rejects, register, parcels, buildings, zones, "
    "load_runs RESTART IDENTITY CASCADE",
    "SELECT setseed(0.42)",
    # Slightly irregular quadrilaterals (5-point rings) on a 20 m x 25 m grid.
    """
    INSERT INTO parcels (lgu_code, parcel_code, parcel_code_norm, deed_no, geom)
    SELECT :lgu, 'B-' || lpad(i::text, 6, '0'), 'B' || lpad(i::text, 6, '0'), (10000 + i)::text,
           ST_Multi(ST_MakePolygon(ST_MakeLine(ARRAY[
               ST_MakePoint(x + j1, y + j2), ST_MakePoint(x + 20 - j3, y + j4),
               ST_MakePoint(x + 20 - j5, y + 25 - j6), ST_MakePoint(x + j7, y + 25 - j8),
               ST_MakePoint(x + j1, y + j2)])))
    FROM (SELECT i, 660000 + (i % :side) * 20.0 AS x, 1520000 + (i / :side) * 25.0 AS y,
                 random() j1, random() j2, random() j3, random() j4,
                 random() j5, random() j6, random() j7, random() j8
          FROM generate_series(0, :n - 1) i) g
    """,
    "UPDATE parcels SET geom = ST_SetSRID(geom, 32647)",
    """
    INSERT INTO buildings (lgu_code, use, geom)
    SELECT :lgu, 'residential', ST_Multi(ST_MakeEnvelope(
        ST_XMin(geom) + 4, ST_YMin(geom) + 5, ST_XMin(geom) + 14, ST_YMin(geom) + 15, 32647))
    FROM parcels WHERE random() < 0.6
    """,
    """
    INSERT INTO findings (lgu_code, tax_year, parcel_id, parcel_code, deed_no, flags, reason_th,
                          reason_en, expected_tax, tax_assessed, tax_paid, gap, priority, lon, lat,
                          point)
    SELECT :lgu, :year, id, parcel_code, deed_no, flags,
           CASE flags[1]
             WHEN 'AREA_MISMATCH' THEN 'แจ้งเนื้อที่ ' || a1 || ' ตร.ว. แผนที่ ' || a2 || ' ตร.ว.'
             WHEN 'UNDERPAID' THEN 'ประเมิน ' || t1 || ' บาท ควรเป็น ' || t2 || ' บาท'
             WHEN 'UNREGISTERED' THEN 'ไม่มีในทะเบียนปี 2566'
             ELSE 'ค้างชำระ ' || t1 || ' บาท' END,
           CASE flags[1]
             WHEN 'AREA_MISMATCH' THEN 'Declared ' || a1 || ' sq wah, mapped ' || a2 || ' sq wah'
             WHEN 'UNDERPAID' THEN 'Assessed ' || t1 || ' baht, expected ' || t2 || ' baht'
             WHEN 'UNREGISTERED' THEN 'Not in the 2566 register'
             ELSE 'Arrears of ' || t1 || ' baht' END,
           t2, CASE WHEN flags[1] = 'UNREGISTERED' THEN NULL ELSE t1 END,
           CASE WHEN flags[1] = 'UNREGISTERED' THEN NULL ELSE t1 / 2 END,
           CASE WHEN flags[1] = 'UNREGISTERED' THEN t2 ELSE t2 - t1 / 2 END, 0,
           ST_X(ST_Transform(pt, 4326)), ST_Y(ST_Transform(pt, 4326)), pt
    FROM (SELECT id, parcel_code, deed_no, ST_PointOnSurface(geom) AS pt,
                 (CASE floor(random() * 6)::int
                    WHEN 0 THEN ARRAY['UNREGISTERED', 'UNDECLARED_BUILDING']
                    WHEN 1 THEN ARRAY['UNDERPAID', 'ARREARS']
                    WHEN 2 THEN ARRAY['UNDERPAID', 'AREA_MISMATCH']
                    WHEN 3 THEN ARRAY['UNDERPAID', 'USE_MISMATCH']
                    WHEN 4 THEN ARRAY['ARREARS']
                    ELSE ARRAY['UNREGISTERED'] END) AS flags,
                 (100 + floor(random() * 300))::int AS a1, (100 + floor(random() * 300))::int AS a2,
                 round((random() * 5000)::numeric, 2) AS t1,
                 round((5000 + random() * 20000)::numeric, 2) AS t2
          FROM parcels WHERE random() < 0.2) s
    """,
    """
    UPDATE findings f SET priority = r.rn FROM (
        SELECT id, row_number() OVER (ORDER BY gap DESC, parcel_code) AS rn FROM findings) r
    WHERE r.id = f.id
    """,
]


def build_town(engine: sa.Engine, n: int) -> None:
    side = round(n**0.5)
    params = {"lgu": LGU, "year": YEAR, "n": n, "side": side}
    with engine.begin() as conn:
        for sql in TOWN_SQL:
            conn.execute(sa.text(sql), params)
        conn.execute(sa.text("ANALYZE"))


def folium_baseline(engine: sa.Engine, path: Path) -> None:
    """The obvious way: every parcel in one GeoJson with a tooltip and a popup."""
    sql = """
        SELECT p.parcel_code, array_to_string(f.flags, ';') AS flags, f.reason_th, f.reason_en,
               f.gap, p.geom
        FROM parcels p LEFT JOIN findings f ON f.parcel_id = p.id
    """
    gdf = gpd.read_postgis(sql, engine, geom_col="geom").to_crs(4326)
    fields = ["parcel_code", "flags", "reason_th", "reason_en", "gap"]
    x0, y0, x1, y1 = gdf.total_bounds
    m = folium.Map(location=[(y0 + y1) / 2, (x0 + x1) / 2], zoom_start=14)
    folium.GeoJson(
        gdf, tooltip=folium.GeoJsonTooltip(fields=fields), popup=folium.GeoJsonPopup(fields=fields)
    ).add_to(m)
    m.save(str(path))


def first_render_ms(browser, path: Path, *, ready: str | None, runs: int) -> float:
    """Best time from navigation to the second animation frame after load."""
    leaflet_js = (STATIC / "leaflet.js").read_bytes()
    leaflet_css = (STATIC / "leaflet.css").read_bytes()

    def route(r) -> None:
        url = r.request.url
        if url.startswith("file:"):
            r.continue_()
        elif url.endswith("leaflet.js"):  # folium's CDN Leaflet, served from the vendored copy
            r.fulfill(status=200, body=leaflet_js, content_type="application/javascript")
        elif url.endswith("leaflet.css"):
            r.fulfill(status=200, body=leaflet_css, content_type="text/css")
        elif url.endswith((".js", ".css")):  # jQuery, Bootstrap, ... : empty, instantly
            ctype = "application/javascript" if url.endswith(".js") else "text/css"
            r.fulfill(status=200, body=b"", content_type=ctype)
        else:
            r.abort("internetdisconnected")

    times = []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.route("**/*", route)
        page = context.new_page()
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=300_000)
        if ready:
            page.wait_for_function(ready, timeout=300_000)
        times.append(
            page.evaluate(
                "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                "() => r(performance.now()))))"
            )
        )
        context.close()
    return min(times)


def central_package(report) -> Path:
    """The work package nearest the middle of town (a typical one, not an edge)."""
    centres = {
        p.map: pd.read_csv(p.csv, encoding="utf-8-sig")[["lon", "lat"]].mean()
        for p in report.packages
    }
    middle = pd.DataFrame(centres).T.mean()
    return min(centres, key=lambda m: float(((centres[m] - middle) ** 2).sum()))


def screenshot(browser, path: Path, out: Path) -> None:
    """A work package on a phone, one zoom step in, the popup of a stop in view open."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
    )
    page = context.new_page()
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.gisrev && window.gisrev.ready")
    page.evaluate(
        "() => { const m = window.gisrev.map; m.setZoom(m.getZoom() + 1, {animate: false}); }"
    )
    # The lowest-numbered stop in the lower half of the screen (its popup opens above it).
    nth = page.evaluate("""() => {
        const stops = [...document.querySelectorAll('.gr-stop')];
        let best = -1;
        stops.forEach((s, i) => {
            const r = s.getBoundingClientRect();
            const inView = r.left > 20 && r.right < innerWidth - 20 && r.top > innerHeight / 2
                && r.bottom < innerHeight - 40;
            if (inView && (best < 0 || +s.textContent < +stops[best].textContent)) best = i;
        });
        return best;
    }""")
    page.locator(".gr-stop").nth(max(nth, 0)).click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(out))
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--db", default=DEFAULT_DATABASE_URL, help="PostGIS server URL")
    parser.add_argument("--screenshot", type=Path, help="save a phone screenshot of a work package")
    parser.add_argument(
        "--keep", type=Path, help="write the maps here instead of a temporary folder"
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    name = f"gisrev_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(args.db, name)
    engine = make_engine(url)
    init_db(engine, srid=32647)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmpdir, sync_playwright() as pw:
            tmp = args.keep or Path(tmpdir)
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n in args.sizes:
                build_town(engine, n)
                out = Path(tmp) / f"town-{n}"
                t = time.perf_counter()
                report = make_maps(engine, out, year=YEAR, lgu_code=LGU)
                ours_build = time.perf_counter() - t
                base = Path(tmp) / f"folium-{n}.html"
                t = time.perf_counter()
                folium_baseline(engine, base)
                base_build = time.perf_counter() - t
                ours_ms = first_render_ms(
                    browser,
                    report.overview,
                    ready="window.gisrev && window.gisrev.ready",
                    runs=args.runs,
                )
                base_ms = first_render_ms(browser, base, ready=None, runs=args.runs)
                pkg_sizes = [p.map.stat().st_size for p in report.packages]
                rows.append(
                    (
                        n,
                        report,
                        ours_build,
                        ours_ms,
                        base.stat().st_size,
                        base_build,
                        base_ms,
                        pkg_sizes,
                    )
                )
                print(
                    f"{n:>7} parcels, {report.n_drawn} flagged, {len(report.packages)} packages\n"
                    f"  gisrev  overview {report.overview_bytes / 1e6:6.2f} MB  first render "
                    f"{ours_ms / 1000:6.2f} s  (make_maps incl. packages {ours_build:.1f} s)\n"
                    f"  folium  GeoJson  {base.stat().st_size / 1e6:6.2f} MB  first render "
                    f"{base_ms / 1000:6.2f} s  (build {base_build:.1f} s)\n"
                    f"  ratio   size {base.stat().st_size / report.overview_bytes:5.1f}x smaller, "
                    f"render {base_ms / ours_ms:5.1f}x faster\n"
                    f"  work package files: max {max(pkg_sizes) / 1e3:.0f} kB, "
                    f"median {statistics.median(pkg_sizes) / 1e3:.0f} kB",
                    flush=True,
                )
                if args.screenshot and n == args.sizes[0]:
                    screenshot(browser, central_package(report), args.screenshot)
                    print(f"  screenshot: {args.screenshot}")
            browser.close()
    finally:
        engine.dispose()
        drop_database(args.db, name)


if __name__ == "__main__":
    main()
