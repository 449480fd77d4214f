"""Errors gisrev raises on purpose.

Each is also a built-in error type, so callers that do not know gisrev can still
catch it. The CLI turns any :class:`GisrevError` into one line and exit status 2.
"""

from __future__ import annotations


class GisrevError(Exception):
    """Base of every error gisrev raises about its input or environment."""


class InputError(GisrevError, ValueError):
    """An input file, row, feature or argument is not what was expected."""


class MappingError(InputError):
    """The mapping file is malformed or names a column the source lacks."""


class NoMunicipalityError(InputError):
    """Something would be written, but no municipality was named (never a placeholder)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "no municipality given: pass --lgu CODE, set GISREV_LGU, "
            "or put lgu_code in gisrev.toml's [project]"
        )


class DatabaseError(GisrevError, RuntimeError):
    """The database cannot be reached or is not initialised."""


class TaxRuleError(GisrevError, ValueError):
    """The tax regime has no rule for what was asked (an unknown year or use)."""


def where(
    path: object, *, row: int | None = None, feature: object = None, field: str | None = None
) -> str:
    """Format the location of a problem: ``file.csv, row 12, field 'tax_paid'``."""
    parts = [str(path)]
    if row is not None:
        parts.append(f"row {row}")
    if feature is not None:
        parts.append(f"feature {feature}")
    if field is not None:
        parts.append(f"field {field!r}")
    return ", ".join(parts)
