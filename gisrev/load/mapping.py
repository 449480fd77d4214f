"""The mapping file: how a municipality's column names and code values map onto canonical fields.

The format is in DESIGN.md::

    [parcels.columns]            # canonical field = source column
    parcel_code = "PCODE"
    [parcels.values.observed_use] # source value = canonical value
    "พาณิชยกรรม" = "other"

Headers that common exports use (``aliases.toml`` next to this module) are
recognised without a mapping; the mapping file wins over them.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from gisrev.errors import MappingError

KINDS = ("parcels", "buildings", "zones", "register")

#: The canonical fields of each kind of source (DESIGN.md), besides geometry.
FIELDS: Mapping[str, tuple[str, ...]] = {
    "parcels": ("parcel_code", "deed_no", "deed_type", "observed_use", "price_per_sqwah"),
    "buildings": (
        "building_code",
        "floors",
        "building_type",
        "use",
        "year_built",
        "structure",
        "value",
    ),
    "zones": ("zone_code", "zone_name", "price_per_sqwah"),
    "register": (
        "parcel_code",
        "tax_year",
        "account_id",
        "deed_no",
        "owner_name",
        "owner_id",
        "owner_type",
        "declared_use",
        "declared_area_sqwah",
        "declared_area_rai",
        "declared_area_ngan",
        "declared_area_wah",
        "land_value",
        "building_value",
        "exemption",
        "tax_assessed",
        "tax_paid",
        "paid_date",
        "holding",
        "unit_no",
        "share",
        "map_sheet",
        "land_no",
        "deed_type",
    ),
}


@dataclasses.dataclass(frozen=True)
class Section:
    """One kind's part of a mapping file.

    Attributes
    ----------
    columns
        canonical field -> source column.
    values
        canonical field -> {source value -> canonical value}.
    """

    columns: Mapping[str, str] = dataclasses.field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ColumnMapping:
    """A parsed mapping file; ``mapping.section("parcels")`` gives one kind's part."""

    path: Path | None
    sections: Mapping[str, Section]

    def section(self, kind: str) -> Section:
        """Return the section for ``kind`` (empty when the file has none)."""
        return self.sections.get(kind, Section())


def read_mapping(path: str | os.PathLike[str]) -> ColumnMapping:
    """Read and check a TOML mapping file.

    Parameters
    ----------
    path
        The mapping file.

    Returns
    -------
    ColumnMapping

    Raises
    ------
    MappingError
        When the file is missing, not TOML, or names an unknown kind or field.
    """
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"{file}: mapping file not found; pass an existing TOML file to --mapping"
        raise MappingError(msg) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{file}: not a valid UTF-8 TOML mapping file ({exc})"
        raise MappingError(msg) from exc
    sections: dict[str, Section] = {}
    for kind, body in data.items():
        if kind not in KINDS:
            msg = f"{file}: unknown section [{kind}]; expected one of {', '.join(KINDS)}"
            raise MappingError(msg)
        if not isinstance(body, dict):
            msg = f"{file}: [{kind}] must be a table with columns and values"
            raise MappingError(msg)
        sections[kind] = _section(file, kind, body)
    return ColumnMapping(path=file, sections=sections)


def _section(file: Path, kind: str, body: Mapping[str, Any]) -> Section:
    unknown = set(body) - {"columns", "values"}
    if unknown:
        keys = ", ".join(sorted(unknown))
        msg = f"{file}: [{kind}] has unknown key(s) {keys}; expected columns, values"
        raise MappingError(msg)
    columns = body.get("columns", {})
    values = body.get("values", {})
    if not isinstance(columns, dict):
        msg = f'{file}: [{kind}.columns] must be a table: field = "source column", one a line'
        raise MappingError(msg)
    if not isinstance(values, dict) or not all(isinstance(t, dict) for t in values.values()):
        msg = (
            f"{file}: [{kind}.values] must hold one table per field, "
            f'e.g. [{kind}.values.FIELD] "source value" = "canonical value"'
        )
        raise MappingError(msg)
    allowed = set(FIELDS[kind])
    for field, source in columns.items():
        if field not in allowed:
            msg = (
                f"{file}: [{kind}.columns] maps unknown field {field!r}; "
                f"expected one of {', '.join(FIELDS[kind])}"
            )
            raise MappingError(msg)
        if not isinstance(source, str):
            msg = f"{file}: [{kind}.columns] {field} must be a column name in quotes"
            raise MappingError(msg)
    for field, table in values.items():
        if field not in allowed:
            msg = f"{file}: [{kind}.values.{field}] is not a field of {kind}"
            raise MappingError(msg)
        for source_value, canonical in table.items():
            if not isinstance(canonical, str | int | float):
                msg = f"{file}: [{kind}.values.{field}] {source_value!r} must map to a plain value"
                raise MappingError(msg)
    return Section(
        columns=columns,
        values={f: {str(k): str(v) for k, v in t.items()} for f, t in values.items()},
    )


@functools.cache
def _aliases() -> dict[str, Any]:
    text = (resources.files("gisrev.load") / "aliases.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _key(header: str) -> str:
    return " ".join(str(header).split()).casefold()


def resolve_columns(
    kind: str,
    headers: Sequence[str],
    *,
    mapping: ColumnMapping | None,
    source: str,
) -> dict[str, str]:
    """Decide which source column feeds each canonical field.

    The mapping file wins; then a header that is a known alias of a field.

    Parameters
    ----------
    kind
        parcels, buildings, zones or register.
    headers
        The source's column names.
    mapping
        The parsed mapping file, if any.
    source
        The source file, for messages.

    Returns
    -------
    dict
        source column -> canonical field.

    Raises
    ------
    MappingError
        When the mapping names a column the source lacks (naming both).
    """
    by_key = {_key(h): h for h in headers}
    chosen: dict[str, str] = {}
    section = mapping.section(kind) if mapping is not None else Section()
    for field, column in section.columns.items():
        if column in headers:
            chosen[field] = column
        elif _key(column) in by_key:
            chosen[field] = by_key[_key(column)]
        else:
            where = mapping.path if mapping is not None else "the mapping"
            msg = (
                f"{where}: [{kind}.columns] maps {field} to column {column!r}, which {source} "
                f"does not have (its columns: {', '.join(map(str, headers))})"
            )
            raise MappingError(msg)
    taken = set(chosen.values())
    for field, names in _aliases().get(kind, {}).get("columns", {}).items():
        if field in chosen:
            continue
        for name in names:
            header = by_key.get(_key(name))
            if header is not None and header not in taken:
                chosen[field] = header
                taken.add(header)
                break
    return {column: field for field, column in chosen.items()}


def known_fields(kind: str, headers: Sequence[str], *, mapping: ColumnMapping | None) -> set[str]:
    """Return the canonical fields a row of cells would give if it were the header row.

    As :func:`resolve_columns` decides them (the mapping's columns, then the aliases), but
    a mapped column the row lacks is simply not counted: this tells a header row from
    the title rows above it, and never raises.
    """
    by_key = {_key(h) for h in headers if h}
    section = mapping.section(kind) if mapping is not None else Section()
    found = {field for field, column in section.columns.items() if _key(column) in by_key}
    for field, names in _aliases().get(kind, {}).get("columns", {}).items():
        if any(_key(name) in by_key for name in names):
            found.add(field)
    return found


def value_map(kind: str, field: str, *, mapping: ColumnMapping | None) -> dict[str, str]:
    """Return source value -> canonical value for one field: built-in codes, then the mapping's.

    Keys are trimmed. A value not in the table is left to the caller, which accepts it
    when it already is a canonical value.
    """
    table: dict[str, str] = {}
    builtin = _aliases().get(kind, {}).get("values", {}).get(field, {})
    table.update({str(k).strip(): str(v) for k, v in builtin.items()})
    if mapping is not None:
        table.update({k.strip(): v for k, v in mapping.section(kind).values.get(field, {}).items()})
    return table
