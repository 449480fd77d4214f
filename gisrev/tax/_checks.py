"""Input checks shared by the Thai engines and building values; each message names the field.

The step-by-step explainer checks one property at a time, the vectorised engine and
:func:`~gisrev.tax.buildings.building_values` whole columns, naming the first offending row by
its index label; both word their messages the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from gisrev.errors import InputError, TaxRuleError
from gisrev.tax.rules import Tables, UseRule, Year
from gisrev.vocab import OWNER_TYPES

__all__ = [
    "MIXED",
    "category_codes",
    "check_amount",
    "check_owner",
    "check_parts",
    "check_use",
    "check_vacant_years",
    "check_year",
    "first_bad",
    "row_label",
    "years_text",
]

MIXED = "mixed"
_SHARE_TOLERANCE = 1e-6


# ---------------------------------------------------------------------------------------------
# One property


def check_year(tables: Tables, tax_year: int) -> Year:
    """Return the tables' entry for a CE tax year, or refuse a year they do not cover."""
    try:
        info = tables.years.get(int(tax_year)) if float(tax_year).is_integer() else None
    except (TypeError, ValueError):
        info = None
    if info is None:
        expected = years_text(tables.supported_years)
        msg = f"tax year {tax_year} is not supported; expected one of {expected}"
        raise TaxRuleError(msg)
    return info


def check_use(tables: Tables, use: str) -> UseRule:
    """Return the tables' entry for a use, or refuse an unknown one."""
    spec = tables.uses.get(use)
    if spec is None:
        msg = f"unknown use {use!r}; expected one of {', '.join((*tables.uses, MIXED))}"
        raise TaxRuleError(msg)
    return spec


def check_owner(owner_type: str) -> None:
    """Refuse an owner type other than ``individual`` or ``juristic``."""
    if owner_type not in OWNER_TYPES:
        msg = f"unknown owner type {owner_type!r}; expected one of {', '.join(OWNER_TYPES)}"
        raise TaxRuleError(msg)


def check_amount(value: float, field: str) -> float:
    """Return an amount in baht as a float, refusing a negative or non-finite one."""
    amount = float(value)
    if not math.isfinite(amount) or amount < 0:
        msg = f"field {field!r}: got {value!r}; expected an amount of 0 baht or more"
        raise InputError(msg)
    return amount


def check_vacant_years(value: int) -> int:
    """Return the years vacant as an int, refusing a negative or fractional count."""
    if isinstance(value, bool) or not float(value).is_integer() or value < 0:
        msg = f"field 'vacant_years': got {value!r}; expected a whole number of years, 0 or more"
        raise InputError(msg)
    return int(value)


def check_parts(parts: Any, uses: tuple[str, ...], *, context: str) -> list[tuple[str, float]]:
    """Return a mixed use's parts as (use, share) pairs, refusing shares that do not sum to 1."""
    if not isinstance(parts, Mapping) or not parts:
        msg = (
            f"{context}: expected parts as a mapping use -> share, "
            "e.g. {'other': 0.25, 'residential-primary': 0.75}"
        )
        raise TaxRuleError(msg)
    out: list[tuple[str, float]] = []
    for use, share in parts.items():
        if use not in uses:
            msg = f"{context}: unknown part use {use!r}; expected one of {', '.join(uses)}"
            raise TaxRuleError(msg)
        share = float(share)
        if not 0.0 <= share <= 1.0:
            msg = f"{context}: share of {use!r} is {share}; expected a share between 0 and 1"
            raise TaxRuleError(msg)
        out.append((use, share))
    total = sum(share for _, share in out)
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        msg = f"{context}: shares sum to {total:g}; expected 1"
        raise TaxRuleError(msg)
    return out


def years_text(years: tuple[int, ...]) -> str:
    """List supported tax years for a message, saying they are CE."""
    return ", ".join(str(y) for y in years) + " (CE; 2566 BE = 2023 CE)"


# ---------------------------------------------------------------------------------------------
# Columns of a frame


def first_bad(
    frame: pd.DataFrame,
    bad: np.ndarray,
    field: str,
    expected: str,
    error: type[Exception],
    *,
    context: str = "compute_many",
) -> None:
    """Raise ``error`` naming the first row where ``bad`` is true, its value and the count."""
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        value = frame[field].iloc[pos]
        value = value.item() if isinstance(value, np.generic) else value
        label = row_label(frame, pos)
        msg = f"{context}: row {label!r}, field {field!r}: got {value!r}; {expected}"
        if bad.sum() > 1:
            msg += f" ({int(bad.sum())} rows like this)"
        raise error(msg)


def category_codes(
    values: pd.Series, categories: Sequence[str], *, missing: int = -1
) -> np.ndarray:
    """Position of each value in ``categories``; -1 for anything else, ``missing`` for NA."""
    codes, uniques = pd.factorize(values)  # fast on Arrow strings; codes -1 for NA
    lookup = np.append(pd.Index(list(categories)).get_indexer(uniques), missing)
    return lookup[codes].astype(np.int64)


def row_label(frame: pd.DataFrame, pos: int) -> Any:
    """Return the index label of a row as a plain Python value, for messages."""
    label = frame.index[pos]
    return label.item() if isinstance(label, np.generic) else label
