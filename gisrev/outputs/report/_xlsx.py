"""The report's tables as an XLSX workbook, one sheet each; text never becomes a formula."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gisrev.outputs.report._data import ReportData
from gisrev.outputs.report._text import label
from gisrev.vocab import FINDING_LABELS, USE_LABELS
from gisrev.years import be


def write_xlsx(data: ReportData, out: Path) -> None:
    """Write the report's tables to ``out``, one sheet each."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for title, df in _sheets(data):
        ws = wb.create_sheet(title)
        ws.append(list(df.columns))
        for cell in ws[1]:
            cell.font = bold
        for values in df.itertuples(index=False):
            ws.append([_xlsx_value(v) for v in values])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # register text like "=HYPERLINK(...)" stays text
                elif isinstance(cell.value, float):
                    cell.number_format = "#,##0.00"
        ws.freeze_panes = "A2"
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col)), *(len(str(v)) for v in df[col].head(200))]) + 2
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(width, 60)
    wb.save(out)


def _sheets(data: ReportData) -> list[tuple[str, pd.DataFrame]]:
    """Return (sheet title, table) in workbook order."""
    s = data.summary
    by_flag = s.by_flag.assign(
        label_th=[label(FINDING_LABELS, f)[0] for f in s.by_flag["flag"]],
        label_en=[label(FINDING_LABELS, f)[1] for f in s.by_flag["flag"]],
    )[["flag", "label_th", "label_en", "findings", "gap"]]
    by_use = s.by_use.assign(
        label_th=[label(USE_LABELS, u)[0] for u in s.by_use["use"]],
        label_en=[label(USE_LABELS, u)[1] for u in s.by_use["use"]],
    )
    by_use = by_use[["use", "label_th", "label_en", *s.by_use.columns.drop("use")]]
    top = s.top.assign(flags=s.top["flags"].map(";".join))
    table = pd.DataFrame(data.findings.drop(columns="geometry"))
    table["flags"] = table["flags"].map(";".join)
    sheets: list[tuple[str, pd.DataFrame]] = [
        ("Summary", _summary_sheet(data)),
        ("By finding code", by_flag),
        ("By zone", s.by_zone),
        ("By use", by_use),
        (f"Top {len(top)} parcels", top),
        ("Findings", table),
        ("By tax year", data.by_year),
    ]
    if data.recovered is not None:
        sheets.append((f"Recovered {be(s.year)}", pd.DataFrame(data.recovered)))
    return sheets


def _summary_sheet(data: ReportData) -> pd.DataFrame:
    """Return the totals as (Thai label, English label, value) rows."""
    s = data.summary
    t = s.totals
    recovered = data.recovered
    rows: list[tuple[str, str, Any]] = [
        ("ปีภาษี (พ.ศ.)", "Tax year (BE)", be(s.year)),
        ("ปีภาษี (ค.ศ.)", "Tax year (CE)", s.year),
        ("รหัส อปท.", "Municipality code", s.lgu_code),
        ("แปลงที่ดินในแผนที่", "Parcels on the map", t["parcels"]),
        ("บัญชีในทะเบียน", "Register accounts", t["register_accounts"]),
        ("ภาษีที่ประเมินทั้งหมด (บาท)", "Assessed, all accounts (baht)", t["register_assessed"]),
        ("ภาษีที่ชำระทั้งหมด (บาท)", "Paid, all accounts (baht)", t["register_paid"]),
        ("จำนวนข้อพบ", "Findings", t["findings"]),
        ("แปลงที่พบปัญหา", "Flagged parcels", t["flagged_parcels"]),
        ("รายการไม่พบแปลง", "Orphan register records", t["orphan_records"]),
        ("ภาษีที่ควรได้ (บาท)", "Expected tax, findings (baht)", t["expected_tax"]),
        ("ภาษีที่ประเมิน (บาท)", "Assessed, findings (baht)", t["tax_assessed"]),
        ("ภาษีที่ชำระ (บาท)", "Paid, findings (baht)", t["tax_paid"]),
        ("รายได้ที่ขาดหาย (บาท)", "Revenue gap (baht)", t["gap"]),
        ("รายได้ที่ได้คืนจากข้อพบปีก่อน (บาท)", "Recovered from last year's findings (baht)",
         None if recovered is None else recovered.attrs["total"]),
    ]
    return pd.DataFrame(rows, columns=["label_th", "label_en", "value"])


def _xlsx_value(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
