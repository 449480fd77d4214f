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

Forms list field stops only, the same as the work packages (:mod:`gisrev.db.fieldwork`):
desk work (arrears, duplicate accounts, register rows not on the map, small gaps,
parcels a survey resolved) is on the map folder's desk list, not on a surveyor's form.

Every one of them comes back through ``gisrev survey import``. The table forms are
written by :mod:`gisrev.survey._form_sheets`, the GeoPackage by
:mod:`gisrev.survey._form_gpkg`; this module finds the worklists and the parcels' shapes.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gisrev.db.engine import transaction
from gisrev.db.fieldwork import read_work
from gisrev.errors import InputError
from gisrev.spreadsheet import from_csv_text
from gisrev.survey._fields import FIELDS
from gisrev.survey._form_gpkg import write_form_gpkg
from gisrev.survey._form_sheets import write_form_csv, write_form_xlsx, write_xlsform
from gisrev.years import be, tax_year


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


def _worklists_from_maps(maps_dir: Path) -> list[tuple[str, pd.DataFrame]]:
    # The packages hold the field stops; an orphans.csv of an older gisrev is desk work.
    files = sorted((maps_dir / "packages").glob("package-*.csv"))
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
    """Return the year's field stops in priority order (the work packages' list)."""
    rows = conn.execute(sa.text(
        "SELECT id, parcel_code, array_to_string(flags, ';') AS flags, reason_th FROM findings"
        " WHERE lgu_code = :lgu AND tax_year = :year AND parcel_id IS NOT NULL"
        " ORDER BY priority NULLS LAST, parcel_code"
    ), {"lgu": lgu_code, "year": year}).all()
    work = read_work(conn, lgu_code=lgu_code, year=year)
    if not work:
        msg = (
            f"no findings for tax year {be(year)} of municipality {lgu_code}; "
            f"run `gisrev analyze --year {be(year)}` first"
        )
        raise InputError(msg)
    field = [tuple(r)[1:] for r in rows if work[int(r.id)].field]
    if not field:
        msg = (
            f"tax year {be(year)} of municipality {lgu_code} has no field stops: its "
            f"{len(work):,} finding(s) are desk work; `gisrev map --year {be(year)}` lists "
            "them in desk_list.xlsx"
        )
        raise InputError(msg)
    return pd.DataFrame(field, columns=["parcel_code", "flags", "reason_th"])


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
    lgu_code: str,
    maps_dir: str | os.PathLike[str] | None = None,
) -> list[SurveyForm]:
    """Write a survey form (CSV, XLSX, QField GeoPackage, XLSForm) for each worklist.

    Parameters
    ----------
    engine
        Engine or connection of the database (findings, and parcels for the
        GeoPackage's shapes).
    out_dir
        Folder for the forms; created if needed.
    year
        Tax year of the findings (CE or BE).
    lgu_code
        The municipality whose findings and parcels the forms list.
    maps_dir
        The folder ``gisrev map`` wrote: one form per worklist found in its
        ``packages/``. Without it, one form ``all`` lists the year's field stops (what the
        work packages would hold) in priority order.

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
            worklists = [("all", _worklist_from_findings(conn, lgu_code=lgu_code, year=year))]
        forms = [(name, form_rows(w)) for name, w in worklists]
        codes = sorted({c for _, rows in forms for c in rows["parcel_code"]})
        shapes = _parcel_shapes(conn, lgu_code=lgu_code, codes=codes)
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
                                  form_id=f"gisrev_{lgu_code}_{be(year)}_{name}"),
        ))
    return written
