"""Benchmark: gisrev.explore's first render in a browser, by town size.

For each size a sample town is generated (gisrev.sample), loaded into a throw-away database
and analysed for 2566 BE, as bench/analyze.py does. Then ``explore_map`` is built and saved,
and the page is opened in headless Chromium (network blocked, the flags of the tests); "first
render" is ``performance.now()`` two animation frames after the map says it is ready, the
best of ``--runs``, the way bench/map.py measures the survey map. Towns above
``gisrev.outputs.explore.DETAIL_LIMIT`` parcels are drawn twice: as explore() draws them
(zones and the top parcels by gap) and with every layer, the figure the limit comes from.

    .venv/bin/python bench/explore.py [--parcels 1500 30000 100000] [--db URL] [--keep DIR]
    .venv/bin/python bench/explore.py --parcels 1500 --screenshot docs/explore.png

Target (issue 17): at most 2 s at town scale (30k parcels).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from analyze import _load_town  # the sibling bench script

from gisrev.analyze import run_analysis
from gisrev.config import DEFAULT_DATABASE_URL, load_settings
from gisrev.db import make_engine
from gisrev.db.engine import create_database, drop_database
from gisrev.outputs.explore import DETAIL_LIMIT, explore_map

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS

READY = "document.querySelector('.gisrev-explore[data-gisrev-ready]')"
TARGET_S = 2.0


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "uptime unavailable"


def first_render_ms(browser, path: Path, *, runs: int) -> tuple[float, dict]:
    """Best time from navigation to two frames after the map is ready, and what it drew."""
    times, drawn = [], {}
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                      else r.abort("internetdisconnected"))
        page = context.new_page()
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=300_000)
        page.wait_for_function(READY, timeout=300_000)
        times.append(page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
            "() => r(performance.now()))))"
        ))
        drawn = page.evaluate("() => window.gisrevExplore.maps[0].counts")
        context.close()
    return min(times), drawn


def screenshot(browser, path: Path, out: Path) -> None:
    """The whole town, then a popup open on the parcel with the largest gap."""
    context = browser.new_context(viewport={"width": 1000, "height": 640})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                  else r.abort())
    page = context.new_page()
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(READY)
    page.evaluate("() => { const s = window.gisrevExplore.maps[0]; s.openParcel(s.codes[0]); }")
    page.wait_for_timeout(300)
    page.screenshot(path=str(out))
    context.close()


def bench_one(n: int, server_url: str, keep: Path | None, browser, runs: int,
              shot: Path | None) -> None:
    from gisrev.sample import generate_town

    folder = keep / f"town_{n}" if keep else Path(tempfile.mkdtemp(prefix=f"gisrev_explore_{n}_"))
    if not (folder / "ground_truth.csv").exists():
        generate_town(folder, parcels=n, seed=2566, vector_format="gpkg", register_format="csv")
    name = f"gisrev_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    try:
        _load_town(url, folder)
        engine = make_engine(url)
        settings = load_settings(folder / "gisrev.toml", env={})
        run_analysis(engine, year=2566, settings=settings)
        print(f"\n== {n:,} parcels   before: {uptime()}", flush=True)
        out = Path(tempfile.mkdtemp(prefix="gisrev_explore_html_"))
        variants = [("explore()", DETAIL_LIMIT)]
        if n > DETAIL_LIMIT:
            variants.append(("every layer", n))
        for label, limit in variants:
            t = time.perf_counter()
            with engine.connect() as conn:
                fmap = explore_map(conn, 2023, lgu_code=settings.lgu_code, detail_limit=limit)
            path = out / f"explore-{n}-{limit}.html"
            fmap.save(str(path))
            build = time.perf_counter() - t
            ms, drawn = first_render_ms(browser, path, runs=runs)
            verdict = ""
            if n <= DETAIL_LIMIT or label == "explore()":
                verdict = "  OK" if ms / 1000 <= TARGET_S else f"  over {TARGET_S:.0f} s"
            print(f"  {label:<12} {path.stat().st_size / 1e6:6.2f} MB  build {build:5.2f} s  "
                  f"first render {ms / 1000:5.2f} s{verdict}  (zones {drawn['zones']}, "
                  f"parcels {drawn['parcels']})", flush=True)
            if shot is not None:
                screenshot(browser, path, shot)
                print(f"  screenshot: {shot}")
                shot = None
        print(f"   after: {uptime()}")
        engine.dispose()
        shutil.rmtree(out, ignore_errors=True)
    finally:
        drop_database(server_url, name)
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, nargs="+", default=[1_500, 30_000, 100_000])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--db", default=os.environ.get("GISREV_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the generated towns here")
    parser.add_argument("--screenshot", type=Path, help="save a screenshot of the first town")
    args = parser.parse_args()
    np.seterr(all="ignore")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        shot = args.screenshot
        for n in args.parcels:
            bench_one(n, args.db, args.keep, browser, args.runs, shot)
            shot = None
        browser.close()


if __name__ == "__main__":
    main()
