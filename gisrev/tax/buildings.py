"""Building values: floor area × Treasury price per m² × (1 − depreciation).

The prices (``tables/building_prices.csv``, baht per m² by province and building type code) and
the depreciation by structure and age (``tables/depreciation.csv``) are data rows citing their
sources; :func:`building_value` values one building, :func:`building_values` a frame of them.

Examples
--------
>>> building_value(300, "105", "masonry", 12, province="10")
2205900.0
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from gisrev.errors import InputError, TaxRuleError, where
from gisrev.tax._checks import category_codes, first_bad
from gisrev.tax.rules import TABLES_DIR, table_number, table_rows

__all__ = ["DEFAULT_PROVINCE", "STRUCTURES", "building_value", "building_values"]

DEFAULT_PROVINCE = "50"  # Chiang Mai: the default column of building_prices.csv
STRUCTURES = ("masonry", "half", "wood")


@dataclasses.dataclass(frozen=True)
class _BuildingTables:
    prices: dict[str, dict[str, float]]  # province -> code -> baht per m2
    depreciation: np.ndarray  # [structure, age] -> percent deducted; last column holds the cap


@functools.cache
def _building_tables(directory: Path) -> _BuildingTables:
    prices: dict[str, dict[str, float]] = {}
    path = directory / "building_prices.csv"
    for n, r in table_rows(path):
        prices.setdefault(r["province"], {})[r["code"]] = table_number(
            path, n, r, "price_baht_per_m2"
        )
    by_structure: dict[str, dict[int, float]] = {s: {0: 0.0} for s in STRUCTURES}
    path = directory / "depreciation.csv"
    for n, r in table_rows(path):
        if r["structure"] not in by_structure:
            msg = (
                f"{where(path, row=n, field='structure')}: expected one of {', '.join(STRUCTURES)}"
            )
            raise TaxRuleError(msg)
        by_structure[r["structure"]][int(table_number(path, n, r, "age_years"))] = table_number(
            path, n, r, "percent"
        )
    width = max(max(ages) for ages in by_structure.values()) + 1
    table = np.zeros((len(STRUCTURES), width))
    for i, structure in enumerate(STRUCTURES):
        ages = by_structure[structure]
        if sorted(ages) != list(range(len(ages))):
            msg = f"{path}: ages of {structure!r} must run 1, 2, 3, ... without gaps"
            raise TaxRuleError(msg)
        values = [ages[a] for a in range(len(ages))]
        table[i] = values + [values[-1]] * (width - len(values))  # past the table: the cap
    return _BuildingTables(prices, table)


def building_value(
    floor_area_m2: float,
    building_type: str | int,
    structure: str,
    age_years: int,
    *,
    province: str = DEFAULT_PROVINCE,
) -> float:
    """Estimate a building's value: floor area × Treasury price per m² × (1 − depreciation).

    Parameters
    ----------
    floor_area_m2
        Total floor area (footprint × floors), m².
    building_type
        Treasury building type code, e.g. ``"105"`` or ``"520/1"``.
    structure
        ``"masonry"``, ``"half"`` (half masonry, half wood) or ``"wood"``.
    age_years
        Whole years since completion; gisrev uses tax year − year built (UNVERIFIED, THAI_LBT §2.3).
    province
        Changwat code of the price column (default ``"50"``, Chiang Mai; ``"10"`` is Bangkok).

    Returns
    -------
    float
        Value in baht after depreciation, rounded to 0.01.

    Examples
    --------
    >>> building_value(300, "105", "masonry", 12, province="10")
    2205900.0
    """
    frame = pd.DataFrame(
        {
            "floor_area_m2": [floor_area_m2],
            "building_type": [str(building_type)],
            "structure": [structure],
            "age_years": [age_years],
        }
    )
    value = _building_values(frame, province=province, errors="raise", context="building_value")
    return float(value.iloc[0])


def building_values(
    frame: pd.DataFrame,
    *,
    province: str = DEFAULT_PROVINCE,
    errors: Literal["raise", "coerce"] = "raise",
) -> pd.Series:
    """Vectorised :func:`building_value` over a frame.

    Parameters
    ----------
    frame
        Columns ``floor_area_m2``, ``building_type``, ``structure``, ``age_years``.
    province
        Changwat code of the price column (default ``"50"``, Chiang Mai).
    errors
        ``"raise"``: a row that cannot be valued (a type code without a price, an unknown
        structure, a negative or missing area or age) raises an error naming it; ``"coerce"``:
        such rows get NaN, as in :func:`pandas.to_numeric`.

    Returns
    -------
    pandas.Series
        Baht after depreciation, rounded to 0.01, on the frame's index.
    """
    return _building_values(frame, province=province, errors=errors, context="building_values")


def _building_values(
    frame: pd.DataFrame, *, province: str, errors: Literal["raise", "coerce"], context: str
) -> pd.Series:
    tables = _building_tables(TABLES_DIR)
    if province not in tables.prices:
        msg = (
            f"{context}: no building prices for province {province!r}; "
            f"tables have {', '.join(sorted(tables.prices))}"
        )
        raise TaxRuleError(msg)
    if errors not in ("raise", "coerce"):
        msg = f"{context}: errors={errors!r}; expected 'raise' or 'coerce'"
        raise ValueError(msg)
    prices = tables.prices[province]
    codes = frame["building_type"]
    if pd.api.types.is_numeric_dtype(codes):  # 105.0 is code '105'; 105.5 is no code
        numbers = codes.astype("float64")
        codes = numbers.where(np.isfinite(numbers) & (numbers == np.floor(numbers))).astype("Int64")
    area = pd.to_numeric(frame["floor_area_m2"], errors="coerce").to_numpy(dtype="float64")
    price = codes.astype(str).map(prices).to_numpy(dtype="float64", na_value=np.nan)
    structure = category_codes(frame["structure"], STRUCTURES)
    age = pd.to_numeric(frame["age_years"], errors="coerce").to_numpy(dtype="float64")
    checks = [
        (~(area >= 0), "floor_area_m2", "expected a floor area of 0 m² or more", InputError),
        (
            np.isnan(price),
            "building_type",
            f"expected a type code priced for province {province} ({', '.join(prices)})",
            TaxRuleError,
        ),
        (structure < 0, "structure", f"expected one of {', '.join(STRUCTURES)}", InputError),
        (~(age >= 0), "age_years", "expected an age of 0 years or more", InputError),
    ]
    invalid = np.zeros(len(frame), dtype=bool)
    for bad, field, expected, error in checks:
        if errors == "raise":
            first_bad(frame, bad, field, expected, error, context=context)
        invalid |= bad
    ages = np.where(invalid, 0, np.minimum(age, tables.depreciation.shape[1] - 1))
    percent = tables.depreciation[np.where(invalid, 0, structure), ages.astype(np.int64)]
    value = area * price * ((100.0 - percent) / 100.0)
    value = np.where(invalid, np.nan, np.floor(value * 100.0 + 0.5) / 100.0)
    return pd.Series(value, index=frame.index, name="building_value", dtype="float64")
