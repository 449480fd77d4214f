"""Normalising the values Thai exports carry: codes, digits, years, areas and numbers.

Each function takes one raw value and returns the canonical one, or raises
:class:`ValueError` with what was expected; the loaders turn that into a reject.
"""

from __future__ import annotations

import math
import re
from typing import Any

from gisrev.years import thai_to_arabic_digits

SQWAH_PER_RAI = 400.0
SQWAH_PER_NGAN = 100.0
#: Removed from parcel codes, as literal characters so that Python's ``re`` and Arrow's
#: RE2 read the class alike: whitespace, also no-break and zero-width spaces (Thai text
#: carries U+200B), hyphens, also the dashes and minus signs word processors put in
#: their place, and dots.
CODE_SEPARATORS = (
    "[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060"
    "\u3000\ufeff\\-\u2010-\u2015\u2212.]+"
)
_CODE_DROP = re.compile(CODE_SEPARATORS)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def normalise_parcel_code(code: str) -> str:
    """Return the form two parcel codes are matched on.

    Trim, upper-case, Thai digits to Arabic, and remove spaces, hyphens and dots.

    Examples
    --------
    >>> normalise_parcel_code(" ab-๐๑.23 4 ")
    'AB01234'
    """
    return _CODE_DROP.sub("", thai_to_arabic_digits(str(code)).strip().upper())


def is_blank(value: Any) -> bool:
    """Return True for None, NaN, NaT and strings that are empty after trimming."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def parse_number(value: Any) -> float | None:
    """Read a number as exports write it: Thai digits, thousands separators, spaces.

    Blank cells give None.

    Examples
    --------
    >>> parse_number("๑,๒๓๔.๕")
    1234.5
    >>> parse_number(" 12 500 ") is None
    False
    >>> parse_number("") is None
    True

    Raises
    ------
    ValueError
        When the value is not a number.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        msg = "a number"
        raise ValueError(msg)
    if isinstance(value, int | float):
        if math.isinf(value):
            msg = "a finite number"
            raise ValueError(msg)
        return float(value)
    text = thai_to_arabic_digits(str(value)).strip().replace(",", "").replace(" ", "")
    text = text.replace("\u00a0", "").replace("฿", "")
    if not _NUMBER.match(text):
        msg = "a number such as 1,234.50"
        raise ValueError(msg)
    return float(text)


def sqwah_from_rai_ngan_wah(rai: Any = None, ngan: Any = None, wah: Any = None) -> float | None:
    """Convert an area in rai, ngan and square wah to square wah.

    1 rai = 4 ngan = 400 square wah. Blank parts count as 0; all blank gives None.

    Examples
    --------
    >>> sqwah_from_rai_ngan_wah(1, 2, "๓๕.๕")
    635.5

    Raises
    ------
    ValueError
        When a part is not a non-negative number.
    """
    parts = [parse_number(v) for v in (rai, ngan, wah)]
    if all(p is None for p in parts):
        return None
    r, n, w = (p or 0.0 for p in parts)
    if r < 0 or n < 0 or w < 0:
        msg = "a non-negative area"
        raise ValueError(msg)
    return r * SQWAH_PER_RAI + n * SQWAH_PER_NGAN + w


def mask_id(value: Any) -> str:
    """Mask an identity number for a report: only the last 4 characters stay.

    Examples
    --------
    >>> mask_id("1-2345-67890-12-3")
    '*************12-3'
    """
    text = "" if value is None else str(value)
    return "*" * max(len(text) - 4, 0) + text[-4:]
