"""Export a year's findings: CSV for anyone, XLSX for the office, GeoPackage for QGIS.

The CSV is UTF-8 with a byte-order mark so Excel shows Thai; the XLSX has Thai and
English headers; the GeoPackage holds the flagged parcels with a QGIS style embedded
in its ``layer_styles`` table, so QGIS opens it coloured by finding. Owner ID numbers
are never exported. Register text is untrusted: a CSV cell starting like a formula
gets a leading apostrophe, and XLSX cells are always written as strings.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from importlib import resources
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Connection, Engine

from gisrev.db.engine import transaction
from gisrev.db.runs import require_analysed
from gisrev.db.schema import open_tables
from gisrev.errors import InputError
from gisrev.spreadsheet import csv_text
from gisrev.years import be

__all__ = ["EXPORT_COLUMNS", "export_findings", "findings_frame"]

LAYER = "findings"

# column -> (Thai header, English header); the CSV uses the column names themselves.
EXPORT_COLUMNS: dict[str, tuple[str, str]] = {
    "parcel_code": ("รหัสแปลง", "parcel code"),
    "flags": ("ข้อค้นพบ", "findings"),
    "expected_tax": ("ภาษีที่ควรได้ (บาท)", "expected tax (baht)"),
    "tax_paid": ("ภาษีที่ชำระ (บาท)", "tax paid (baht)"),
    "gap": ("ส่วนต่างที่ยังไม่ได้รับ (บาท)", "revenue gap (baht)"),
    "priority": ("ลำดับการสำรวจ", "survey priority"),
    "lon": ("ลองจิจูด", "longitude"),
    "lat": ("ละติจูด", "latitude"),
    "tax_assessed": ("ภาษีที่ประเมิน (บาท)", "tax assessed (baht)"),
    "reason_th": ("เหตุผล", "reason (Thai)"),
    "reason_en": ("เหตุผล (ภาษาอังกฤษ)", "reason (English)"),
    "zone": ("โซนราคาประเมิน", "appraisal zone"),
    "declared_use": ("การใช้ประโยชน์ที่แจ้ง", "declared use"),
    "evidence_use": ("การใช้ประโยชน์ตามหลักฐาน", "use on the map"),
    "declared_area_sqwah": ("พื้นที่ที่แจ้ง (ตร.ว.)", "declared area (sq wah)"),
    "mapped_area_sqwah": ("พื้นที่ตามแผนที่ (ตร.ว.)", "mapped area (sq wah)"),
    "account_id": ("เลขที่บัญชี", "account"),
    "deed_no": ("เลขที่โฉนด", "deed no."),
}
_MONEY = ("expected_tax", "tax_paid", "gap", "tax_assessed")
_AREA = ("declared_area_sqwah", "mapped_area_sqwah")
_TEXT = ("parcel_code", "flags", "reason_th", "reason_en", "zone", "declared_use",
         "evidence_use", "account_id", "deed_no")

_COLUMNS = """
f.parcel_code, array_to_string(f.flags, ';') AS flags, f.expected_tax, f.tax_paid, f.gap,
f.priority, f.lon, f.lat, f.tax_assessed, f.reason_th, f.reason_en, f.zone_code AS zone,
f.declared_use, f.evidence_use, f.declared_area_sqwah, f.mapped_area_sqwah,
f.account_id, f.deed_no
"""
_WHERE = "WHERE f.lgu_code = :lgu AND f.tax_year = :year ORDER BY f.priority, f.parcel_code, f.id"
_SELECT = f"SELECT {_COLUMNS} FROM findings AS f {_WHERE}"
# The GeoPackage: the same columns of the findings that have a parcel, with its polygon.
_SELECT_DRAWN = (
    f"SELECT {_COLUMNS}, p.geom FROM findings AS f JOIN parcels AS p ON p.id = f.parcel_id {_WHERE}"
)


def findings_frame(bind: Engine | Connection, *, year: int, lgu_code: str) -> pd.DataFrame:
    """Return the year's findings in survey order with the export columns.

    Parameters
    ----------
    bind
        Engine or connection of an analysed gisrev database.
    year
        Tax year, CE.
    lgu_code
        The municipality.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`EXPORT_COLUMNS`; ``flags`` joined with ``;``; lon/lat empty
        (NaN) for orphan register rows.
    """
    with transaction(bind) as conn:
        require_analysed(conn, lgu_code=lgu_code, years=[year])
        frame = pd.read_sql(sa.text(_SELECT), conn, params={"lgu": lgu_code, "year": year})
    return _tidy(frame)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Round money, areas and coordinates as exported; the columns of :data:`EXPORT_COLUMNS`."""
    for col in _MONEY:
        frame[col] = pd.to_numeric(frame[col]).round(2)
    for col in _AREA:
        frame[col] = pd.to_numeric(frame[col]).round(1)
    for col in ("lon", "lat"):
        frame[col] = pd.to_numeric(frame[col]).round(7)
    frame["priority"] = frame["priority"].astype("Int64")
    return frame[list(EXPORT_COLUMNS)]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    for col in _TEXT:
        out[col] = out[col].map(lambda v: csv_text(v) if isinstance(v, str) else v)
    out.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def _write_xlsx(frame: pd.DataFrame, path: Path, *, year: int) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = f"findings {be(year)}"
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="305496")
    for j, col in enumerate(frame.columns, start=1):
        th, en = EXPORT_COLUMNS[col]
        cell = ws.cell(row=1, column=j, value=f"{th}\n{en}")
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        width = {"reason_th": 60, "reason_en": 60, "flags": 28}.get(col, 16)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[1].height = 36
    formats = {**dict.fromkeys(_MONEY, "#,##0.00"), **dict.fromkeys(_AREA, "#,##0.0"),
               "lon": "0.0000000", "lat": "0.0000000", "priority": "0"}
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for j, (col, value) in enumerate(zip(frame.columns, row, strict=True), start=1):
            if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                continue
            cell = ws.cell(row=i, column=j)
            if col in _TEXT:
                cell.value = str(value)
                cell.data_type = "s"  # never a formula, whatever the register says
                if col.startswith("reason"):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.value = int(value) if col == "priority" else float(value)
                cell.number_format = formats.get(col, "General")
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions
    wb.save(path)


def _qml() -> str:
    return (resources.files("gisrev.outputs") / "findings.qml").read_text(encoding="utf-8")


def _write_gpkg(bind: Engine | Connection, path: Path, *, year: int, lgu_code: str) -> int:
    import geopandas as gpd

    with transaction(bind) as conn:
        require_analysed(conn, lgu_code=lgu_code, years=[year])
        # The CRS from the schema, not the rows: a year with nothing drawn has no rows.
        shapes = gpd.read_postgis(sa.text(_SELECT_DRAWN), conn, geom_col="geom",
                                  crs=f"EPSG:{open_tables(conn).srid}",
                                  params={"lgu": lgu_code, "year": year})
    frame = _tidy(shapes)
    frame.insert(0, "main_flag", frame["flags"].str.split(";").str[0])
    columns = ["main_flag", *frame.columns.drop(["main_flag", "lon", "lat"]), "lon", "lat"]
    parcels = gpd.GeoDataFrame(frame[columns], geometry=shapes.geometry, crs=shapes.crs)
    if path.exists():
        path.unlink()
    parcels.to_file(path, layer=LAYER, driver="GPKG", engine="pyogrio")
    _embed_style(path, LAYER, _qml(), name=f"gisrev findings {be(year)}")
    return len(parcels)


def _embed_style(path: Path, layer: str, qml: str, *, name: str) -> None:
    """Store ``qml`` as the layer's default style in the GeoPackage (QGIS's layer_styles table)."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles ("
            "id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), "
            "f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), "
            "styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, "
            "description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME)"
        )
        geom_col = db.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)
        ).fetchone()[0]
        db.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
        db.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, "
            "update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'gisrev', ?)",
            (layer, geom_col, name, qml, "parcels coloured by their first finding code",
             dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        )
        # Register the table as plain attributes so GeoPackage validators accept it.
        db.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles')"
        )


def export_findings(bind: Engine | Connection, path: str | os.PathLike[str], *, year: int,
                    lgu_code: str) -> int:
    """Write the year's findings to ``path``; the format follows the suffix.

    Parameters
    ----------
    bind
        Engine or connection of an analysed gisrev database.
    path
        ``.csv`` (UTF-8 with BOM, one row per finding, orphans with empty lon/lat),
        ``.xlsx`` (Thai and English headers) or ``.gpkg`` (the flagged parcels, styled
        for QGIS; orphan register rows have no parcel and are left out).
    year
        Tax year, CE.
    lgu_code
        The municipality.

    Returns
    -------
    int
        Rows (or features) written.

    Raises
    ------
    InputError
        Unknown suffix, or the year has not been analysed.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".gpkg"):
        what = repr(suffix) if suffix else "a file without suffix"
        msg = f"{out}: cannot export findings as {what}; expected .csv, .xlsx or .gpkg"
        raise InputError(msg)
    if not out.parent.exists():
        msg = f"{out}: folder {out.parent} does not exist; create it or choose another --out"
        raise InputError(msg)
    if suffix == ".gpkg":
        return _write_gpkg(bind, out, year=year, lgu_code=lgu_code)
    frame = findings_frame(bind, year=year, lgu_code=lgu_code)
    if suffix == ".csv":
        _write_csv(frame, out)
    else:
        _write_xlsx(frame, out, year=year)
    return len(frame)
