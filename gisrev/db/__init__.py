"""The PostGIS side: engine, schema and bulk writes."""

from gisrev.db.engine import make_engine, sqlalchemy_url, transaction
from gisrev.db.municipalities import (
    Municipality,
    municipality,
    municipality_codes,
    save_municipality,
)
from gisrev.db.schema import SCHEMA_VERSION, init_db, tables

__all__ = [
    "SCHEMA_VERSION",
    "Municipality",
    "init_db",
    "make_engine",
    "municipality",
    "municipality_codes",
    "save_municipality",
    "sqlalchemy_url",
    "tables",
    "transaction",
]
