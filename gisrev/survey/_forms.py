"""Survey forms for the field, one per worklist.

For each worklist four files are written next to each other:

``<name>.csv``
    The form as a table: ``parcel_code`` and ``reason`` filled in, one empty
    column per answer. UTF-8 with a byte-order mark so Excel shows Thai.
``<name>.xlsx``
    The same, with drop-down lists (data validation) for ``outcome`` and
    ``found_use``, a date check on ``visited_at``, whole numbers for the counts,
    and a sheet explaining each field in Thai and English.
``<name>.gpkg``
    For QField: a ``survey`` layer of the parcels (EPSG:4326) carrying the form's
    fields. ``outcome`` and ``found_use`` have GeoPackage field domains (coded
    values, the GeoPackage schema extension) that QGIS turns into drop-downs, and
    the same lists are in the attribute tables ``outcome_values`` and
    ``found_use_values`` for a value-relation widget. Counts have range domains.
``<name>-xlsform.xlsx``
    An XLSForm for ODK Collect (convert with pyxform or upload to ODK Central):
    the parcel is picked from the worklist's codes.

Every one of them comes back through ``gisrev survey import``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import shapely
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.engine import Connection, Engine

from gisrev.config import Settings
from gisrev.db.engine import transaction
from gisrev.errors import InputError
from gisrev.spreadsheet import csv_text, from_csv_text
from gisrev.survey._fields import FIELD_LABELS_TH, FIELDS, FOUND_USES, OUTCOMES, PREFILLED, Choice
from gisrev.years import be, tax_year

_FIELD_HELP_EN: dict[str, str] = {
    "parcel_code": "parcel code (filled in)",
    "reason": "why the parcel is to be visited (filled in)",
    "visited_at": "date of the visit: 2023-08-14 or 14/8/2566",
    "surveyor": "surveyor's name",
    "found_use": "use found: " + ", ".join(c.code for c in FOUND_USES),
    "buildings_count": "number of buildings on the parcel (0 or more)",
    "floors": "floors of the main building (1 or more)",
    "notes": "notes",
    "photo": "photo file name",
    "outcome": "outcome: " + ", ".join(c.code for c in OUTCOMES),
}
_GPKG_TYPES = {
    "visited_at": "date", "buildings_count": "int32", "floors": "int32",
}


@dataclasses.dataclass(frozen=True)
class SurveyForm:
    """The files written for one worklist."""

    name: str
    n_parcels: int
    csv: Path
    xlsx: Path
    gpkg: Path
    xlsform: Path


def form_rows(worklist: pd.DataFrame) -> pd.DataFrame:
    """Return a form's rows from a worklist: ``parcel_code`` and ``reason`` filled, answers empty.

    Parameters
    ----------
    worklist
        At least ``parcel_code``; ``reason_th`` (else ``reason_en``, else ``flags``) becomes
        the reason. Rows keep their order.

    Examples
    --------
    >>> rows = form_rows(pd.DataFrame({"parcel_code": ["A-1"], "flags": ["UNREGISTERED"]}))
    >>> rows.iloc[0, :3].tolist()
    ['A-1', 'UNREGISTERED', '']
    """
    reason_col = next((c for c in ("reason_th", "reason_en", "flags") if c in worklist), None)
    out = pd.DataFrame({f: [""] * len(worklist) for f in FIELDS}, dtype=object)
    # The worklist CSV put an apostrophe before text that looks like a formula.
    out["parcel_code"] = [from_csv_text(str(v)) for v in worklist["parcel_code"]]
    if reason_col is not None:
        out["reason"] = ["" if pd.isna(v) else from_csv_text(str(v)) for v in worklist[reason_col]]
    return out


def write_form_csv(rows: pd.DataFrame, path: Path) -> Path:
    """Write the form as CSV (UTF-8 with BOM)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        for record in rows[list(FIELDS)].itertuples(index=False, name=None):
            writer.writerow(csv_text(str(v)) for v in record)
    return path


def _list_validation(choices: Sequence[Choice], *, title: str) -> DataValidation:
    dv = DataValidation(
        type="list", formula1='"' + ",".join(c.code for c in choices) + '"', allow_blank=True,
        showErrorMessage=True, errorTitle=title,
        error="เลือกจากรายการ / pick a value from the list",
        promptTitle=title, prompt="; ".join(f"{c.code} = {c.label_th}" for c in choices)[:255],
        showInputMessage=True,
    )
    return dv


def write_form_xlsx(rows: pd.DataFrame, path: Path, *, title: str) -> Path:
    """Write the form as XLSX with drop-down lists and checks, and a sheet explaining it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"  # the importer looks for this sheet first
    bold = Font(bold=True)
    ws.append(list(FIELDS))
    for cell in ws[1]:
        cell.font = bold
    for record in rows[list(FIELDS)].itertuples(index=False, name=None):
        ws.append([v if v != "" else None for v in record])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text that looks like a formula stays text
    last = max(len(rows) + 1, 200)  # room for parcels the surveyor adds
    col = {f: chr(ord("A") + i) for i, f in enumerate(FIELDS)}
    checks = [
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
    for dv, field in checks:
        dv.add(f"{col[field]}2:{col[field]}{last}")
        ws.add_data_validation(dv)
    for field in FIELDS:
        ws.column_dimensions[col[field]].width = 40 if field in ("reason", "notes") else 16
    ws.freeze_panes = "B2"

    help_ws = wb.create_sheet("คำอธิบาย")
    help_ws.append(["field", "ชื่อ", "description", "filled by"])
    for cell in help_ws[1]:
        cell.font = bold
    for field in FIELDS:
        who = "worklist" if field in PREFILLED else "surveyor"
        help_ws.append([field, FIELD_LABELS_TH[field], _FIELD_HELP_EN[field], who])
    help_ws.append([])
    help_ws.append(["outcome", "ผลการสำรวจ", "", ""])
    for c in OUTCOMES:
        help_ws.append(["", c.code, c.label_th, c.label_en])
    help_ws.append(["found_use", "การใช้ประโยชน์ที่พบ", "", ""])
    for c in FOUND_USES:
        help_ws.append(["", c.code, c.label_th, c.label_en])
    help_ws.append([])
    help_ws.append(["", title])
    wb.save(path)
    return path


def write_form_gpkg(
    rows: pd.DataFrame, geoms: Sequence[shapely.Geometry | None], path: Path
) -> Path:
    """Write the QField GeoPackage: a ``survey`` layer, field domains and value tables.

    Parameters
    ----------
    rows
        The form rows (:func:`form_rows`).
    geoms
        One shapely geometry in EPSG:4326 (or None for a parcel not on the map) per row.
    path
        The ``.gpkg`` to write (replaced if it exists).
    """
    import fiona

    if path.exists():
        path.unlink()
    props = {f: _GPKG_TYPES.get(f, "str") for f in FIELDS}
    schema = {"geometry": "MultiPolygon", "properties": props}
    with fiona.open(path, "w", driver="GPKG", layer="survey", schema=schema,
                    crs="EPSG:4326") as layer:
        for record, geom in zip(rows[list(FIELDS)].to_dict("records"), geoms, strict=True):
            properties = {f: (record[f] or None) if f in PREFILLED else None for f in FIELDS}
            shape = None
            if geom is not None:
                multi = geom if geom.geom_type == "MultiPolygon" else shapely.MultiPolygon([geom])
                shape = fiona.Geometry.from_dict(shapely.geometry.mapping(multi))
            layer.write(fiona.Feature(geometry=shape, properties=fiona.Properties(**properties)))
    _add_domains(path)
    return path


_SCHEMA_EXTENSION = "http://www.geopackage.org/spec121/#extension_schema"


def _add_domains(path: Path) -> None:
    """Add coded-value and range domains (GeoPackage schema extension) and value tables."""
    today = dt.date.today().isoformat()
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE IF NOT EXISTS gpkg_data_columns (
                table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
                description TEXT, mime_type TEXT, constraint_name TEXT,
                CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
                CONSTRAINT gdc_tn UNIQUE (table_name, name));
            CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
                constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT,
                min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN,
                description TEXT,
                CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
            CREATE TABLE IF NOT EXISTS gpkg_extensions (
                table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
                definition TEXT NOT NULL, scope TEXT NOT NULL,
                CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
        """)
        for table in ("gpkg_data_columns", "gpkg_data_column_constraints"):
            db.execute(
                "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_schema', ?,"
                " 'read-write')", (table, _SCHEMA_EXTENSION),
            )
        enum_rows: list[tuple[object, ...]] = [
            (f"survey_{field}", "enum", c.code, None, None, None, None,
             f"{c.label_th} / {c.label_en}")
            for field, choices in (("outcome", OUTCOMES), ("found_use", FOUND_USES))
            for c in choices
        ]
        range_rows: list[tuple[object, ...]] = [
            ("survey_buildings_count", "range", None, 0, 1, None, None, "0 or more"),
            ("survey_floors", "range", None, 1, 1, None, None, "1 or more"),
        ]
        db.executemany(
            "INSERT OR REPLACE INTO gpkg_data_column_constraints VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            enum_rows + range_rows,
        )
        db.executemany(
            "INSERT OR REPLACE INTO gpkg_data_columns VALUES ('survey', ?, ?, ?, ?, NULL, ?)",
            [
                (field, field, FIELD_LABELS_TH[field], _FIELD_HELP_EN[field],
                 f"survey_{field}" if field in ("outcome", "found_use", "buildings_count",
                                                "floors") else None)
                for field in FIELDS
            ],
        )
        for table, choices in (("outcome_values", OUTCOMES), ("found_use_values", FOUND_USES)):
            db.execute(f'DROP TABLE IF EXISTS "{table}"')
            db.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT,'
                       " code TEXT NOT NULL UNIQUE, label_th TEXT, label_en TEXT)")
            db.executemany(f'INSERT INTO "{table}" (code, label_th, label_en) VALUES (?, ?, ?)',
                           [(c.code, c.label_th, c.label_en) for c in choices])
            db.execute(
                "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier,"
                " description, last_change) VALUES (?, 'attributes', ?, ?, ?)",
                (table, table, "value list of the survey form", today + "T00:00:00Z"),
            )


def write_xlsform(rows: pd.DataFrame, path: Path, *, title: str, form_id: str) -> Path:
    """Write an XLSForm for ODK Collect; the parcel is chosen from the worklist's codes."""
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label::ไทย (th)", "label::English (en)", "required",
                   "constraint", "constraint_message::English (en)", "appearance"])
    survey.append(["select_one parcel", "parcel_code", FIELD_LABELS_TH["parcel_code"],
                   "Parcel code", "yes", "", "", "autocomplete"])
    survey.append(["date", "visited_at", FIELD_LABELS_TH["visited_at"], "Date of visit", "yes",
                   ". <= today()", "not in the future", ""])
    survey.append(["text", "surveyor", FIELD_LABELS_TH["surveyor"], "Surveyor", "", "", "", ""])
    survey.append(["select_one found_use", "found_use", FIELD_LABELS_TH["found_use"],
                   "Use found", "", "", "", ""])
    survey.append(["integer", "buildings_count", FIELD_LABELS_TH["buildings_count"],
                   "Buildings", "", ". >= 0", "0 or more", ""])
    survey.append(["integer", "floors", FIELD_LABELS_TH["floors"], "Floors", "", ". >= 1",
                   "1 or more", ""])
    survey.append(["text", "notes", FIELD_LABELS_TH["notes"], "Notes", "", "", "", "multiline"])
    survey.append(["image", "photo", FIELD_LABELS_TH["photo"], "Photo", "", "", "", ""])
    survey.append(["select_one outcome", "outcome", FIELD_LABELS_TH["outcome"], "Outcome", "yes",
                   "", "", ""])
    survey.append(["geopoint", "location", "ตำแหน่ง", "Location", "", "", "", ""])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label::ไทย (th)", "label::English (en)"])
    for record in rows[["parcel_code", "reason"]].itertuples(index=False, name=None):
        label = f"{record[0]} — {record[1]}" if record[1] else record[0]
        choices.append(["parcel", record[0], label, label])
    for list_name, values in (("found_use", FOUND_USES), ("outcome", OUTCOMES)):
        for c in values:
            choices.append([list_name, c.code, c.label_th, c.label_en])
    for row in choices.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([title, form_id, dt.date.today().strftime("%Y%m%d"), "ไทย (th)"])
    wb.save(path)
    return path


def _worklists_from_maps(maps_dir: Path) -> list[tuple[str, pd.DataFrame]]:
    files = sorted((maps_dir / "packages").glob("package-*.csv"))
    if (maps_dir / "orphans.csv").exists():
        files.append(maps_dir / "orphans.csv")
    if not files:
        msg = (
            f"{maps_dir}: no worklists (packages/package-*.csv); run "
            f"`gisrev map --year Y --out {maps_dir}` first, or leave --maps out"
        )
        raise InputError(msg)
    return [
        (f.stem, pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
        for f in files
    ]


def _worklist_from_findings(conn: Connection, *, lgu_code: str, year: int) -> pd.DataFrame:
    rows = conn.execute(sa.text(
        "SELECT parcel_code, array_to_string(flags, ';') AS flags, reason_th FROM findings"
        " WHERE lgu_code = :lgu AND tax_year = :year ORDER BY priority NULLS LAST, parcel_code"
    ), {"lgu": lgu_code, "year": year}).all()
    if not rows:
        msg = (
            f"no findings for tax year {be(year)} of municipality {lgu_code}; "
            f"run `gisrev analyze --year {be(year)}` first"
        )
        raise InputError(msg)
    return pd.DataFrame([tuple(r) for r in rows], columns=["parcel_code", "flags", "reason_th"])


def _parcel_shapes(
    conn: Connection, *, lgu_code: str, codes: list[str]
) -> dict[str, shapely.Geometry]:
    rows = conn.execute(sa.text(
        "SELECT parcel_code, ST_AsBinary(ST_Transform(geom, 4326)) FROM parcels"
        " WHERE lgu_code = :lgu AND parcel_code = ANY(:codes)"
    ), {"lgu": lgu_code, "codes": codes}).all()
    return {code: shapely.from_wkb(bytes(wkb)) for code, wkb in rows}


def write_survey_forms(
    engine: Engine | Connection,
    out_dir: str | os.PathLike[str],
    /,
    *,
    year: int,
    settings: Settings,
    maps_dir: str | os.PathLike[str] | None = None,
) -> list[SurveyForm]:
    """Write a survey form (CSV, XLSX, QField GeoPackage, XLSForm) for each worklist.

    Parameters
    ----------
    engine
        The database (findings, and parcels for the GeoPackage's shapes).
    out_dir
        Folder for the forms; created if needed.
    year
        Tax year of the findings (CE or BE).
    settings
        Gives the municipality (``lgu_code``).
    maps_dir
        The folder ``gisrev map`` wrote: one form per worklist found in its
        ``packages/`` (and one for ``orphans.csv``). Without it, one form ``all``
        lists every finding of the year in priority order.

    Returns
    -------
    list of SurveyForm
        The files written per worklist.
    """
    year = tax_year(year)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with transaction(engine) as conn:
        if maps_dir is not None:
            worklists = _worklists_from_maps(Path(maps_dir))
        else:
            worklists = [("all", _worklist_from_findings(conn, lgu_code=settings.lgu_code,
                                                          year=year))]
        forms = [(name, form_rows(w)) for name, w in worklists]
        codes = sorted({c for _, rows in forms for c in rows["parcel_code"]})
        shapes = _parcel_shapes(conn, lgu_code=settings.lgu_code, codes=codes)
    written = []
    for name, rows in forms:
        title = f"แบบสำรวจ ปีภาษี {be(year)} · {name}"
        stem = out / f"{name}-survey"
        written.append(SurveyForm(
            name=name,
            n_parcels=len(rows),
            csv=write_form_csv(rows, stem.with_suffix(".csv")),
            xlsx=write_form_xlsx(rows, stem.with_suffix(".xlsx"), title=title),
            gpkg=write_form_gpkg(rows, [shapes.get(c) for c in rows["parcel_code"]],
                                 stem.with_suffix(".gpkg")),
            xlsform=write_xlsform(rows, out / f"{name}-xlsform.xlsx", title=title,
                                  form_id=f"gisrev_{settings.lgu_code}_{be(year)}_{name}"),
        ))
    return written
