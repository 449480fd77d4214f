"""gisrev: find the property tax a local government is not collecting.

The public Python API for notebooks and scripts is listed in ``__all__``.
"""

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
    "init_db",
    "load_settings",
    "make_engine",
]
