"""How the report writes money and codes: whole baht with separators, Thai and English labels."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

#: The label of a missing code (a finding without a use, say), Thai and English.
NOT_STATED = ("ไม่ระบุ", "not stated")


def baht(value: float) -> str:
    """Return an amount in whole baht with thousands separators.

    Examples
    --------
    >>> baht(7900.4)
    '7,900'
    """
    return f"{value:,.0f}"


def label(table: dict[str, tuple[str, str]], key: Any) -> tuple[str, str]:
    """Return the (Thai, English) label of a code; a missing code is "not stated".

    Examples
    --------
    >>> label({"vacant": ("ที่ว่าง", "vacant")}, None)
    ('ไม่ระบุ', 'not stated')
    >>> label({}, "shop")
    ('shop', 'shop')
    """
    if key is None or (isinstance(key, float) and math.isnan(key)) or key is pd.NA:
        return NOT_STATED
    return table.get(str(key), (str(key), str(key)))


def num(value: Any) -> float:
    """Return a money value as a float, a blank one as 0."""
    return 0.0 if value is None or pd.isna(value) else float(value)
