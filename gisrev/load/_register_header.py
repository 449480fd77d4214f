"""Where a register's table starts, and which of its rows are summary lines, not accounts.

LTAX exports and hand-made sheets put title rows above the header (the municipality,
the report's title, a date line, blank rows) and totals below or between the accounts
(รวม, รวมทั้งสิ้น, ยอดรวม, Total). The header is the first of the first
:data:`HEADER_SCAN_ROWS` rows that names the parcel code and at least one other known
field (through the aliases and the mapping file), unless ``--header-row`` says which;
rows keep their spreadsheet numbers either way. A row with no parcel code whose text
says "total", or a last row with no parcel code and only numbers, is a totals row:
skipped and reported, neither loaded nor rejected.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence
from typing import Any

from gisrev.errors import InputError
from gisrev.load._register_read import Formula, Records
from gisrev.load.mapping import ColumnMapping, known_fields
from gisrev.load.normalise import is_blank, parse_number

#: How many rows from the top are searched for the header row.
HEADER_SCAN_ROWS = 20

#: A cell that labels a summary line: Thai รวม / ยอดรวม (and what follows them: รวมทั้งสิ้น,
#: รวม 1,503 แปลง, รวมตำบล...), or the English words. Written for both Python's ``re`` and
#: Arrow's RE2 (no look-ahead), matched ignoring case; the fast path only sends the
#: rows it matches to the per-row parser, which decides with Python's ``re``.
TOTALS_LABEL = r"^\s*(ยอดรวม|รวม|((grand\s*|sub-?\s*)?totals?|sum)([^a-z]|$))"
_TOTALS = re.compile(TOTALS_LABEL, re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Header:
    """The register's header row.

    Attributes
    ----------
    row_no
        Its spreadsheet row number (1 when nothing is above it).
    names
        Each header with its whitespace collapsed, blank cells as ``""``.
    recognised
        False when no row looked like a header and the first non-blank one was taken.
    """

    row_no: int
    names: list[str]
    recognised: bool = True


def find_header(
    rows: Records, *, source: str, mapping: ColumnMapping | None, header_row: int | None
) -> tuple[Header, Records]:
    """Find the header row; return it and the records below it (numbered as before).

    Parameters
    ----------
    rows
        The file's numbered records, from its first row.
    source
        The file, for messages.
    mapping
        The mapping file, whose columns count as known headers.
    header_row
        ``--header-row``: the 1-based row that holds the header, or None to search.

    Raises
    ------
    InputError
        When the file is empty, or ``header_row`` is past its end.
    """
    if header_row is not None:
        return _given_header(rows, source, header_row)
    scanned = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    if not scanned:
        msg = f"{source}: the file is empty; expected a header row and register rows"
        raise InputError(msg)
    for i, (row_no, cells) in enumerate(scanned):
        names = header_names(cells)
        found = known_fields("register", names, mapping=mapping)
        if "parcel_code" in found and len(found) >= 2:
            return Header(row_no, names), itertools.chain(scanned[i + 1 :], rows)
    # Nothing looks like a header: take the first non-blank row, whose columns the
    # refusal that follows will name.
    i = next((i for i, (_, cells) in enumerate(scanned) if not _blank_row(cells)), 0)
    row_no, cells = scanned[i]
    return Header(row_no, header_names(cells), recognised=False), itertools.chain(
        scanned[i + 1 :], rows
    )


def _given_header(rows: Records, source: str, header_row: int) -> tuple[Header, Records]:
    if header_row < 1:
        msg = f"--header-row {header_row}: expected a row number, 1 or more, as a spreadsheet shows"
        raise InputError(msg)
    last = 0
    for row_no, cells in rows:
        last = row_no
        if row_no == header_row:
            return Header(row_no, header_names(cells)), rows
    if not last:
        msg = f"{source}: the file is empty; expected a header row and register rows"
    else:
        msg = (
            f"{source}: --header-row {header_row} is past the end of the file (its last row "
            f"is {last}); give the row that holds the column names"
        )
    raise InputError(msg)


def header_names(cells: Sequence[Any]) -> list[str]:
    """Return a header row's names: whitespace collapsed, blank cells as ``""``."""
    return ["" if h is None else " ".join(str(h).split()) for h in cells]


def is_totals_label(value: Any) -> bool:
    """Tell whether a cell labels a summary line (รวม, ยอดรวม, Total...).

    Examples
    --------
    >>> [is_totals_label(v) for v in ("รวมทั้งสิ้น", " Total:", "Totally", "กรรมสิทธิ์รวม", 5)]
    [True, True, False, False, False]
    """
    return isinstance(value, str) and _TOTALS.match(value) is not None


def is_totals_row(row: Sequence[Any], code: Any, *, last: bool) -> bool:
    """Tell whether a row is a summary line rather than an account.

    Parameters
    ----------
    row
        The row's cells.
    code
        Its parcel-code cell (None when the row is short of it).
    last
        Whether it is the file's last non-blank row.

    Returns
    -------
    bool
        True when it has no parcel code (the cell is blank or itself a label) and either
        a cell says "total", or it is the last row and holds numbers only.
    """
    if not (is_blank(code) or is_totals_label(code)):
        return False
    if any(is_totals_label(v) for v in row):
        return True
    return last and _numbers_only(row)


def _numbers_only(row: Sequence[Any]) -> bool:
    """Return True when the row's non-blank cells are all numbers, and there is one.

    A formula never calculated (``=SUM(F5:F1502)``) counts as the number it would give.
    """
    seen = False
    for value in row:
        if is_blank(value):
            continue
        if isinstance(value, bool):
            return False
        if isinstance(value, Formula):
            seen = True
            continue
        try:
            parse_number(value)
        except ValueError:
            return False
        seen = True
    return seen


def _blank_row(cells: Sequence[Any]) -> bool:
    return all(is_blank(v) for v in cells)
