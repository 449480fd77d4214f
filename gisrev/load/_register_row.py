"""One register row's meaning: the per-row parser every register row can go through.

:class:`RowParser` turns a row's cells into canonical values or raises
:class:`Rejected` naming the field, the value, what is wrong with it and how to put
it right; the reject's reason names the column as the file names it and the
spreadsheet row too. It is the one definition of what a row means: the CSV fast path
(:mod:`gisrev.load._register_vec`) takes its rules from it (:meth:`RowParser.fast_rules`)
and hands it every row it cannot vouch for, and bench/register.py checks the two agree
on fuzzed rows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from gisrev.load import _register_vec as _vec
from gisrev.load._personal import is_thai_id, mask_text, masked_warning, withheld_warning
from gisrev.load._register_header import is_totals_row
from gisrev.load._register_read import Formula
from gisrev.load.mapping import ColumnMapping, value_map
from gisrev.load.normalise import (
    is_blank,
    mask_id,
    normalise_parcel_code,
    parse_number,
    sqwah_from_rai_ngan_wah,
)
from gisrev.load.report import Reject
from gisrev.vocab import HOLDINGS, OWNER_TYPES, RESIDENTIAL_SUBCASES, USE_CATEGORIES
from gisrev.years import be, ce_date, ce_year_number, thai_to_arabic_digits, to_ce_year

#: A declared use: a category, or a residential sub-case kept as the register gives it.
DECLARED_USES = (*USE_CATEGORIES, *RESIDENTIAL_SUBCASES)
#: Coded fields: the values allowed, and the value of a blank cell (None: rejected).
_CODES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "owner_type": (OWNER_TYPES, "individual"),
    "declared_use": (DECLARED_USES, None),
    "holding": (HOLDINGS, None),
}
_CODE_NAMES = {"owner_type": "owner type", "declared_use": "use", "holding": "holding"}
_MONEY = ("land_value", "building_value", "exemption", "tax_assessed", "tax_paid")
_AREA_PARTS = ("declared_area_rai", "declared_area_ngan", "declared_area_wah")
_UNITS = {"declared_area_sqwah": "square wah", "declared_area_rai": "rai",
          "declared_area_ngan": "ngan", "declared_area_wah": "square wah"}
_TEXT = ("account_id", "owner_name", "deed_type")
#: Identifiers whose Thai digits become Arabic ones (a whole-number cell reads as digits).
_KEYS = ("deed_no", "unit_no", "map_sheet", "land_no")
SHARE_EXPECTED = "expected a fraction above 0 and at most 1, such as 1/3, 0.5 or 33.3%"
_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_FROM = (dt.date(1950, 1, 1) - _EXCEL_EPOCH).days
_SERIAL_UNTIL = (dt.date(9999, 12, 31) - _EXCEL_EPOCH).days
_ID_SEPARATORS = re.compile(r"[\s\-]+")


class Rejected(ValueError):
    """A row's cell is not what was expected (becomes a Reject).

    Parameters
    ----------
    field
        The canonical field.
    value
        The cell as read.
    fix
        What was expected, or what to do (``expected a number such as 1,234.50``).
    problem
        What is wrong with a non-blank value (``is not a number``).

    Attributes
    ----------
    column
        The column as the file names it, set by the parser (None: the field's name).
    absent
        Set by the parser: the file has no column for the field at all.
    """

    def __init__(self, field: str, value: Any, fix: str, *, problem: str = "is not valid") -> None:
        super().__init__(fix)
        self.field, self.value, self.fix, self.problem = field, value, fix, problem
        self.column: str | None = None
        self.absent = False


def parse_date(value: Any) -> dt.date | None:
    """Read a payment date: a date cell, an Excel day serial, or text in BE or CE.

    Raises
    ------
    ValueError
        Saying what was expected.
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return ce_date(value)
    if isinstance(value, int | float):
        # An Excel day serial; a small number is a year typed into the date column (2566 would
        # be 1907) and a huge one overflows: neither is a payment date.
        if not _SERIAL_FROM <= value < _SERIAL_UNTIL:
            raise ValueError(f"a date such as 15/04/2566, not the number {value:g}")
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = thai_to_arabic_digits(str(value)).strip().split(" ")[0]
    match = _DATE.match(text)
    if not match:
        raise ValueError("a date such as 15/04/2566 or 2023-04-15")
    a, b, c = (int(g) for g in match.groups())
    year, month, day = (a, b, c) if a > 31 else (c, b, a)
    year = ce_year_number(year)
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError("a real date such as 15/04/2566 or 2023-04-15") from exc


_PERSONAL_ID_HEADER = re.compile(
    r"ประจำตัว|บัตร|ผู้เสียภาษี|หนังสือเดินทาง|citizen|national.?id|id.?card|tax.?id|passport",
    re.IGNORECASE,
)


class RowParser:
    """Turns one register row into canonical values, or raises Rejected."""

    def __init__(
        self,
        columns: dict[str, str],
        headers: Sequence[str],
        *,
        mapping: ColumnMapping | None,
        year: int | None,
    ) -> None:
        self.index = {field: headers.index(column) for column, field in columns.items()}
        self.column_of = {field: column for column, field in columns.items()}
        unmapped = [(i, h) for i, h in enumerate(headers) if h not in columns and h]
        # Unmapped columns are kept in `attrs`, which maps and exports may show; a second ID
        # column (a taxpayer or passport number beside owner_id) is personal data: not kept.
        self.withheld = [h for _, h in unmapped if _PERSONAL_ID_HEADER.search(h)]
        self.extra = [(i, h) for i, h in unmapped if h not in self.withheld]
        # An ID number under any other header is personal data too: that cell is not kept.
        # Counted per column over the rows parsed (the fast path adds its own).
        self.ids_withheld: Counter[str] = Counter()
        self.ids_masked: Counter[str] = Counter()
        self.year = year
        self.codes = {
            field: code_reader(value_map("register", field, mapping=mapping), allowed)
            for field, (allowed, _) in _CODES.items()
        }

    def get(self, row: Sequence[Any], field: str) -> Any:
        """Return the row's cell of a canonical field (None when the row is short of it)."""
        i = self.index.get(field)
        return row[i] if i is not None and i < len(row) else None

    def is_totals(self, row: Sequence[Any], *, last: bool) -> bool:
        """Tell whether the row is a summary line (no parcel code; "รวม", or last and numbers)."""
        return is_totals_row(row, self.get(row, "parcel_code"), last=last)

    def parse(self, row: Sequence[Any]) -> dict[str, Any]:
        """Return the row's canonical values (``attrs`` as JSON text), or raise Rejected.

        The Rejected carries the column as the file names it.
        """
        try:
            return self._parse(row)
        except Rejected as bad:
            bad.column = self.column_of.get(bad.field, bad.field)
            bad.absent = bad.field not in self.index and bad.field != "declared_area_sqwah"
            raise

    def _parse(self, row: Sequence[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field, i in self.index.items():
            if i < len(row) and isinstance(row[i], Formula):
                fix = "open the file in Excel or LibreOffice and save it, or paste values"
                raise Rejected(field, str(row[i]), fix, problem="is a formula with no saved result")
        code = self.get(row, "parcel_code")
        if is_blank(code):
            raise Rejected("parcel_code", code, "expected a parcel code")
        code_text = _cell_text(code)
        out["parcel_code"] = code_text.strip()
        out["parcel_code_norm"] = normalise_parcel_code(code_text)
        out["tax_year"] = self._year(self.get(row, "tax_year"))
        for field in _TEXT:
            value = self.get(row, field)
            out[field] = None if is_blank(value) else str(value).strip()
        for field in _KEYS:
            value = self.get(row, field)
            key = None if is_blank(value) else _cell_text(value).strip()
            out[field] = None if key is None else thai_to_arabic_digits(key)
        out["owner_id"] = self._owner_id(self.get(row, "owner_id"))
        for field in _CODES:
            out[field] = self._code(row, field)
        out["declared_area_sqwah"] = self._area(row)
        for field in _MONEY:
            out[field] = self._money(field, self.get(row, field))
        out["share"] = _share(self.get(row, "share"))
        out["paid_date"] = _paid_date(self.get(row, "paid_date"))
        out["attrs"] = self._attrs(row)
        return out

    def _attrs(self, row: Sequence[Any]) -> str | None:
        """Return the unmapped columns' cells as JSON text, ID numbers left out or masked."""
        extra = {}
        for i, h in self.extra:
            if i >= len(row) or is_blank(row[i]):
                continue
            if is_thai_id(row[i]):
                self.ids_withheld[h] += 1
                continue
            value = _jsonable(row[i])
            if isinstance(value, str) and (masked := mask_text(value)) is not None:
                self.ids_masked[h] += 1  # an ID number inside longer text: masked
                value = masked
            extra[h] = value
        return json.dumps(extra, ensure_ascii=False) if extra else None

    def warnings(self, source: str) -> list[str]:
        """Return the lines that say which personal ID numbers were not stored."""
        kept = dict.fromkeys(h for _, h in self.extra)
        return [
            *(
                f"{source}: column {h!r} looks like personal ID numbers and was not stored"
                for h in self.withheld
            ),
            *(withheld_warning(source, h, n) for h in kept if (n := self.ids_withheld[h])),
            *(masked_warning(source, h, n) for h in kept if (n := self.ids_masked[h])),
        ]

    def fast_rules(self) -> _vec.FastRules:
        """Return this parser's rules as the CSV fast path takes them (one source)."""
        return _vec.FastRules(
            index=dict(self.index),
            extra=list(self.extra),
            year=self.year,
            latest_year=dt.date.today().year + 1,
            today=dt.date.today(),
            owner_type=self.codes["owner_type"],
            declared_use=self.codes["declared_use"],
            holding=self.codes["holding"],
            paid_date=parse_date,
        )

    @staticmethod
    def _owner_id(value: Any) -> str | None:
        if is_blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a spreadsheet cell holding the number
        digits = _ID_SEPARATORS.sub("", thai_to_arabic_digits(str(value)))
        if not (digits.isascii() and digits.isdigit() and len(digits) == 13):
            fix = "expected a 13-digit identity or taxpayer number"
            raise Rejected("owner_id", value, fix, problem="is not an ID number")
        return digits

    def _year(self, value: Any) -> int:
        if is_blank(value):
            if self.year is None:
                fix = "expected a tax year such as 2566, or pass --year"
                raise Rejected("tax_year", value, fix)
            return self.year
        try:
            year = to_ce_year(value)
        except ValueError as exc:
            raise Rejected("tax_year", value, f"expected {exc}", problem="is not a year") from exc
        if self.year is not None and year != self.year:
            raise Rejected(
                "tax_year", value, f"expected {be(self.year)} or a blank cell",
                problem="is not the tax year given with --year",
            )
        latest = dt.date.today().year + 1  # next year's register may be prepared in advance
        if year > latest:
            fix = f"expected a tax year no later than {be(latest)} (BE)"
            raise Rejected("tax_year", value, fix, problem="is too late")
        return year

    def _code(self, row: Sequence[Any], field: str) -> str | None:
        allowed, default = _CODES[field]
        value = self.get(row, field)
        if is_blank(value):
            if field == "declared_use":
                raise Rejected(field, value, f"expected a use: one of {', '.join(allowed)}")
            return default
        canonical = self.codes[field](str(value))
        if canonical is None:
            fix = f"map it in [register.values.{field}] or write one of {', '.join(allowed)}"
            raise Rejected(field, value, fix, problem=f"is not a known {_CODE_NAMES[field]}")
        return canonical

    def _area(self, row: Sequence[Any]) -> float | None:
        value = self.get(row, "declared_area_sqwah")
        if not is_blank(value):
            return self._money("declared_area_sqwah", value)
        parts = [self.get(row, f) for f in _AREA_PARTS]
        try:
            return sqwah_from_rai_ngan_wah(*parts)
        except ValueError as exc:
            for field, part in zip(_AREA_PARTS, parts, strict=True):
                self._money(field, part)  # the part at fault raises
            raise Rejected("declared_area_sqwah", parts, f"expected {exc}") from exc

    @staticmethod
    def _money(field: str, value: Any) -> float | None:
        try:
            number = parse_number(value)
        except ValueError as exc:
            fix = f"expected {exc} ({_UNITS.get(field, 'baht')})"
            raise Rejected(field, value, fix, problem="is not a number") from exc
        if number is not None and number < 0:
            raise Rejected(field, value, "expected a number, 0 or more", problem="is negative")
        return number


def code_reader(table: dict[str, str], allowed: tuple[str, ...]) -> Callable[[str], str | None]:
    """Return a function from a coded cell's text to its canonical value (None: unknown).

    Known values (the aliases, then the mapping file) and canonical ones match after
    trimming, with runs of spaces read as one and ignoring case.

    Examples
    --------
    >>> read = code_reader({"บ้านหลังหลัก": "residential-primary"}, ("residential-primary",))
    >>> read(" บ้านหลังหลัก "), read("Residential-Primary"), read("บ้านพัก")
    ('residential-primary', 'residential-primary', None)
    """
    keyed = {_value_key(k): _value_key(v) for k, v in table.items()}

    def to_code(text: str) -> str | None:
        key = _value_key(text)
        canonical = keyed.get(key, key)
        return canonical if canonical in allowed else None

    return to_code


def _value_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _cell_text(value: Any) -> str:
    """Return a code cell as text; a whole number a spreadsheet stored as 1234.0 is ``1234``."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _share(value: Any) -> float | None:
    """Read a share of the land: ``0.5``, ``1/3`` or ``33.3%`` (Thai digits too)."""
    if is_blank(value):
        return None
    try:
        text = "" if isinstance(value, int | float) else thai_to_arabic_digits(str(value)).strip()
        if text.endswith("%"):
            number = parse_number(text[:-1])
            share = None if number is None else number / 100
        elif "/" in text:
            top, bottom = (parse_number(part) for part in text.split("/", 1))
            share = None if top is None or not bottom else top / bottom
        else:
            share = parse_number(value)
    except ValueError:
        share = None
    if share is None or not 0 < share <= 1:  # NaN fails too
        raise Rejected("share", value, SHARE_EXPECTED, problem="is not a share")
    return share


def _paid_date(value: Any) -> dt.date | None:
    try:
        date = parse_date(value)
    except ValueError as exc:
        raise Rejected("paid_date", value, f"expected {exc}", problem="is not a date") from exc
    if date is not None and date > dt.date.today():
        fix = "expected a payment date no later than today"
        raise Rejected("paid_date", value, fix, problem="is in the future")
    return date


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


def reject_of(row_no: int, bad: Rejected) -> Reject:
    """Return the :class:`Reject` of a row the parser refused (an owner ID masked).

    Its reason names the column as the file names it, the spreadsheet row, the value
    and what to do: ``column 'ลักษณะการทำประโยชน์', row 12: 'บ้านพัก' is not a known use;
    map it in [register.values.declared_use] or write one of ...``.
    """
    shown = (
        mask_id(bad.value)
        if bad.field == "owner_id"
        else None
        if is_blank(bad.value)
        else str(bad.value)
    )
    column = bad.column or bad.field
    what = "the cell is empty" if shown is None else f"{shown!r} {bad.problem}"
    fix = bad.fix
    if bad.absent:
        what = "the file has no such column"
        fix += f' (name its column in the mapping file: [register.columns] {bad.field} = "COLUMN")'
    reason = f"column {column!r}, row {row_no}: {what}; {fix}"
    return Reject(
        row_no=row_no, feature_id=None, field=bad.field, value=shown, reason=reason, column=column
    )
