"""The survey form as a table: CSV, XLSX with drop-down lists, and an XLSForm for ODK Collect."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from gisrev.spreadsheet import csv_text
from gisrev.survey._fields import FIELD_HELP_EN, FIELD_LABELS_TH, FIELDS, PREFILLED
from gisrev.vocab import FOUND_USES, OUTCOMES, Choice

_BOLD = Font(bold=True)


def write_form_csv(rows: pd.DataFrame, path: Path) -> Path:
    """Write the form as CSV (UTF-8 with BOM)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        for record in rows[list(FIELDS)].itertuples(index=False, name=None):
            writer.writerow(csv_text(str(v)) for v in record)
    return path


def _list_validation(choices: Sequence[Choice], *, title: str) -> DataValidation:
    return DataValidation(
        type="list", formula1='"' + ",".join(c.code for c in choices) + '"', allow_blank=True,
        showErrorMessage=True, errorTitle=title,
        error="เลือกจากรายการ / pick a value from the list",
        promptTitle=title, prompt="; ".join(f"{c.code} = {c.label_th}" for c in choices)[:255],
        showInputMessage=True,
    )


def _form_checks() -> list[tuple[DataValidation, str]]:
    """Return the XLSX form's checks, each with the field whose column it guards."""
    return [
        (_list_validation(OUTCOMES, title="outcome"), "outcome"),
        (_list_validation(FOUND_USES, title="found_use"), "found_use"),
        # Up to 2800: Excel with a Gregorian locale stores a typed 14/8/2566 as the year 2566
        # (the importer reads it as BE), and the error below asks for just that.
        (DataValidation(type="date", operator="between", formula1="DATE(1950,1,1)",
                        formula2="DATE(2800,12,31)", allow_blank=True, showErrorMessage=True,
                        error="วันที่ เช่น 14/8/2566 / a date such as 2023-08-14"), "visited_at"),
        (DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                        allow_blank=True, showErrorMessage=True,
                        error="จำนวนเต็ม 0 ขึ้นไป / a whole number of 0 or more"),
         "buildings_count"),
        (DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1",
                        allow_blank=True, showErrorMessage=True,
                        error="จำนวนเต็ม 1 ขึ้นไป / a whole number of 1 or more"), "floors"),
    ]


def _text_stays_text(ws: Worksheet) -> None:
    """Mark every text cell below the header as text: one that looks like a formula stays text."""
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _write_form_sheet(ws: Worksheet, rows: pd.DataFrame) -> None:
    ws.title = "survey"  # the importer looks for this sheet first
    ws.append(list(FIELDS))
    for cell in ws[1]:
        cell.font = _BOLD
    for record in rows[list(FIELDS)].itertuples(index=False, name=None):
        ws.append([v if v != "" else None for v in record])
    _text_stays_text(ws)
    last = max(len(rows) + 1, 200)  # room for parcels the surveyor adds
    col = {f: chr(ord("A") + i) for i, f in enumerate(FIELDS)}
    for dv, field in _form_checks():
        dv.add(f"{col[field]}2:{col[field]}{last}")
        ws.add_data_validation(dv)
    for field in FIELDS:
        ws.column_dimensions[col[field]].width = 40 if field in ("reason", "notes") else 16
    ws.freeze_panes = "B2"


def _write_help_sheet(ws: Worksheet, *, title: str) -> None:
    ws.append(["field", "ชื่อ", "description", "filled by"])
    for cell in ws[1]:
        cell.font = _BOLD
    for field in FIELDS:
        who = "worklist" if field in PREFILLED else "surveyor"
        ws.append([field, FIELD_LABELS_TH[field], FIELD_HELP_EN[field], who])
    ws.append([])
    ws.append(["outcome", "ผลการสำรวจ", "", ""])
    for c in OUTCOMES:
        ws.append(["", c.code, c.label_th, c.label_en])
    ws.append(["found_use", "การใช้ประโยชน์ที่พบ", "", ""])
    for c in FOUND_USES:
        ws.append(["", c.code, c.label_th, c.label_en])
    ws.append([])
    ws.append(["", title])


def write_form_xlsx(rows: pd.DataFrame, path: Path, *, title: str) -> Path:
    """Write the form as XLSX with drop-down lists and checks, and a sheet explaining it."""
    wb = Workbook()
    _write_form_sheet(wb.active, rows)
    _write_help_sheet(wb.create_sheet("คำอธิบาย"), title=title)
    wb.save(path)
    return path


# type, name, Thai label, English label, required, constraint, its message, appearance
_XLSFORM_QUESTIONS: tuple[tuple[str, ...], ...] = (
    ("select_one parcel", "parcel_code", FIELD_LABELS_TH["parcel_code"], "Parcel code", "yes",
     "", "", "autocomplete"),
    ("date", "visited_at", FIELD_LABELS_TH["visited_at"], "Date of visit", "yes",
     ". <= today()", "not in the future", ""),
    ("text", "surveyor", FIELD_LABELS_TH["surveyor"], "Surveyor", "", "", "", ""),
    ("select_one found_use", "found_use", FIELD_LABELS_TH["found_use"], "Use found", "", "", "",
     ""),
    ("integer", "buildings_count", FIELD_LABELS_TH["buildings_count"], "Buildings", "", ". >= 0",
     "0 or more", ""),
    ("integer", "floors", FIELD_LABELS_TH["floors"], "Floors", "", ". >= 1", "1 or more", ""),
    ("text", "notes", FIELD_LABELS_TH["notes"], "Notes", "", "", "", "multiline"),
    ("image", "photo", FIELD_LABELS_TH["photo"], "Photo", "", "", "", ""),
    ("select_one outcome", "outcome", FIELD_LABELS_TH["outcome"], "Outcome", "yes", "", "", ""),
    ("geopoint", "location", "ตำแหน่ง", "Location", "", "", "", ""),
)


def write_xlsform(rows: pd.DataFrame, path: Path, *, title: str, form_id: str) -> Path:
    """Write an XLSForm for ODK Collect; the parcel is chosen from the worklist's codes."""
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label::ไทย (th)", "label::English (en)", "required",
                   "constraint", "constraint_message::English (en)", "appearance"])
    for question in _XLSFORM_QUESTIONS:
        survey.append(list(question))
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label::ไทย (th)", "label::English (en)"])
    for record in rows[["parcel_code", "reason"]].itertuples(index=False, name=None):
        label = f"{record[0]} — {record[1]}" if record[1] else record[0]
        choices.append(["parcel", record[0], label, label])
    for list_name, values in (("found_use", FOUND_USES), ("outcome", OUTCOMES)):
        for c in values:
            choices.append([list_name, c.code, c.label_th, c.label_en])
    _text_stays_text(choices)
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([title, form_id, dt.date.today().strftime("%Y%m%d"), "ไทย (th)"])
    wb.save(path)
    return path
