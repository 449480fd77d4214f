"""Benchmark: `gisrev.what_if` scenarios on a generated town vs taxing each parcel in a loop.

A sample town is generated, loaded into a throw-away database and analysed for 2566 BE. Then
``what_if(2566, scenarios=...)`` (six scenarios plus the current rules, ``compute_many`` per
scenario) is timed, best of three, against the obvious way in the same run: one
``regime.compute(Property(...))`` per parcel part and scenario, summed in Python. Both must
give the same totals; the run checks it and that ``current`` equals the analysed expected tax
of every parcel (the sum of ``parcel_evidence.expected_tax``).

    .venv/bin/python bench/whatif.py [--parcels 20000] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from analyze import _load_town  # the sibling bench script

import gisrev
from gisrev.analyze import run_analysis
from gisrev.analyze.whatif import parcel_evidence, tax_rows
from gisrev.config import DEFAULT_DATABASE_URL, load_settings
from gisrev.db import make_engine
from gisrev.db.engine import create_database, drop_database
from gisrev.tax import Property, get_regime

SCENARIOS = {
    "commercial +20%": {"rate_factor": {"other": 1.2}},
    "commercial -20%": {"rate_factor": {"other": 0.8}},
    "residential +50%": {"rate_factor": {"residential": 1.5}},
    "vacant land 1%": {"rates_percent": {"vacant": [(None, 1.0)]}},
    "decree: 50% off": {"reduction_percent": 50},
    "no reduction": {"reduction_percent": 0},
}


def best_of(n: int, fn):  # type: ignore[no-untyped-def]
    """Return the fastest of ``n`` runs (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def loop_baseline(engine: sa.Engine, lgu: str) -> dict[str, float]:
    """Expected tax per scenario, one ``compute`` call per parcel part."""
    base = get_regime("thai")
    regimes = {"current": base} | {k: base.with_changes(**v) for k, v in SCENARIOS.items()}
    with engine.connect() as conn:
        rows = tax_rows(parcel_evidence(conn, 2023, lgu_code=lgu), 2023)
    out = {}
    for name, regime in regimes.items():
        per_parcel: dict[int, float] = {}
        for r in rows.itertuples(index=False):
            tax = regime.compute(Property(2023, r.use, r.land_value, r.building_value,
                                          r.owner_type)).tax
            per_parcel[r.parcel_id] = per_parcel.get(r.parcel_id, 0.0) + tax
        out[name] = round(sum(round(v, 2) for v in per_parcel.values()), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=20_000)
    parser.add_argument("--db", default=os.environ.get("GISREV_DATABASE_URL", DEFAULT_DATABASE_URL))
    args = parser.parse_args()
    np.seterr(all="ignore")
    from gisrev.sample import generate_town

    folder = Path(tempfile.mkdtemp(prefix="gisrev_bench_whatif_"))  # left for inspection
    generate_town(folder, parcels=args.parcels, seed=2566, vector_format="gpkg",
                  register_format="csv")
    name = f"gisrev_bench_whatif_{uuid.uuid4().hex[:8]}"
    url = create_database(args.db, name)
    engine = make_engine(url)
    try:
        _load_town(url, folder)
        settings = load_settings(folder / "gisrev.toml", env={})
        report = run_analysis(engine, year=2566, settings=settings)
        lgu = settings.lgu_code
        print(f"== {args.parcels:,} parcels, {report.n_findings:,} findings "
              f"(analysis {report.duration_s:.1f} s)")

        with engine.connect() as conn:
            read, _ = best_of(3, lambda: parcel_evidence(conn, 2023, lgu_code=lgu))
        fast, df = best_of(3, lambda: gisrev.what_if(2566, scenarios=SCENARIOS, engine=engine,
                                                     lgu_code=lgu))
        slow, loop = best_of(1, lambda: loop_baseline(engine, lgu))
        totals = dict(zip(df["scenario"], df["expected_tax"], strict=True))
        assert totals == loop, (totals, loop)
        with engine.connect() as conn:
            analysed = float(conn.execute(sa.text(
                "SELECT round(sum(expected_tax)::numeric, 2) FROM parcel_evidence"
                " WHERE lgu_code = :lgu AND tax_year = 2023"), {"lgu": lgu}).scalar_one())
        assert totals["current"] == analysed, (totals["current"], analysed)
        print(df.to_string(index=False))
        print(f"what_if, {len(SCENARIOS)} scenarios + current, compute_many: {fast:.3f} s")
        print(f"  of which reading every parcel's evidence (parcel_evidence):           "
              f"{read:.3f} s")
        print(f"loop of regime.compute per parcel part and scenario:    {slow:.3f} s "
              f"-> loop / what_if = {slow / fast:.1f}x")
        print(f"taxing alone (minus the evidence read): compute_many {fast - read:.3f} s, "
              f"loop {slow - read:.3f} s -> {(slow - read) / max(fast - read, 1e-9):.1f}x")
        print(f"current rules equal the analysed expected tax: {analysed:,.2f} baht")
    finally:
        engine.dispose()
        drop_database(args.db, name)


if __name__ == "__main__":
    main()
