"""Checking one value of a survey row: each function returns the clean value or raises ValueError.

The ValueError's message says what was expected; the importer turns it into a reject.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from gisrev.load.normalise import is_blank, parse_number
from gisrev.spreadsheet import from_csv_text
from gisrev.survey._fields import FOUND_USES, OUTCOMES, choice_code
from gisrev.years import ce_year_number, thai_to_arabic_digits

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_EXPECTED = "a date such as 2023-08-14 or 14/8/2566"


def parse_visit_date(value: Any, *, today: dt.date | None = None) -> dt.date:
    """Read a visit date: ISO (``2023-08-14``, time allowed) or Thai ``d/m/yyyy`` in BE or CE.

    A year above 2400 is Buddhist Era, also in a spreadsheet's date cell (Excel with a
    Gregorian locale stores a typed 14/8/2566 as the year 2566). Dates in the future
    are refused.

    Examples
    --------
    >>> parse_visit_date("14/8/2566")
    datetime.date(2023, 8, 14)
    >>> parse_visit_date("2023-08-14T10:30:00+07:00")
    datetime.date(2023, 8, 14)
    >>> parse_visit_date("๑๔/๐๘/๒๕๖๖")
    datetime.date(2023, 8, 14)

    Raises
    ------
    ValueError
        When the value is blank, not a date, or later than today.
    """
    if is_blank(value):
        raise ValueError(_DATE_EXPECTED)
    if isinstance(value, dt.date):  # a datetime is a date too
        day = value.date() if isinstance(value, dt.datetime) else value
        try:
            day = day.replace(year=ce_year_number(day.year))
        except ValueError as exc:  # 29 February of a BE year whose CE year is not leap
            raise ValueError(_DATE_EXPECTED) from exc
    else:
        text = thai_to_arabic_digits(str(value)).strip()
        try:
            if m := _ISO.match(text):
                day = dt.date(ce_year_number(int(m[1])), int(m[2]), int(m[3]))
            elif m := _DMY.match(text):
                day = dt.date(ce_year_number(int(m[3])), int(m[2]), int(m[1]))
            else:
                raise ValueError(_DATE_EXPECTED)
        except ValueError as exc:  # 31/02/2566 and friends
            raise ValueError(_DATE_EXPECTED) from exc
    if day.year < 1950:
        raise ValueError(_DATE_EXPECTED)
    if day > (today or dt.date.today()):
        msg = f"{_DATE_EXPECTED}, not in the future"
        raise ValueError(msg)
    return day


def parse_count(value: Any, *, minimum: int = 0) -> int | None:
    """Read a whole-number count (buildings, floors); blank gives None.

    Examples
    --------
    >>> parse_count("๒")
    2
    >>> parse_count("") is None
    True

    Raises
    ------
    ValueError
        When the value is not a whole number of at least ``minimum``.
    """
    expected = f"a whole number of {minimum} or more"
    try:
        number = parse_number(value)
    except ValueError as exc:
        raise ValueError(expected) from exc
    if number is None:
        return None
    if number != int(number) or number < minimum:
        raise ValueError(expected)
    return int(number)


def parse_choice(field: str, value: Any, *, required: bool) -> str | None:
    """Read a coded value (``outcome``, ``found_use``) typed as its code or a Thai/English label.

    Raises
    ------
    ValueError
        When the value is not one of the field's choices (or blank when required).
    """
    choices = OUTCOMES if field == "outcome" else FOUND_USES
    expected = "one of " + ", ".join(c.code for c in choices)
    if is_blank(value):
        if required:
            raise ValueError(expected)
        return None
    code = choice_code(field, str(value))
    if code is None:
        raise ValueError(expected)
    return code


def clean_text(value: Any) -> str | None:
    """Trim a free-text value; blank gives None.

    The apostrophe gisrev's CSV forms put before text that looks like a formula
    (``'=B-2``) is removed again.

    Examples
    --------
    >>> clean_text("  '=B-2 ")
    '=B-2'
    >>> clean_text(12.0)
    '12'
    """
    if is_blank(value):
        return None
    if isinstance(value, float) and value == int(value):
        value = int(value)  # a spreadsheet's 12.0 for a typed 12
    text = str(value).strip()
    return from_csv_text(text)
