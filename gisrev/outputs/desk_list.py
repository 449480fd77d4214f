"""The desk list: findings the office settles from papers, as one XLSX (``desk_list.xlsx``).

``gisrev map`` writes it beside ``index.html``, which links it. One row per finding on the
desk list (see :mod:`gisrev.db.fieldwork`): arrears, duplicate accounts, register rows not
on the map, findings whose gap is too small for a visit, and parcels a survey resolved
that wait for the register. Headers are Thai with the English beside; every text cell is
written as a string, never a formula; owner ID numbers are never read, owner names only
when asked for.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gisrev.spreadsheet import text_cells
from gisrev.vocab import DESK_ACTIONS, FINDING_LABELS

__all__ = ["DESK_COLUMNS", "desk_frame", "write_desk_list"]

#: column -> (Thai header, English header), in the sheet's order.
DESK_COLUMNS: dict[str, tuple[str, str]] = {
    "parcel_code": ("รหัสแปลง", "parcel code"),
    "account_id": ("เลขที่บัญชี", "account"),
    "deed_no": ("เลขที่โฉนด", "deed no."),
    "owner_name": ("เจ้าของ", "owner"),
    "labels": ("ข้อค้นพบ", "findings"),
    "flags": ("รหัสข้อค้นพบ", "finding codes"),
    "reason_th": ("เหตุผล", "reason"),
    "reason_en": ("เหตุผล (อังกฤษ)", "reason (English)"),
    "tax_assessed": ("ภาษีที่ประเมิน (บาท)", "tax assessed (baht)"),
    "tax_paid": ("ภาษีที่ชำระ (บาท)", "tax paid (baht)"),
    "gap": ("ส่วนต่าง (บาท)", "gap (baht)"),
    "todo_th": ("สิ่งที่ต้องทำ", "what to do (Thai)"),
    "todo_en": ("สิ่งที่ต้องทำ (อังกฤษ)", "what to do"),
    "package": ("ชุดงานสำรวจ", "field package"),
}
_MONEY = ("tax_assessed", "tax_paid", "gap")
_WIDE = 60  # characters: reasons wrap beyond this


def desk_frame(findings: pd.DataFrame, *, show_owner: bool = False) -> pd.DataFrame:
    """Return the desk list's rows: one per finding with a desk reason, in working order.

    Parameters
    ----------
    findings
        Findings with ``desk`` (a tuple of :data:`gisrev.vocab.DESK_ACTIONS` keys; empty
        where the finding is not desk work), ``flags`` (a list of codes), ``parcel_code``,
        ``account_id``, ``deed_no``, ``reason_th``, ``reason_en``, ``tax_assessed``,
        ``tax_paid``, ``gap``, ``package`` (the field package of a parcel that is a
        field stop too, else NA) and ``owner_name`` when ``show_owner``.
    show_owner
        Keep the ``owner_name`` column.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`DESK_COLUMNS` (less ``owner_name`` unless asked), grouped by
        the first thing to do (in :data:`DESK_ACTIONS` order), largest gap first.

    Examples
    --------
    >>> rows = pd.DataFrame({"desk": [("ARREARS",)], "flags": [["UNDERPAID", "ARREARS"]],
    ...     "parcel_code": ["A-1"], "account_id": ["7"], "deed_no": [None], "reason_th": [""],
    ...     "reason_en": [""], "tax_assessed": [900.0], "tax_paid": [0.0], "gap": [5900.0],
    ...     "package": [3]})
    >>> desk_frame(rows).loc[0, ["labels", "todo_en"]].tolist()
    ['ประเมินต่ำกว่าที่ควร; ค้างชำระ', 'follow up the payment']
    """
    rows = findings[[bool(d) for d in findings["desk"]]]
    rank = {key: i for i, key in enumerate(DESK_ACTIONS)}
    out = pd.DataFrame({
        "parcel_code": rows["parcel_code"].astype(str),
        "account_id": rows["account_id"],
        "deed_no": rows["deed_no"],
        "owner_name": rows["owner_name"] if show_owner else None,
        "labels": ["; ".join(FINDING_LABELS[c][0] if c in FINDING_LABELS else c for c in f)
                   for f in rows["flags"]],
        "flags": [";".join(f) for f in rows["flags"]],
        "reason_th": rows["reason_th"],
        "reason_en": rows["reason_en"],
        **{col: pd.to_numeric(rows[col]).round(2) for col in _MONEY},
        "todo_th": ["; ".join(DESK_ACTIONS[k][0] for k in d) for d in rows["desk"]],
        "todo_en": ["; ".join(DESK_ACTIONS[k][1] for k in d) for d in rows["desk"]],
        "package": rows["package"].astype("Int64"),
        "_rank": [rank[d[0]] for d in rows["desk"]],
    }, index=rows.index)
    out = out.sort_values(["_rank", "gap", "parcel_code"], ascending=[True, False, True],
                          na_position="last", kind="stable")
    columns = [c for c in DESK_COLUMNS if show_owner or c != "owner_name"]
    return out[columns].reset_index(drop=True)


def write_desk_list(frame: pd.DataFrame, path: str | Path, *, title: str) -> Path:
    """Write :func:`desk_frame`'s rows as an XLSX: header frozen, autofilter, widths fitted.

    Parameters
    ----------
    frame
        Rows from :func:`desk_frame`.
    path
        The ``.xlsx`` to write.
    title
        Sheet title (at most 31 characters are kept).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    columns = list(frame.columns)
    for j, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = _width(col, frame[col])
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    ws.append(_header(ws, columns))
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in frame.itertuples(index=False, name=None):
        cells = text_cells(ws, [_cell(v) for v in row])
        for col, cell in zip(columns, cells, strict=True):
            if col in _MONEY:
                cell.number_format = "#,##0.00"
            elif col.startswith(("reason", "todo")):
                cell.alignment = wrap
        ws.append(cells)
    wb.save(path)
    return path


def _header(ws: Any, columns: Sequence[str]) -> list[WriteOnlyCell]:
    font, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="305496")
    cells = []
    for col in columns:
        th, en = DESK_COLUMNS[col]
        cell = WriteOnlyCell(ws, value=f"{th} / {en}")
        cell.font, cell.fill = font, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    return cells


def _cell(value: object) -> object:
    """Return a sheet value: text stays text, numbers numbers, unknown blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _width(col: str, values: pd.Series) -> float:
    """Column width in characters: the longest value, or the header (wrapped when long)."""
    th, en = DESK_COLUMNS[col]
    shown = [f"{v:,.2f}" if col in _MONEY else str(v) for v in values if _cell(v) is not None]
    header = min(_shown_length(f"{th} / {en}"), 20)
    longest = max([header, *(_shown_length(s) for s in shown)])
    return float(min(longest + 2, _WIDE))


def _shown_length(text: str) -> int:
    """Characters a cell shows: Thai vowel and tone marks above or below take no width."""
    return sum(1 for ch in text if unicodedata.category(ch) != "Mn")
