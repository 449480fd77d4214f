"""Register and survey text in spreadsheets: never run as a formula.

A CSV cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return)
runs as a formula when Excel or LibreOffice opens the file, so such text gets a
leading apostrophe, which the survey importer removes again. In XLSX files every
text cell is written as a string, never a formula.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """Return ``text`` as a CSV cell a spreadsheet shows as text.

    Examples
    --------
    >>> csv_text("=HYPERLINK(1)"), csv_text("A-1")
    ("'=HYPERLINK(1)", 'A-1')
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def from_csv_text(text: str) -> str:
    """Undo :func:`csv_text`: drop the apostrophe before text that looks like a formula.

    Examples
    --------
    >>> from_csv_text("'=B-2"), from_csv_text("'quoted")
    ('=B-2', "'quoted")
    """
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def text_cells(ws: Worksheet, values: Iterable[object]) -> list[WriteOnlyCell]:
    """Return a write-only worksheet row; strings stay strings even when they start with ``=``."""
    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    return cells
