"""One register row's meaning: the per-row parser every register row can go through.

:class:`RowParser` turns a row's cells into canonical values or raises
:class:`Rejected` naming the field, the value and what was expected. It is the one
definition of what a row means: the CSV fast path (:mod:`gisrev.load._register_vec`)
takes its rules from it (:meth:`RowParser.fast_rules`) and hands it every row it
cannot vouch for, and bench/register.py checks the two agree on fuzzed rows.
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
from gisrev.vocab import OWNER_TYPES, RESIDENTIAL_SUBCASES, USE_CATEGORIES
from gisrev.years import be, ce_date, ce_year_number, thai_to_arabic_digits, to_ce_year

# A use category, or a residential sub-case where the register names it (its category is
# then residential).
DECLARED_USES = (*USE_CATEGORIES, *RESIDENTIAL_SUBCASES)
_MONEY = ("land_value", "building_value", "exemption", "tax_assessed", "tax_paid")
_AREA_PARTS = ("declared_area_rai", "declared_area_ngan", "declared_area_wah")
_TEXT = ("account_id", "owner_name")
_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_FROM = (dt.date(1950, 1, 1) - _EXCEL_EPOCH).days
_SERIAL_UNTIL = (dt.date(9999, 12, 31) - _EXCEL_EPOCH).days
_ID_SEPARATORS = re.compile(r"[\s\-]+")


class Rejected(ValueError):
    """A row's field is not what was expected (becomes a Reject)."""

    def __init__(self, field: str, value: Any, expected: str) -> None:
        super().__init__(expected)
        self.field, self.value, self.expected = field, value, expected


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
        self.uses = value_map("register", "declared_use", mapping=mapping)
        self.owner_types = value_map("register", "owner_type", mapping=mapping)

    def get(self, row: Sequence[Any], field: str) -> Any:
        """Return the row's cell of a canonical field (None when the row is short of it)."""
        i = self.index.get(field)
        return row[i] if i is not None and i < len(row) else None

    def parse(self, row: Sequence[Any]) -> dict[str, Any]:
        """Return the row's canonical values (``attrs`` as JSON text), or raise Rejected."""
        out: dict[str, Any] = {}
        for field, i in self.index.items():
            if i < len(row) and isinstance(row[i], Formula):
                expected = (
                    "a value, not a formula with no saved result (open the file in "
                    "Excel or LibreOffice and save it, or paste values)"
                )
                raise Rejected(field, str(row[i]), expected)
        code = self.get(row, "parcel_code")
        if is_blank(code):
            raise Rejected("parcel_code", code, "a parcel code (the cell is empty)")
        code_text = str(int(code)) if isinstance(code, float) and code.is_integer() else str(code)
        out["parcel_code"] = code_text.strip()
        out["parcel_code_norm"] = normalise_parcel_code(code_text)
        out["tax_year"] = self._year(self.get(row, "tax_year"))
        for field in _TEXT:
            value = self.get(row, field)
            out[field] = None if is_blank(value) else str(value).strip()
        deed = self.get(row, "deed_no")
        out["deed_no"] = None if is_blank(deed) else thai_to_arabic_digits(str(deed).strip())
        out["owner_id"] = self._owner_id(self.get(row, "owner_id"))
        out["owner_type"] = self._code(
            row, "owner_type", self.owner_types, OWNER_TYPES, required=False
        )
        out["declared_use"] = self._code(
            row, "declared_use", self.uses, DECLARED_USES, required=True
        )
        out["declared_area_sqwah"] = self._area(row)
        for field in _MONEY:
            out[field] = self._money(field, self.get(row, field))
        paid = self.get(row, "paid_date")
        try:
            out["paid_date"] = parse_date(paid)
        except ValueError as exc:
            raise Rejected("paid_date", paid, str(exc)) from exc
        if out["paid_date"] is not None and out["paid_date"] > dt.date.today():
            raise Rejected("paid_date", paid, "a payment date no later than today")
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

        def code(table: dict[str, str], allowed: tuple[str, ...]) -> Callable[[str], str | None]:
            def to_code(text: str) -> str | None:
                canonical = table.get(text, text.lower())
                return canonical if canonical in allowed else None

            return to_code

        return _vec.FastRules(
            index=dict(self.index),
            extra=list(self.extra),
            year=self.year,
            latest_year=dt.date.today().year + 1,
            today=dt.date.today(),
            owner_type=code(self.owner_types, OWNER_TYPES),
            declared_use=code(self.uses, DECLARED_USES),
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
            raise Rejected("owner_id", value, "a 13-digit identity or taxpayer number")
        return digits

    def _year(self, value: Any) -> int:
        if is_blank(value):
            if self.year is None:
                raise Rejected("tax_year", value, "a tax year such as 2566 (or pass --year)")
            return self.year
        try:
            year = to_ce_year(value)
        except ValueError as exc:
            raise Rejected("tax_year", value, str(exc)) from exc
        if self.year is not None and year != self.year:
            raise Rejected(
                "tax_year", value, f"tax year {be(self.year)} (as given with --year)"
            )
        latest = dt.date.today().year + 1  # next year's register may be prepared in advance
        if year > latest:
            expected = f"a tax year no later than {be(latest)} (BE)"
            raise Rejected("tax_year", value, expected)
        return year

    def _code(
        self,
        row: Sequence[Any],
        field: str,
        table: dict[str, str],
        allowed: tuple[str, ...],
        *,
        required: bool,
    ) -> str | None:
        value = self.get(row, field)
        if is_blank(value):
            # A blank optional code stays unknown (None), never a guessed default.
            if required:
                raise Rejected(field, value, f"one of {', '.join(allowed)}")
            return None
        text = str(value).strip()
        canonical = table.get(text, text.lower())
        if canonical not in allowed:
            raise Rejected(
                field,
                value,
                f"one of {', '.join(allowed)} (or map it in [register.values.{field}])",
            )
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
                try:
                    number = parse_number(part)
                except ValueError:
                    raise Rejected(field, part, "a number of " + field.rsplit("_", 1)[1]) from exc
                if number is not None and number < 0:
                    raise Rejected(field, part, "a non-negative area") from exc
            raise Rejected("declared_area_sqwah", parts, str(exc)) from exc

    @staticmethod
    def _money(field: str, value: Any) -> float | None:
        try:
            number = parse_number(value)
        except ValueError as exc:
            raise Rejected(field, value, f"{exc} (baht)" if field in _MONEY else str(exc)) from exc
        if number is not None and number < 0:
            raise Rejected(field, value, "a non-negative number")
        return number


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


def reject_of(row_no: int, bad: Rejected) -> Reject:
    """Return the :class:`Reject` of a row the parser refused (an owner ID masked)."""
    shown = (
        mask_id(bad.value)
        if bad.field == "owner_id"
        else None
        if is_blank(bad.value)
        else str(bad.value)
    )
    reason = f"expected {bad.expected}"
    return Reject(row_no=row_no, feature_id=None, field=bad.field, value=shown, reason=reason)

