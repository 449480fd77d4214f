"""Benchmark: tax for 1M properties with ``compute_many`` vs a per-row ``compute`` loop.

The per-row baseline runs on a sample (it is slow) in the same run; both are reported as rows/s
and the ratio. The vectorised result is checked against the per-row one on that sample.

    .venv/bin/python bench/tax.py [--rows 1000000] [--sample 20000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from gisrev.tax import Property, get_regime


def synthetic(n: int, *, seed: int = 2566) -> pd.DataFrame:
    """Properties like a province: mostly homes and farms, some shops, vacant land, 1 % mixed."""
    rng = np.random.default_rng(seed)
    uses = np.array(
        [
            "agriculture",
            "residential-primary",
            "residential-primary-building",
            "residential-other",
            "other",
            "vacant",
            "mixed",
        ]
    )
    use = rng.choice(uses, size=n, p=[0.25, 0.35, 0.05, 0.12, 0.12, 0.10, 0.01])
    frame = pd.DataFrame(
        {
            "tax_year": rng.integers(2020, 2027, size=n),
            "use": use,
            "land_value": np.round(rng.lognormal(np.log(3e6), 1.3, size=n), 2),
            "building_value": np.where(
                rng.random(n) < 0.6, np.round(rng.lognormal(np.log(1.5e6), 1.0, n), 2), 0.0
            ),
            "owner_type": np.where(rng.random(n) < 0.9, "individual", "juristic"),
            "vacant_years": np.where(use == "vacant", rng.integers(0, 12, size=n), 0),
        }
    )
    parts = np.full(n, None, dtype=object)
    for i in np.flatnonzero(use == "mixed"):
        parts[i] = {"other": 0.25, "residential-primary": 0.75}
    frame["parts"] = parts
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args()
    regime = get_regime("thai")
    frame = synthetic(args.rows)

    start = time.perf_counter()
    taxes = regime.compute_many(frame)
    vector_s = time.perf_counter() - start

    sample = frame.iloc[: args.sample]
    records = sample.to_dict("records")
    start = time.perf_counter()
    loop = [regime.compute(Property(**r)).tax for r in records]
    loop_s = time.perf_counter() - start

    assert taxes.iloc[: args.sample].tolist() == loop, "compute_many disagrees with compute"
    vector_rate = args.rows / vector_s
    loop_rate = args.sample / loop_s
    print(
        f"compute_many: {args.rows:,} rows in {vector_s:.2f} s = {vector_rate:,.0f} rows/s "
        f"(total tax {taxes.sum():,.2f} baht)"
    )
    print(f"compute loop: {args.sample:,} rows in {loop_s:.2f} s = {loop_rate:,.0f} rows/s")
    print(f"ratio: compute_many is {vector_rate / loop_rate:,.0f}x the per-row loop")


if __name__ == "__main__":
    main()
