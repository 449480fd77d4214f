"""Importing what surveyors found: validate each row, keep every visit, never twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gisrev.db.copy import copy_rows
from gisrev.db.engine import transaction
from gisrev.db.schema import open_tables
from gisrev.errors import InputError, where
from gisrev.load.normalise import is_blank, normalise_parcel_code, parse_number
from gisrev.load.report import LoadReport, Reject, content_hash, finish_run, start_run
from gisrev.survey._fields import FIELDS, PREFILLED, header_field
from gisrev.survey._validate import clean_text, parse_choice, parse_count, parse_visit_date

_VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb")
_FILLED_BY_SURVEYOR = tuple(f for f in FIELDS if f not in PREFILLED)


@dataclasses.dataclass(frozen=True)
class SurveyReject:
    """One problem with one row (CSV, XLSX) or feature (GeoPackage, GeoJSON) of a survey file."""

    source: str
    row: int | None  # as a spreadsheet shows it: the header is row 1
    feature: int | None  # feature number in a vector source, counted from 1
    field: str
    value: str
    expected: str

    def __str__(self) -> str:
        shown = repr(self.value) if self.value else "empty"
        place = where(self.source, row=self.row, feature=self.feature, field=self.field)
        return f"{place}: {shown}, expected {self.expected}"


@dataclasses.dataclass(frozen=True)
class SurveyReport:
    """What one ``survey import`` did."""

    run_id: int | None
    n_read: int  # rows in the file
    n_loaded: int  # new visits stored
    n_already: int  # visits identical to ones already stored (or repeated in the file)
    n_blank: int  # rows with nothing filled in by a surveyor (not visited yet)
    n_rejected: int  # rows refused, each with its reasons in ``rejects``
    rejects: tuple[SurveyReject, ...]
    duration_s: float


@dataclasses.dataclass
class _Row:
    number: int
    values: dict[str, Any]
    lon: float | None = None
    lat: float | None = None
    is_feature: bool = False  # numbered as a vector feature, not a spreadsheet row

    def reject(self, source: str, field: str, value: str, expected: str) -> SurveyReject:
        row, feature = (None, self.number) if self.is_feature else (self.number, None)
        return SurveyReject(source, row, feature, field, value, expected)


def _read_rows(path: Path) -> Iterator[_Row]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _read_xlsx(path)
    elif suffix in _VECTOR_SUFFIXES:
        yield from _read_vector(path)
    else:
        msg = (
            f"{path}: unknown survey file type {suffix!r}; "
            "expected .csv, .xlsx, .gpkg or .geojson"
        )
        raise InputError(msg)


def _fields_of(path: Path, headers: list[Any]) -> list[str | None]:
    fields = [header_field(str(h)) if h is not None else None for h in headers]
    if "parcel_code" not in fields:
        msg = (
            f"{where(path, row=1)}: no parcel_code column; expected the survey form's header "
            f"({', '.join(FIELDS)})"
        )
        raise InputError(msg)
    return fields


def _read_csv(path: Path) -> Iterator[_Row]:
    import csv

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp874")  # Thai Windows exports
        except UnicodeDecodeError as exc:
            msg = (
                f"{path}: text is neither UTF-8 nor cp874 (Thai Windows) at byte {exc.start}; "
                "save it as CSV UTF-8"
            )
            raise InputError(msg) from exc
    reader = csv.reader(io.StringIO(text, newline=""))  # notes may hold line breaks
    yield from _table_rows(path, reader, empty="the file is empty")


def _table_rows(path: Path, rows: Iterator[Sequence[Any]], *, empty: str) -> Iterator[_Row]:
    """Read a spreadsheet-like table: a header row naming the fields, then one row per visit."""
    headers = next(rows, None)
    if headers is None:
        msg = f"{path}: {empty}; expected the survey form's header and one row per visit"
        raise InputError(msg)
    fields = _fields_of(path, list(headers))
    for i, cells in enumerate(rows, start=2):
        yield _Row(i, {f: c for f, c in zip(fields, cells, strict=False) if f is not None})


def _read_xlsx(path: Path) -> Iterator[_Row]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        msg = f"{path}: not a readable XLSX workbook ({exc}); save it again from the spreadsheet"
        raise InputError(msg) from exc
    try:
        ws = wb["survey"] if "survey" in wb.sheetnames else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        yield from _table_rows(path, rows, empty=f"the sheet {ws.title!r} is empty")
    finally:
        wb.close()


def _read_vector(path: Path) -> Iterator[_Row]:
    import geopandas as gpd
    import pyogrio

    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
        if not layers:
            msg = f"{path}: the file has no layers; expected the survey form's 'survey' layer"
            raise InputError(msg)
        layer = "survey" if "survey" in layers else layers[0]
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except pyogrio.errors.DataSourceError as exc:
        reason = str(exc).split(";")[0].replace(str(path), "").strip(" '.")
        msg = f"{path}: cannot be read as a GeoPackage or GeoJSON ({reason}); export it again"
        raise InputError(msg) from exc
    fields = _fields_of(path, list(gdf.columns))
    points = None
    # A table without geometry (a form typed in and saved as GeoPackage) reads as a DataFrame.
    if isinstance(gdf, gpd.GeoDataFrame) and gdf.crs is not None:
        points = gdf.geometry.representative_point().to_crs(4326)
    for i, record in enumerate(gdf.itertuples(index=False), start=1):
        values = {f: v for f, v in zip(fields, record, strict=False) if f is not None}
        row = _Row(i, values, is_feature=True)
        point = points.iloc[i - 1] if points is not None else None
        if point is not None and not point.is_empty:
            row.lon, row.lat = round(point.x, 7), round(point.y, 7)
        yield row


def _validate(
    source: str, row: _Row, *, today: dt.date
) -> tuple[dict[str, Any], list[SurveyReject]]:
    problems: list[SurveyReject] = []
    clean: dict[str, Any] = {}
    checks = {
        "visited_at": lambda v: parse_visit_date(v, today=today),
        "outcome": lambda v: parse_choice("outcome", v, required=True),
        "found_use": lambda v: parse_choice("found_use", v, required=False),
        "buildings_count": lambda v: parse_count(v, minimum=0),
        "floors": lambda v: parse_count(v, minimum=1),
    }
    code = clean_text(row.values.get("parcel_code"))
    if code is None:
        problems.append(row.reject(source, "parcel_code", "", "a parcel code"))
    clean["parcel_code"] = code
    for field, check in checks.items():
        value = row.values.get(field)
        try:
            clean[field] = check(value)
        except ValueError as exc:
            shown = "" if is_blank(value) else str(value)
            problems.append(row.reject(source, field, shown, str(exc)))
    for field in ("surveyor", "notes", "photo"):
        clean[field] = clean_text(row.values.get(field))
    for field, name, limit in (("lon", "longitude", 180.0), ("lat", "latitude", 90.0)):
        value = row.values.get(field)
        try:
            number = parse_number(value)
            if number is not None and not -limit <= number <= limit:
                raise ValueError(name)
        except ValueError:
            expected = f"a {name} in degrees (EPSG:4326) between -{limit:g} and {limit:g}"
            problems.append(row.reject(source, field, str(value), expected))
        else:
            clean[field] = number
    return clean, problems


def _reject_order(r: SurveyReject) -> tuple[int, int]:
    number = r.row if r.row is not None else (r.feature or 0)
    return number, FIELDS.index(r.field) if r.field in FIELDS else len(FIELDS)


def _content_key(lgu_code: str, visit: dict[str, Any]) -> str:
    """Hash what the surveyor recorded, so the same visit imported again is recognised."""
    content = [
        lgu_code, visit["parcel_code_norm"], visit["visited_at"].isoformat(), visit["surveyor"],
        visit["found_use"], visit["buildings_count"], visit["floors"], visit["notes"],
        visit["photo"], visit["outcome"],
    ]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()


_VISIT_COLUMNS: tuple[str, ...] = (
    "lgu_code", "parcel_code", "parcel_code_norm", "visited_at", "surveyor", "found_use",
    "buildings_count", "floors", "notes", "photo", "outcome", "lon", "lat", "content_key",
    "source", "source_row", "run_id",
)


def _store_visits(conn: Connection, table: sa.Table, visits: list[dict[str, Any]], *,
                  run_id: int) -> int:
    """Store the visits not stored yet and return how many were new.

    The visits are COPYed into a temporary table, then inserted in file order with
    ``ON CONFLICT DO NOTHING`` on the content key, so a known visit is skipped.
    """
    staging = sa.Table("_survey_in", sa.MetaData(),
                       *(sa.Column(c, table.c[c].type) for c in _VISIT_COLUMNS))
    cols = ", ".join(_VISIT_COLUMNS)  # constant column names, never input
    conn.execute(sa.text(
        f"CREATE TEMP TABLE _survey_in ON COMMIT DROP AS SELECT {cols} FROM survey_visits"
        " WITH NO DATA"
    ))
    copy_rows(conn, staging, _VISIT_COLUMNS,
              ([{**v, "run_id": run_id}.get(c) for c in _VISIT_COLUMNS] for v in visits))
    inserted = conn.execute(sa.text(
        f"INSERT INTO survey_visits ({cols}) SELECT {cols} FROM _survey_in ORDER BY source_row"
        " ON CONFLICT ON CONSTRAINT survey_visits_content_uq DO NOTHING"
    ))
    conn.execute(sa.text("DROP TABLE _survey_in"))
    return inserted.rowcount


def _known_codes(conn: Connection, lgu_code: str, norms: set[str]) -> dict[str, str]:
    """Map each normalised code the municipality knows (map first, then register) to its code."""
    sql = sa.text(
        "SELECT DISTINCT ON (parcel_code_norm) parcel_code_norm, parcel_code FROM ("
        " SELECT parcel_code_norm, parcel_code, 0 AS pref FROM parcels"
        "  WHERE lgu_code = :lgu AND parcel_code_norm = ANY(:codes)"
        " UNION ALL"
        " SELECT parcel_code_norm, parcel_code, 1 AS pref FROM register"
        "  WHERE lgu_code = :lgu AND parcel_code_norm = ANY(:codes)"
        ") AS k ORDER BY parcel_code_norm, pref, parcel_code"
    )
    rows = conn.execute(sql, {"lgu": lgu_code, "codes": sorted(norms)}).all()
    return {str(norm): str(code) for norm, code in rows}


@dataclasses.dataclass
class _Checked:
    """The rows of a survey file sorted out: valid visits, rejects and rows left blank."""

    candidates: list[tuple[_Row, dict[str, Any]]] = dataclasses.field(default_factory=list)
    rejects: list[SurveyReject] = dataclasses.field(default_factory=list)
    rejected_rows: set[int] = dataclasses.field(default_factory=set)
    n_blank: int = 0


def _check_rows(source: str, rows: list[_Row], *, today: dt.date) -> _Checked:
    """Validate every row a surveyor filled in; a row nobody filled in is only counted."""
    checked = _Checked()
    for row in rows:
        if all(is_blank(row.values.get(f)) for f in _FILLED_BY_SURVEYOR):
            checked.n_blank += 1  # a form row nobody has filled in yet
            continue
        clean, problems = _validate(source, row, today=today)
        if problems:
            checked.rejects.extend(problems)
            checked.rejected_rows.add(row.number)
        else:
            clean["parcel_code_norm"] = normalise_parcel_code(clean["parcel_code"])
            checked.candidates.append((row, clean))
    return checked


def _visits_of_known_parcels(
    conn: Connection, checked: _Checked, *, source: str, lgu_code: str
) -> list[dict[str, Any]]:
    """Return the valid rows whose parcel the municipality knows, as visits to store.

    A row naming a parcel on neither the map nor the register joins ``checked``'s rejects.
    """
    known = _known_codes(conn, lgu_code, {c["parcel_code_norm"] for _, c in checked.candidates})
    visits: list[dict[str, Any]] = []
    for row, clean in checked.candidates:
        code = known.get(clean["parcel_code_norm"])
        if code is None:
            checked.rejects.append(row.reject(
                source, "parcel_code", clean["parcel_code"],
                f"a parcel code of municipality {lgu_code} (on the map or in the register)",
            ))
            checked.rejected_rows.add(row.number)
            continue
        visit = {**clean, "parcel_code": code, "lgu_code": lgu_code,
                 "source": source, "source_row": row.number}
        if row.lon is not None:  # the feature's own geometry
            visit["lon"], visit["lat"] = row.lon, row.lat
        visit["content_key"] = _content_key(lgu_code, visit)
        visits.append(visit)
    return visits


def import_survey(
    engine: Engine | Connection,
    path: str | os.PathLike[str],
    /,
    *,
    lgu_code: str,
    strict: bool = False,
    today: dt.date | None = None,
) -> SurveyReport:
    """Import a filled-in survey form (CSV, XLSX, or GeoPackage/GeoJSON from QField).

    Every row ends up as a stored visit, a recognised repeat of a stored visit, a
    blank row (nothing filled in yet), or a reject with its file, row, field, value
    and what was expected. Visits are history: a later visit never replaces an
    earlier one, and a visit identical to a stored one (same parcel, date and
    answers) is not stored twice, so importing the same file again changes
    nothing. The import is one transaction and is recorded in ``load_runs``
    (kind ``survey``) with its rejects in ``rejects``.

    Parameters
    ----------
    engine
        Engine or connection of the database.
    path
        The survey file; its header names the form's fields (English or Thai labels).
    lgu_code
        The municipality whose parcels the visits are of.
    strict
        Refuse the whole file, writing nothing, when any row is rejected.
    today
        The date after which a visit date is refused as in the future (default: today).

    Returns
    -------
    SurveyReport
        Counts and the rejects.

    Raises
    ------
    InputError
        When the file cannot be read as a survey form, or ``strict`` and a row is bad.
    """
    started = time.perf_counter()
    file = Path(path)
    if not file.is_file():
        msg = (
            f"{file}: survey file not found; "
            "pass the CSV, XLSX or GeoPackage the surveyors filled in"
        )
        raise InputError(msg)
    source = str(path)

    rows = list(_read_rows(file))
    checked = _check_rows(source, rows, today=today or dt.date.today())
    rejects, rejected_rows, n_blank = checked.rejects, checked.rejected_rows, checked.n_blank

    with transaction(engine) as conn:
        t = open_tables(conn)
        visits = _visits_of_known_parcels(conn, checked, source=source, lgu_code=lgu_code)
        if strict and rejects:
            first = min(rejects, key=_reject_order)
            msg = (
                f"{first} ({len(rejected_rows)} bad row(s); "
                "nothing imported — fix them or drop --strict)"
            )
            raise InputError(msg)

        rejects.sort(key=_reject_order)
        run_id = start_run(conn, t, lgu_code=lgu_code, kind="survey", source=source, layer=None,
                           source_hash=content_hash(file), options={"strict": strict})
        n_loaded = 0
        if visits:
            n_loaded = _store_visits(conn, t.survey_visits, visits, run_id=run_id)
        n_already = len(visits) - n_loaded
        warnings = []
        if n_already:
            warnings.append(f"{n_already} visit(s) already imported; not stored again")
        if n_blank:
            warnings.append(f"{n_blank} row(s) not filled in by a surveyor; skipped")
        duration = time.perf_counter() - started
        finish_run(
            conn, t,
            LoadReport(run_id=run_id, kind="survey", source=source, n_read=len(rows),
                       n_loaded=n_loaded, n_repaired=0, n_rejected=len(rejected_rows),
                       duration_s=duration, warnings=tuple(warnings)),
            lgu_code=lgu_code,
            rejects=[Reject(row_no=r.row, feature_id=r.feature, field=r.field, value=r.value,
                            reason=f"expected {r.expected}") for r in rejects],
        )
    return SurveyReport(
        run_id=run_id, n_read=len(rows), n_loaded=n_loaded, n_already=n_already, n_blank=n_blank,
        n_rejected=len(rejected_rows), rejects=tuple(rejects), duration_s=duration,
    )
