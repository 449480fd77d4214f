"""The survey form as a GeoPackage for QField: the parcels with the form's fields and drop-downs.

The ``survey`` layer is written through pyogrio's Arrow writer, which keeps the form's field
types (a date, whole numbers, text) with every answer empty. The drop-downs are GeoPackage
field domains (coded values and ranges, the GeoPackage schema extension) that QGIS turns
into widgets, added with sqlite3 since pyogrio has no call for GDAL's field domains; the same
lists go into the attribute tables ``outcome_values`` and ``found_use_values`` for a
value-relation widget.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import shapely

from gisrev.survey._fields import FIELD_HELP_EN, FIELD_LABELS_TH, FIELDS, PREFILLED
from gisrev.vocab import FOUND_USES, OUTCOMES

# Answer fields that are not text; every other field is a string.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "visited_at": pa.date32(), "buildings_count": pa.int32(), "floors": pa.int32(),
}
_WKB = pa.field("geom", pa.binary(), metadata={"ARROW:extension:name": "geoarrow.wkb"})
_SCHEMA_EXTENSION = "http://www.geopackage.org/spec121/#extension_schema"


def _survey_table(rows: pd.DataFrame, geoms: Sequence[shapely.Geometry | None]) -> pa.Table:
    """Return the layer's rows: the pre-filled fields, empty answers and MultiPolygon WKB."""
    columns = [
        pa.array([(v or None) if f in PREFILLED else None for v in rows[f]],
                 type=_ARROW_TYPES.get(f, pa.string()))
        for f in FIELDS
    ]
    shapes = [
        None if g is None
        else shapely.to_wkb(g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]))
        for g in geoms
    ]
    schema = pa.schema([*(pa.field(f, c.type) for f, c in zip(FIELDS, columns, strict=True)),
                        _WKB])
    return pa.Table.from_arrays([*columns, pa.array(shapes, type=pa.binary())], schema=schema)


def write_form_gpkg(
    rows: pd.DataFrame, geoms: Sequence[shapely.Geometry | None], path: Path
) -> Path:
    """Write the QField GeoPackage: a ``survey`` layer, field domains and value tables.

    Parameters
    ----------
    rows
        The form rows (:func:`gisrev.survey._forms.form_rows`).
    geoms
        One shapely geometry in EPSG:4326 (or None for a parcel not on the map) per row.
    path
        The ``.gpkg`` to write (replaced if it exists).
    """
    from pyogrio.raw import write_arrow

    if len(geoms) != len(rows):
        msg = f"{len(geoms)} shapes for {len(rows)} form rows: expected one per row"
        raise ValueError(msg)
    path.unlink(missing_ok=True)
    write_arrow(_survey_table(rows, geoms), path, layer="survey", driver="GPKG",
                geometry_name="geom", geometry_type="MultiPolygon", crs="EPSG:4326")
    _add_domains(path)
    return path


_SCHEMA_TABLES = """
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
"""


def _constraint_rows() -> list[tuple[object, ...]]:
    """Return the coded-value domains of ``outcome`` and ``found_use`` and the count ranges."""
    enums: list[tuple[object, ...]] = [
        (f"survey_{field}", "enum", c.code, None, None, None, None,
         f"{c.label_th} / {c.label_en}")
        for field, choices in (("outcome", OUTCOMES), ("found_use", FOUND_USES))
        for c in choices
    ]
    ranges: list[tuple[object, ...]] = [
        ("survey_buildings_count", "range", None, 0, 1, None, None, "0 or more"),
        ("survey_floors", "range", None, 1, 1, None, None, "1 or more"),
    ]
    return enums + ranges


def _add_domains(path: Path) -> None:
    """Add coded-value and range domains (GeoPackage schema extension) and value tables."""
    today = dt.date.today().isoformat()
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA_TABLES)
        for table in ("gpkg_data_columns", "gpkg_data_column_constraints"):
            db.execute(
                "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_schema', ?,"
                " 'read-write')", (table, _SCHEMA_EXTENSION),
            )
        db.executemany(
            "INSERT OR REPLACE INTO gpkg_data_column_constraints VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _constraint_rows(),
        )
        db.executemany(
            "INSERT OR REPLACE INTO gpkg_data_columns VALUES ('survey', ?, ?, ?, ?, NULL, ?)",
            [
                (field, field, FIELD_LABELS_TH[field], FIELD_HELP_EN[field],
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
