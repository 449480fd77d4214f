"""The register's column-wise fast path: a chunk of CSV rows checked with Arrow kernels.

A row takes the fast path only when every check below can vouch that the per-row
parser (:class:`gisrev.load._register_row.RowParser`) would give the same values: its
cells hold only printable ASCII and Thai (so whitespace is the space alone, and
Arrow's trimming and upper-casing agree with Python's), and each field has the plain
shape of its kind (``1,234.50``, ``2566``, 13 digits, a known code). Every other row
is flagged and handed to the per-row parser, so rejects and their messages stay
exactly those of the per-row parser.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gisrev.load._personal import mask_embedded_ids, thai_id_mask
from gisrev.load._register_header import TOTALS_LABEL
from gisrev.load.normalise import CODE_SEPARATORS
from gisrev.years import ce_years

#: Days of PostgreSQL's binary ``date``: an int32 counted from 2000-01-01.

_SAFE = "^[\\x20-\\x7e\\x{0e00}-\\x{0e7f}]*$"  # printable ASCII and the Thai block
_PLAIN_NUMBER = r"^-?\d{1,15}(\.\d{1,15})?$"  # what Arrow's cast reads as float() does
_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_STRING = pa.string()

#: The output columns, in COPY order, and their Arrow types.
SCHEMA = pa.schema(
    [
        ("tax_year", pa.int32()),
        ("account_id", pa.string()),
        ("parcel_code", pa.string()),
        ("parcel_code_norm", pa.string()),
        ("deed_no", pa.string()),
        ("owner_name", pa.string()),
        ("owner_id", pa.string()),
        ("owner_type", pa.string()),
        ("declared_use", pa.string()),
        ("declared_area_sqwah", pa.float64()),
        ("land_value", pa.float64()),
        ("building_value", pa.float64()),
        ("exemption", pa.float64()),
        ("tax_assessed", pa.float64()),
        ("tax_paid", pa.float64()),
        ("paid_date", pa.date32()),
        ("holding", pa.string()),
        ("unit_no", pa.string()),
        ("share", pa.float64()),
        ("map_sheet", pa.string()),
        ("land_no", pa.string()),
        ("deed_type", pa.string()),
        ("attrs", pa.string()),
        ("source_row", pa.int32()),
    ]
)
_MONEY = ("land_value", "building_value", "exemption", "tax_assessed", "tax_paid")
_AREA_PARTS = ("declared_area_rai", "declared_area_ngan", "declared_area_wah")


@dataclasses.dataclass(frozen=True)
class FastRules:
    """What the fast path needs to know of the file and the load's options."""

    index: dict[str, int]  # canonical field -> column position
    extra: list[tuple[int, str]]  # unmapped columns kept in attrs: position, header
    year: int | None  # --year, CE
    latest_year: int  # the last tax year accepted (CE)
    today: dt.date
    owner_type: Callable[[str], str | None]  # a non-blank cell -> canonical, None = flag it
    declared_use: Callable[[str], str | None]
    holding: Callable[[str], str | None]
    paid_date: Callable[[str], dt.date | None]  # raises ValueError: flag the row


@dataclasses.dataclass(frozen=True)
class FastChunk:
    """The outcome of the fast path on one chunk."""

    table: pa.Table  # the rows it parsed, in SCHEMA, in file order
    flagged: np.ndarray  # positions (in the chunk) the per-row parser must see
    n_read: int  # non-blank rows among those it parsed
    ids_withheld: dict[str, int]  # unmapped column -> ID numbers left out of its parsed rows
    ids_masked: dict[str, int]  # unmapped column -> values with an ID number masked inside


def parse_chunk(
    rows: Sequence[Sequence[Any]], row_nos: Sequence[int], rules: FastRules
) -> FastChunk:
    """Parse the rows of one CSV chunk column-wise; flag those that need the per-row parser.

    Parameters
    ----------
    rows
        The chunk's CSV records (lists of ``str``; they may be shorter or longer than the header).
    row_nos
        Each record's spreadsheet row number.
    rules
        The file's columns and the load's options.

    Returns
    -------
    FastChunk
    """
    n = len(rows)
    width = max(rules.index.values(), default=-1) + 1
    width = max(width, max((i for i, _ in rules.extra), default=-1) + 1)
    lengths = [len(r) for r in rows]
    width = max(width, max(lengths, default=0))
    columns = _columns(rows, width, ragged=min(lengths, default=width) < width)
    safe = np.ones(n, dtype=bool)
    blank_row = np.ones(n, dtype=bool)
    blanks = [_blank(col) for col in columns]  # each column's blank cells, found once
    for col, col_blank in zip(columns, blanks, strict=True):
        safe &= _fill(pc.match_substring_regex(col, _SAFE), True)
        blank_row &= col_blank
    flag = ~safe
    if len({h for _, h in rules.extra}) < len(rules.extra):
        flag[:] = True  # a repeated header: attrs keeps one value, as a dict does
    blank_row &= safe  # an unsafe row's blankness is decided by the per-row parser
    null_str = pa.nulls(n, pa.string())

    def cell(field: str) -> pa.Array:
        i = rules.index.get(field)
        return null_str if i is None else columns[i]

    no_cell = np.ones(n, dtype=bool)

    def blank(field: str) -> np.ndarray:
        i = rules.index.get(field)
        return no_cell if i is None else blanks[i]

    out: dict[str, pa.Array] = {}
    code = cell("parcel_code")
    flag |= blank("parcel_code")
    # A code cell that says "รวม" or "Total" may be a totals row: the per-row parser decides.
    flag |= _fill(pc.match_substring_regex(code, TOTALS_LABEL, ignore_case=True), False)
    out["parcel_code"] = pc.utf8_trim(code, characters=" ")
    out["parcel_code_norm"] = pc.replace_substring_regex(
        pc.utf8_upper(_arabic(code)), CODE_SEPARATORS, ""
    )
    out["tax_year"], bad = _years(cell("tax_year"), blank("tax_year"), rules)
    flag |= bad & ~blank_row

    fields, bad = _fields(cell, blank, rules)
    out.update(fields)
    flag |= bad
    # An ID number in an unmapped column (PDPA) is left out of attrs as a blank cell is.
    ids = {i: thai_id_mask(columns[i]) & ~blanks[i] for i, _ in rules.extra}
    stored = [blanks[i] | ids[i] if i in ids else b for i, b in enumerate(blanks)]
    # One inside longer text is masked with x's.
    shown, masked = list(columns), {}
    for i, _ in rules.extra:
        shown[i], masked[i] = mask_embedded_ids(columns[i])
    out["attrs"] = _attrs(shown, stored, rules.extra, n)
    out["source_row"] = pa.array(row_nos, pa.int32())

    keep = ~flag & ~blank_row
    table = pa.table([out[f.name].cast(f.type) for f in SCHEMA], schema=SCHEMA).filter(keep)
    withheld = {h: int((ids[i] & keep).sum()) for i, h in rules.extra}
    masked_kept = {h: int((masked[i] & keep).sum()) for i, h in rules.extra}
    return FastChunk(
        table=table,
        flagged=np.flatnonzero(flag),
        n_read=int(keep.sum()),
        ids_withheld={h: k for h, k in withheld.items() if k},
        ids_masked={h: k for h, k in masked_kept.items() if k},
    )


def _fields(
    cell: Callable[[str], pa.Array], blank: Callable[[str], np.ndarray], rules: FastRules
) -> tuple[dict[str, pa.Array], np.ndarray]:
    """Read every field but the parcel code and the year; flag what is not plain.

    Parameters
    ----------
    cell
        A field's column (all null when the file has none).
    blank
        A field's blank cells (all True when the file has no such column).
    rules
        The file's columns and the load's options.

    Returns
    -------
    tuple
        The fields' columns, and the rows to send to the per-row parser.
    """
    out: dict[str, pa.Array] = {}
    flag = np.zeros(len(cell("parcel_code")), dtype=bool)
    for field in ("account_id", "owner_name", "deed_type"):
        value = cell(field)
        out[field] = pc.if_else(blank(field), None, pc.utf8_trim(value, characters=" "))
    for field in ("deed_no", "unit_no", "map_sheet", "land_no"):
        value = _arabic(pc.utf8_trim(cell(field), characters=" "))
        out[field] = pc.if_else(blank(field), None, value)

    owner_id = cell("owner_id")
    digits = pc.replace_substring_regex(_arabic(owner_id), r"[ \-]+", "")
    id_blank = blank("owner_id")
    flag |= ~id_blank & ~_fill(pc.match_substring_regex(digits, r"^\d{13}$"), False)
    out["owner_id"] = pc.if_else(id_blank, None, digits)

    codes = (
        ("owner_type", rules.owner_type, "individual"),
        ("declared_use", rules.declared_use, None),
        ("holding", rules.holding, None),
    )
    for field, to_code, default in codes:
        values, bad = _by_value(cell(field), _stripped(to_code))
        value_blank = blank(field)
        if field == "declared_use":
            flag |= value_blank  # a blank use is rejected
        flag |= bad & ~value_blank
        out[field] = pc.if_else(value_blank, default, values)

    for field in _MONEY:
        out[field], bad = _numbers(cell(field), blank(field))
        flag |= bad
    out["declared_area_sqwah"], bad = _area(cell, blank)
    flag |= bad
    # A plain share (0.5) only; 1/3 and 33.3% go to the per-row parser.
    share, bad = _numbers(cell("share"), blank("share"))
    in_range = _fill(pc.and_(pc.greater(share, 0.0), pc.less_equal(share, 1.0)), False)
    flag |= bad | (~in_range & ~blank("share"))
    out["share"] = share

    def paid_on(text: str) -> dt.date | None:
        date = rules.paid_date(text)
        if date is not None and date > rules.today:
            raise ValueError(text)
        return date

    days, bad_date = _by_value(cell("paid_date"), paid_on, pa.date32(), raises=True)
    flag |= bad_date & ~blank("paid_date")
    out["paid_date"] = pc.if_else(blank("paid_date"), None, days)
    return out, flag


def _years(
    text: pa.Array, year_blank: np.ndarray, rules: FastRules
) -> tuple[pa.Array, np.ndarray]:
    """Read plain four-digit tax years (BE or CE); flag the rest (and blanks without --year)."""
    year_text = pc.utf8_trim(_arabic(text), characters=" ")
    plain_year = _fill(pc.match_substring_regex(year_text, r"^\d{4}$"), False)
    years = (
        pc.cast(pc.if_else(plain_year, year_text, None), pa.int64())
        .fill_null(0)
        .to_numpy(zero_copy_only=False)
    )
    years = ce_years(years)
    if rules.year is None:
        ok_year = ~year_blank & plain_year & (years >= 1900)
        ok_year &= years <= min(2200, rules.latest_year)
    else:  # a blank year is --year's; a written one must equal it
        years = np.where(year_blank, rules.year, years)
        ok_year = year_blank | (plain_year & (years == rules.year) & (years <= rules.latest_year))
    return pa.array(np.where(ok_year, years, 0).astype(np.int32)), ~ok_year


def _area(
    cell: Callable[[str], pa.Array], blank: Callable[[str], np.ndarray]
) -> tuple[pa.Array, np.ndarray]:
    """Read the declared area in square wah, or from rai, ngan and wah; flag what is not plain."""
    sqwah_blank = blank("declared_area_sqwah")
    sqwah, bad_sqwah = _numbers(cell("declared_area_sqwah"), sqwah_blank)
    parts = [_numbers(cell(f), blank(f)) for f in _AREA_PARTS]
    parts_blank = np.logical_and.reduce([blank(f) for f in _AREA_PARTS])
    bad = bad_sqwah | (sqwah_blank & np.logical_or.reduce([b for _, b in parts]))
    rai, ngan, wah = (p.fill_null(0.0).to_numpy(zero_copy_only=False) for p, _ in parts)
    from_parts = pa.array(rai * 400.0 + ngan * 100.0 + wah, mask=parts_blank)
    return pc.if_else(sqwah_blank, from_parts, sqwah), bad


def _stripped(to_code: Callable[[str], str | None]) -> Callable[[str], str | None]:
    return lambda text: to_code(text.strip())


def _columns(rows: Sequence[Sequence[Any]], width: int, *, ragged: bool) -> list[pa.Array]:
    """Return one Arrow string array per column position (null past the end of a short row)."""
    if ragged:
        return [
            pa.array([r[i] if i < len(r) else None for r in rows], pa.string())
            for i in range(width)
        ]
    # Every row has every cell: one C-level conversion, then a column per list position.
    cells = pa.array(rows, pa.list_(pa.string()))
    return [pc.list_element(cells, i) for i in range(width)]


def _fill(mask: pa.Array, value: bool) -> np.ndarray:
    return np.asarray(mask.fill_null(value).to_numpy(zero_copy_only=False), dtype=bool)


def _blank(col: pa.Array) -> np.ndarray:
    """Return True where a (safe) cell is missing or spaces only."""
    return _fill(pc.match_substring_regex(col, "^ *$"), True)


def _arabic(col: pa.Array) -> pa.Array:
    """Return the column with Thai digits replaced by Arabic ones (skipped when none)."""
    if pc.all(pc.string_is_ascii(col)).as_py() is not False:  # the cheap test first
        return col
    if not pc.any(pc.match_substring_regex(col, f"[{_THAI_DIGITS}]")).as_py():
        return col
    for arabic, thai in enumerate(_THAI_DIGITS):
        col = pc.replace_substring(col, thai, str(arabic))
    return col


def _numbers(col: pa.Array, blank: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Read plain numbers (Thai digits, thousands separators, spaces, baht sign).

    Returns the numbers (null where blank or flagged) and the flag: not blank and
    not plainly a non-negative number.
    """
    text = _arabic(col)
    for separator in (",", " ", "฿"):  # thousands separators, spaces, the baht sign
        text = pc.replace_substring(text, separator, "")
    plain = _fill(pc.match_substring_regex(text, _PLAIN_NUMBER), False)
    numbers = pc.cast(pc.if_else(plain, text, None), pa.float64())
    negative = _fill(pc.less(numbers, 0.0), False)
    ok = plain & ~negative
    return pc.if_else(ok, numbers, None), ~ok & ~blank


def _by_value(
    col: pa.Array,
    convert: Callable[[str], Any],
    out_type: pa.DataType = _STRING,
    *,
    raises: bool = False,
) -> tuple[pa.Array, np.ndarray]:
    """Apply a per-value function once per distinct value (codes and dates repeat a lot).

    Returns the converted values and a flag where ``convert`` gave None for a
    non-null cell (or, with ``raises``, raised ValueError).
    """
    encoded = col.dictionary_encode()
    results: list[Any] = []
    failed: list[bool] = []
    for text in encoded.dictionary.to_pylist():
        try:
            value = convert(text)
        except ValueError:
            if not raises:
                raise
            value, bad = None, True
        else:
            bad = value is None and not raises
        results.append(value)
        failed.append(bad)
    indices = encoded.indices
    values = pc.take(pa.array(results, out_type), indices)
    bad_mask = _fill(pc.take(pa.array(failed, pa.bool_()), indices), False)
    return values, bad_mask


def _attrs(
    columns: Sequence[pa.Array],
    blanks: Sequence[np.ndarray],
    extra: Sequence[tuple[int, str]],
    n: int,
) -> pa.Array:
    """Return the unmapped columns' non-blank cells as the JSON text ``json.dumps`` writes."""
    if not extra:
        return pa.nulls(n, pa.string())
    pieces = []
    for i, header in extra:
        col = columns[i]
        escaped = pc.replace_substring(pc.replace_substring(col, "\\", "\\\\"), '"', '\\"')
        key = ", " + json.dumps(header, ensure_ascii=False) + ': "'
        piece = pc.binary_join_element_wise(key, escaped, '"', "")
        pieces.append(pc.if_else(blanks[i], "", piece))
    # Each piece leads with ", "; the first one's is cut off.
    body = pc.utf8_slice_codeunits(pc.binary_join_element_wise(*pieces, ""), 2)
    empty = _fill(pc.equal(body, ""), True)
    return pc.if_else(empty, None, pc.binary_join_element_wise("{", body, "}", ""))
