"""Tax years: the one home of the Buddhist-era rule.

Thai registers, forms and people write years in the Buddhist Era (2566 BE = 2023 CE);
tools and the tax tables count in the Common Era. Every year that comes in is read
here, and the library works in CE from then on. A year above 2400 is Buddhist Era.
SQL has the same rule once, as ``gisrev_ce_year()`` in ``gisrev/db/functions.sql``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from gisrev.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BE_OFFSET",
    "BE_THRESHOLD",
    "be",
    "ce_date",
    "ce_year_number",
    "ce_years",
    "tax_year",
    "thai_to_arabic_digits",
    "to_ce_year",
]

#: Years between the Buddhist and the Common Era: 2566 BE = 2023 CE.
BE_OFFSET = 543
#: A year above this is Buddhist Era; nothing in a register is dated 2400 CE.
BE_THRESHOLD = 2400
_Year = TypeVar("_Year", int, "np.ndarray[Any, Any]", "pd.Series[Any]")
_EXPECTED = "a year such as 2566 (BE) or 2023 (CE)"
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def thai_to_arabic_digits(text: str) -> str:
    """Replace Thai digits (๐–๙) with Arabic ones.

    Examples
    --------
    >>> thai_to_arabic_digits("๒๕๖๖")
    '2566'
    """
    return text.translate(_THAI_DIGITS)


def to_ce_year(value: Any) -> int:
    """Return a year in the Common Era; a year above 2400 is Buddhist Era.

    Thai digits, surrounding spaces and a whole number written as ``2566.0`` are
    fine; a two-digit year (``66``) is refused rather than guessed.

    Examples
    --------
    >>> to_ce_year("๒๕๖๖"), to_ce_year(2024), to_ce_year(" 2566 ")
    (2023, 2024, 2023)

    Raises
    ------
    ValueError
        When the value is not a plausible year; the message says what was expected.
    """
    if isinstance(value, bool):
        raise ValueError(_EXPECTED)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        text = thai_to_arabic_digits(str(value)).strip()
        for sep in (",", " ", "\u00a0"):
            text = text.replace(sep, "")
        if not _NUMBER.match(text):
            raise ValueError(_EXPECTED)
        number = float(text)
    if not math.isfinite(number) or number != int(number):
        raise ValueError(_EXPECTED)
    year = ce_year_number(int(number))
    if not 1900 <= year <= 2200:
        raise ValueError(_EXPECTED)
    return year


def ce_year_number(year: int) -> int:
    """Return a whole year in CE: above 2400 it is Buddhist Era. No plausibility check.

    Examples
    --------
    >>> ce_year_number(2566), ce_year_number(2023)
    (2023, 2023)
    """
    return year - BE_OFFSET if year > BE_THRESHOLD else year


def tax_year(value: Any) -> int:
    """Return a tax year a user gave (BE, CE or Thai digits) in CE.

    Examples
    --------
    >>> tax_year(2566), tax_year(2023), tax_year("๒๕๖๖")
    (2023, 2023, 2023)

    Raises
    ------
    InputError
        When ``value`` is not a plausible tax year (``--year 66``).
    """
    try:
        return to_ce_year(value)
    except ValueError as exc:
        msg = f"tax year {value}: expected {exc}"
        raise InputError(msg) from exc


def be(year: _Year) -> _Year:
    """Return a CE year (or an array or Series of them) in the Buddhist Era.

    Examples
    --------
    >>> be(2023)
    2566
    """
    return year + BE_OFFSET


def ce_years(years: np.ndarray) -> np.ndarray:
    """Return whole years with those above 2400 moved from BE to CE, element-wise.

    Examples
    --------
    >>> ce_years(np.array([2566, 2023])).tolist()
    [2023, 2023]
    """
    return np.where(years > BE_THRESHOLD, years - BE_OFFSET, years)


def ce_date(value: dt.date) -> dt.date:
    """Return a date whose year may be BE (a spreadsheet's 14/8/2566) in CE.

    Examples
    --------
    >>> ce_date(dt.date(2566, 8, 14))
    datetime.date(2023, 8, 14)
    """
    return value.replace(year=ce_year_number(value.year))
