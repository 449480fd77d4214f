"""gisrev: find the property tax a local government is not collecting.

The public Python API for notebooks and scripts is listed once, in ``__all__``. The
notebook functions (``connect``, ``findings``, ...) live in :mod:`gisrev.api` and
are imported on first use, so the command line does not pay for geopandas when a
command does not need it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gisrev.config import Settings, load_settings
from gisrev.errors import DatabaseError, GisrevError, InputError, MappingError, TaxRuleError

if TYPE_CHECKING:
    from gisrev.api import (
        connect,
        explore,
        findings,
        gap_by,
        gap_by_year,
        revenue_by,
        revenue_recovered,
        summary,
        what_if,
        zone_gaps,
    )
    from gisrev.db import init_db, make_engine
    from gisrev.outputs.summary import Summary

# Where each name imported on first use lives.
_LAZY = {
    "Summary": "gisrev.outputs.summary",
    "connect": "gisrev.api",
    "explore": "gisrev.api",
    "findings": "gisrev.api",
    "gap_by": "gisrev.api",
    "gap_by_year": "gisrev.api",
    "revenue_by": "gisrev.api",
    "revenue_recovered": "gisrev.api",
    "summary": "gisrev.api",
    "what_if": "gisrev.api",
    "zone_gaps": "gisrev.api",
    "init_db": "gisrev.db",
    "make_engine": "gisrev.db",
}

__all__ = [
    "DatabaseError",
    "GisrevError",
    "InputError",
    "MappingError",
    "Settings",
    "Summary",
    "TaxRuleError",
    "connect",
    "explore",
    "findings",
    "gap_by",
    "gap_by_year",
    "init_db",
    "load_settings",
    "make_engine",
    "revenue_by",
    "revenue_recovered",
    "summary",
    "what_if",
    "zone_gaps",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'gisrev' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
