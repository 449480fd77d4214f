"""The municipalities a database serves: their names and thresholds, for outputs to read.

``gisrev db init`` and every load record the configured municipality from gisrev.toml
(:func:`save_municipality`), in the same transaction as their own work; outputs name
the town in their headers and read its thresholds with :func:`municipality`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.errors import NoMunicipalityError

#: Baht: the field-visit minimum gap of a municipality nothing was recorded for
#: (DESIGN.md's default; gisrev.config.DEFAULT_FIELD_MIN_GAP is the settings' own).
DEFAULT_FIELD_MIN_GAP = 200.0


@dataclasses.dataclass(frozen=True)
class Municipality:
    """One municipality as outputs show it.

    Attributes
    ----------
    lgu_code
        The local government code.
    name_th, name_en
        Its names; the code itself where none was recorded.
    field_min_gap
        Baht: a finding with a smaller gap goes to the desk list, not to a surveyor.
    thresholds
        ``{"thresholds": {...}, "priority": {...}}`` as gisrev.toml gave them (empty
        where nothing was recorded).
    """

    lgu_code: str
    name_th: str
    name_en: str
    field_min_gap: float = DEFAULT_FIELD_MIN_GAP
    thresholds: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class MunicipalitySettings(Protocol):
    """What :func:`save_municipality` reads of the settings (:class:`gisrev.config.Settings`)."""

    @property
    def lgu_code(self) -> str | None:
        """The municipality's code; None when none was given (nothing is then saved)."""

    @property
    def name_th(self) -> str | None:
        """Its Thai name, if given."""

    @property
    def name_en(self) -> str | None:
        """Its English name, if given."""

    @property
    def field_min_gap(self) -> float:
        """The field-visit minimum gap, baht."""

    def thresholds_document(self) -> Mapping[str, Any]:
        """``[thresholds]`` and ``[priority]`` as plain data."""


_INSERT = sa.text(
    "INSERT INTO municipalities (lgu_code, name_th, name_en, field_min_gap, thresholds) "
    "VALUES (:lgu, :name_th, :name_en, :gap, CAST(:thresholds AS jsonb)) "
    "ON CONFLICT (lgu_code) DO NOTHING"
)
# Only a row that would change is updated (and so locked until the transaction ends):
# loads of one municipality running side by side do not queue here.
_UPDATE = sa.text(
    "UPDATE municipalities SET name_th = COALESCE(CAST(:name_th AS text), name_th), "
    "name_en = COALESCE(CAST(:name_en AS text), name_en), "
    "field_min_gap = CAST(:gap AS numeric), thresholds = CAST(:thresholds AS jsonb), "
    "updated_at = now() "
    "WHERE lgu_code = :lgu AND (name_th, name_en, field_min_gap, thresholds) IS DISTINCT FROM "
    "(COALESCE(CAST(:name_th AS text), name_th), COALESCE(CAST(:name_en AS text), name_en), "
    "CAST(:gap AS numeric), CAST(:thresholds AS jsonb))"
)


def save_municipality(conn: Connection, settings: MunicipalitySettings) -> None:
    """Record the settings' municipality: names, field-visit minimum gap and thresholds.

    A name the settings do not give keeps the one recorded before.

    Raises
    ------
    NoMunicipalityError
        When the settings name no municipality: no row is ever written under a
        placeholder code.

    Examples
    --------
    >>> with engine.begin() as conn:  # doctest: +SKIP
    ...     save_municipality(conn, load_settings("gisrev.toml"))
    """
    if settings.lgu_code is None:
        raise NoMunicipalityError
    values = {
        "lgu": settings.lgu_code,
        "name_th": settings.name_th,
        "name_en": settings.name_en,
        "gap": settings.field_min_gap,
        "thresholds": json.dumps(settings.thresholds_document(), sort_keys=True),
    }
    if conn.execute(_INSERT, values).rowcount == 0:
        conn.execute(_UPDATE, values)


def municipality(conn: Connection, lgu_code: str) -> Municipality:
    """Return a municipality's names and thresholds; the code stands in for unknown names.

    A municipality nothing was recorded for has its code as both names, the default
    field-visit minimum gap and no thresholds.
    """
    row = conn.execute(
        sa.text(
            "SELECT name_th, name_en, field_min_gap, thresholds FROM municipalities "
            "WHERE lgu_code = :lgu"
        ),
        {"lgu": lgu_code},
    ).first()
    if row is None:
        return Municipality(lgu_code=lgu_code, name_th=lgu_code, name_en=lgu_code)
    return Municipality(
        lgu_code=lgu_code,
        name_th=row.name_th or lgu_code,
        name_en=row.name_en or lgu_code,
        field_min_gap=float(row.field_min_gap),
        thresholds=row.thresholds or {},
    )


def municipality_codes(conn: Connection) -> list[str]:
    """Return the codes of the municipalities recorded in the database, in order."""
    query = sa.text("SELECT lgu_code FROM municipalities ORDER BY lgu_code")
    return list(conn.execute(query).scalars())
