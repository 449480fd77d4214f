"""Benchmark the register loader (streamed, column-wise) against the per-row loader it replaced.

Generates registers like ``data/sample-town/register_2567.csv`` (cp874, Thai LTAX
headers, thousands separators, BE years and dates, rai/ngan/wah, about 0.2 % bad rows
that must be rejected) in a temporary folder, and loads each one into a throw-away
database with:

    gisrev     ``gisrev.load.load_register`` as it is now
    per-row    the loader as it was before streaming (commit ``BASELINE_COMMIT``, read
               with ``git show``): every row parsed in Python, all rows held in memory,
               then one row-wise binary COPY
    pandas     the obvious way: ``pandas.read_csv`` + ``DataFrame.to_sql``, which checks
               and normalises nothing (a floor for "just move the text", not like for like)

Each load runs in its own process, so the peak resident memory (``VmHWM`` of that
process, Linux) is its own; the figure before the load (interpreter and imports) is
printed beside it. After the per-row and gisrev loads of the same file the
script checks that both wrote the same rows and the same rejects.

    .venv/bin/python bench/register.py [--sizes 200000,1000000] [--baseline-sizes 200000]
                                       [--db URL] [--keep-files DIR]
    .venv/bin/python bench/register.py --check 3000   # fuzzed rows: column-wise == per-row
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from gisrev.config import DEFAULT_DATABASE_URL, Settings
from gisrev.db import init_db, make_engine
from gisrev.db.engine import create_database, drop_database

# The fuzzer and the fast-path check are test code (tests/test_register_fastpath.py runs
# them); --check runs the same check on more rows.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fuzz_register import HEADERS, check_fast_path

#: The last commit of the per-row register loader (``gisrev/load/register.py``).
BASELINE_COMMIT = "d1fbbac3875679b47349973192707243b86a063e"
#: Columns compared between the per-row and the streamed loads (all but ids and run).
COMPARED = (
    "tax_year, account_id, parcel_code, parcel_code_norm, deed_no, owner_name, owner_id, "
    "owner_type, declared_use, declared_area_sqwah, land_value, building_value, exemption, "
    "tax_assessed, tax_paid, paid_date, holding, unit_no, share, map_sheet, land_no, deed_type, "
    "attrs, source_row"
)
_NAMES = ["นายสุเทพ คำแสน", "นางคำปัน ปินตา", "นางสาวดวงใจ ทิพย์มณี", "บริษัท ดอยคำ จำกัด"]
_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def generate(path: Path, n: int, *, seed: int = 1) -> Path:
    """Write an ``n``-row register CSV in cp874 with Thai headers, like the sample town's."""
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    code = np.char.add(np.char.add("MH", np.char.zfill(i.astype(str), 6)), "-01")
    spaced = rng.random(n) < 0.05  # "MH 000123 01", as some exports write it
    code = np.where(spaced, np.char.replace(code, "-", " "), code)
    deed = (10_000 + i).astype(str)
    thai = rng.random(n) < 0.02
    deed = np.where(thai, [d.translate(_THAI) for d in deed], deed)

    def money(values: np.ndarray) -> list[str]:
        return [f"{v:,.2f}" for v in values]

    land = rng.uniform(1e5, 5e7, n)
    frame = pd.DataFrame(
        {
            "code": code,
            "deed": deed,
            "year": np.where(rng.random(n) < 0.01, "๒๕๖๗", "2567"),
            "account": np.char.add("AC", np.char.zfill(i.astype(str), 7)),
            "name": rng.choice(_NAMES, n),
            "owner_id": rng.integers(10**12, 10**13, n).astype(str),
            "owner_type": rng.choice(["บุคคลธรรมดา", "นิติบุคคล", ""], n, p=[0.8, 0.15, 0.05]),
            "use": rng.choice(["ที่อยู่อาศัย", "อื่นๆ", "เกษตรกรรม", "ว่างเปล่า"], n),
            "rai": rng.integers(0, 5, n).astype(str),
            "ngan": rng.integers(0, 4, n).astype(str),
            "wah": np.round(rng.uniform(0, 99, n), 1).astype(str),
            "land": money(land),
            "building": money(rng.uniform(0, 5e6, n)),
            "exemption": np.where(rng.random(n) < 0.3, "50,000,000.00", "0.00"),
            "assessed": money(land * 0.0002),
            "paid": money(land * 0.0002 * (rng.random(n) < 0.9)),
            "date": [
                f"{d:02d}/{m:02d}/2567"
                for d, m in zip(rng.integers(1, 29, n), rng.integers(1, 6, n), strict=True)
            ],
        }
    )
    bad = rng.random(n) < 0.002  # a year typed wrong, or a short owner id: rejected rows
    frame.loc[bad & (i % 2 == 0), "year"] = "25x7"
    frame.loc[bad & (i % 2 == 1), "owner_id"] = "12345"
    frame.columns = HEADERS
    frame.to_csv(path, index=False, encoding="cp874")
    return path


def child(mode: str, path: str, url: str, lgu: str) -> None:
    """Run one load in this process and print what it did as one JSON line."""
    engine = make_engine(url)
    settings = Settings(lgu_code=lgu)
    if mode == "gisrev":
        from gisrev.load import load_register as load
    elif mode == "per-row":
        load = _baseline_loader()
    before_mb = _peak_rss_mb()
    started = time.perf_counter()
    if mode == "pandas":
        frame = pd.read_csv(path, encoding="cp874", dtype=str, keep_default_na=False)
        frame.to_sql("bench_register_pandas", engine, if_exists="replace", index=False)
        loaded, rejected = len(frame), 0
    else:
        report = load(engine, path, settings=settings)
        loaded, rejected = report.n_loaded, report.n_rejected
    took = time.perf_counter() - started
    result = {"s": took, "loaded": loaded, "rejected": rejected}
    print(json.dumps({**result, "before_mb": before_mb, "peak_mb": _peak_rss_mb()}))


def _peak_rss_mb() -> float:
    """Return this process's peak resident memory so far (VmHWM), in MB."""
    for text in Path("/proc/self/status").read_text().splitlines():
        if text.startswith("VmHWM:"):
            return int(text.split()[1]) / 1024
    msg = "no VmHWM in /proc/self/status (the memory figures need Linux)"
    raise RuntimeError(msg)


def _baseline_loader() -> Any:
    """Import the per-row loader of ``BASELINE_COMMIT`` from git and return its load_register."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(
        ["git", "show", f"{BASELINE_COMMIT}:gisrev/load/register.py"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="gisrev-bench-baseline-"))
    module_path = folder / "register_per_row.py"
    module_path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("register_per_row", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_register


def run(mode: str, path: Path, url: str, lgu: str) -> dict[str, Any]:
    """Run one load in a child process of its own (its memory figures are its own)."""
    argv = [sys.executable, __file__, "--child", mode, str(path), url, lgu]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        msg = f"{mode} load of {path.name} failed (exit {proc.returncode})"
        raise RuntimeError(msg)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def same_rows(engine: sa.Engine, a: str, b: str) -> tuple[int, int]:
    """Return the rows of lgu ``a`` not in ``b`` and of ``b`` not in ``a`` (both 0: the same)."""
    query = sa.text(
        f"SELECT count(*) FROM (SELECT {COMPARED} FROM register WHERE lgu_code = :x "
        f"EXCEPT ALL SELECT {COMPARED} FROM register WHERE lgu_code = :y) d"
    )
    rejects = sa.text(
        "SELECT count(*) FROM (SELECT row_no, field, value, reason FROM rejects "
        "WHERE lgu_code = :x EXCEPT ALL "
        "SELECT row_no, field, value, reason FROM rejects WHERE lgu_code = :y) d"
    )
    with engine.connect() as conn:
        rows = [
            int(conn.execute(query, {"x": x, "y": y}).scalar_one()) for x, y in ((a, b), (b, a))
        ]
        rows[0] += int(conn.execute(rejects, {"x": a, "y": b}).scalar_one())
        rows[1] += int(conn.execute(rejects, {"x": b, "y": a}).scalar_one())
    return rows[0], rows[1]


def line(label: str, n: int, r: dict[str, Any]) -> str:
    """Format one load's figures."""
    return (
        f"  {label:<8}{n:>10,} rows: {r['s']:7.2f} s {n / r['s']:>9,.0f} rows/s  peak RSS "
        f"{r['peak_mb']:6.0f} MB (before the load {r['before_mb']:4.0f} MB)  "
        f"loaded {r['loaded']:,}, rejected {r['rejected']:,}"
    )


def main() -> None:
    """Generate the registers, load them every way, print the figures and ratios."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,1000000")
    parser.add_argument(
        "--baseline-sizes", default="200000", help="sizes at which the baselines run too"
    )
    parser.add_argument("--db", default=os.environ.get("GISREV_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--keep-files", type=Path, help="generate into this folder and keep it")
    parser.add_argument(
        "--check",
        type=int,
        metavar="ROWS",
        help="only compare the column-wise and per-row "
        "parsers on ROWS fuzzed rows (10 seeds, with and without --year), no database",
    )
    args = parser.parse_args()
    if args.check:
        check_fast_path(args.check)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    baseline_sizes = {int(s) for s in args.baseline_sizes.split(",") if s}

    name = f"gisrev_bench_register_{uuid.uuid4().hex[:8]}"
    url = create_database(args.db, name)
    engine = make_engine(url)
    tmp = tempfile.TemporaryDirectory(prefix="gisrev-bench-")
    folder = args.keep_files or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        init_db(engine, srid=32647)
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
        for n in sizes:
            path = folder / f"register_{n}.csv"
            if not path.exists():
                started = time.perf_counter()
                generate(path, n)
                took = time.perf_counter() - started
                print(f"generated {n:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {took:.1f} s")
            results = {"gisrev": run("gisrev", path, url, f"new{n}")}
            print(line("gisrev", n, results["gisrev"]))
            if n not in baseline_sizes:
                continue
            for mode in ("per-row", "pandas"):
                results[mode] = run(mode, path, url, f"old{n}")
                print(line(mode, n, results[mode]))
            new = results["gisrev"]
            for mode in ("per-row", "pandas"):
                base = results[mode]
                print(
                    f"  gisrev vs {mode:<8}: {base['s'] / new['s']:5.1f}x the rows/s, peak RSS "
                    f"{new['peak_mb'] - new['before_mb']:.0f} MB vs "
                    f"{base['peak_mb'] - base['before_mb']:.0f} MB above the interpreter"
                )
            missing, extra = same_rows(engine, f"old{n}", f"new{n}")
            verdict = "same rows and rejects" if missing == extra == 0 else "DIFFERENT"
            print(f"  per-row vs gisrev: {verdict} ({missing} only per-row, {extra} only gisrev)")
        print(f"load average {os.getloadavg()[0]:.2f}")
    finally:
        engine.dispose()
        drop_database(args.db, name)
        tmp.cleanup()


if __name__ == "__main__":
    main()
