"""gisrev: find the property tax a local government is not collecting.

The public Python API for notebooks and scripts is listed in ``__all__``.
"""

from gisrev.api import (
    connect,
    findings,
    gap_by,
    gap_by_year,
    revenue_recovered,
    summary,
    what_if,
    zone_gaps,
)
from gisrev.config import Settings, load_settings
from gisrev.db import init_db, make_engine
from gisrev.errors import DatabaseError, GisrevError, InputError, MappingError, TaxRuleError

__all__ = [
    "DatabaseError",
    "GisrevError",
    "InputError",
    "MappingError",
    "Settings",
    "TaxRuleError",
    "connect",
    "findings",
    "gap_by",
    "gap_by_year",
    "init_db",
    "load_settings",
    "make_engine",
    "revenue_recovered",
    "summary",
    "what_if",
    "zone_gaps",
]
