"""Worklists for surveyors: one CSV (UTF-8 with BOM, so Excel shows Thai) and one XLSX.

Register text is untrusted: a cell that starts with ``=``, ``+``, ``-`` or ``@``
would run as a formula in a spreadsheet. In the CSV such text gets a leading
apostrophe; in the XLSX every text cell is written as a string, never a formula.
Owner ID numbers are never written; owner names only when asked for.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from gisrev.spreadsheet import csv_text, text_cells

WORKLIST_COLUMNS: tuple[str, ...] = (
    "order",
    "parcel_code",
    "flags",
    "reason_th",
    "reason_en",
    "deed_no",
    "lon",
    "lat",
    "gap",
)
_TEXT_COLUMNS = {"parcel_code", "flags", "reason_th", "reason_en", "deed_no", "owner_name"}


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def _number(value: object, digits: int) -> float | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return round(float(value), digits)  # type: ignore[arg-type]


def worklist_frame(findings: pd.DataFrame, *, show_owner: bool = False) -> pd.DataFrame:
    """Return the worklist columns of ``findings`` in visiting order.

    Parameters
    ----------
    findings
        Rows with at least the columns of :data:`WORKLIST_COLUMNS` (``flags`` may be a
        list of codes) and ``owner_name`` when ``show_owner``.
    show_owner
        Add the ``owner_name`` column.

    Returns
    -------
    pandas.DataFrame
        Text columns as ``str`` (flags joined with ``;``), lon/lat to 6 decimals,
        gap in baht to 2 decimals, sorted by ``order``.
    """
    columns = [*WORKLIST_COLUMNS, *(["owner_name"] if show_owner else [])]
    out = pd.DataFrame(index=findings.index)
    for col in columns:
        if col in _TEXT_COLUMNS:
            out[col] = [_text(v) for v in findings[col]]
        elif col == "order":
            out[col] = findings[col].astype("int64")
        else:
            out[col] = [_number(v, 6 if col in ("lon", "lat") else 2) for v in findings[col]]
    return out.sort_values("order", kind="stable").reset_index(drop=True)


def write_worklist(
    findings: pd.DataFrame, stem: str | Path, *, show_owner: bool = False, title: str | None = None
) -> tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.xlsx`` for one work package.

    Parameters
    ----------
    findings
        See :func:`worklist_frame`.
    stem
        Output path without suffix.
    show_owner
        Include owner names (never owner ID numbers).
    title
        Sheet title (at most 31 characters are kept).

    Returns
    -------
    tuple of Path
        The CSV and the XLSX written.
    """
    frame = worklist_frame(findings, show_owner=show_owner)
    stem = Path(stem)
    csv_path, xlsx_path = stem.with_suffix(".csv"), stem.with_suffix(".xlsx")
    rows = _rows(frame)
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(frame.columns)
        for row in rows:
            writer.writerow(
                "" if v is None else csv_text(v) if isinstance(v, str) else v for v in row
            )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet((title or stem.name)[:31])
    bold = Font(bold=True)
    header = []
    for name in frame.columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append(text_cells(ws, row))
    wb.save(xlsx_path)
    return csv_path, xlsx_path


def _rows(frame: pd.DataFrame) -> Sequence[tuple[object, ...]]:
    return [
        tuple(None if (not isinstance(v, str) and pd.isna(v)) else v for v in row)
        for row in frame.itertuples(index=False, name=None)
    ]
