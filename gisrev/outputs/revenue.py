"""Revenue over every parcel, not only the flagged ones: by zone, use or finding code.

:mod:`gisrev.outputs.summary` adds up the findings (what a surveyor or the office should act
on). A planner asks first where the town's revenue is: what the map's evidence says every
parcel owes (``expected_tax``), what the register billed (``tax_assessed``) and collected
(``tax_paid``), and the difference. These sums read ``parcel_evidence``, which the analysis
writes for every parcel of the year, so they add up to the what-if's ``current`` row.

A parcel's ``gap`` here is its expected tax less what was paid (not below 0), the whole
expected tax when it is not registered: the revenue the evidence says was not collected,
with no threshold. ``findings_gap`` is the part the analysis flagged (its thresholds applied),
the number the report and the survey maps show.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.errors import InputError
from gisrev.vocab import FINDING_CODES, USE_LABELS

__all__ = ["GROUPINGS", "NO_FINDING", "PARCEL_GAP_SQL", "revenue_by", "zone_revenue"]

#: The groupings :func:`revenue_by` knows.
GROUPINGS = ("zone", "use", "finding")
#: The ``finding`` of parcels the analysis did not flag.
NO_FINDING = "none"

#: One parcel's gap, in SQL over ``parcel_evidence`` aliased ``e``.
PARCEL_GAP_SQL = (
    "CASE WHEN e.registered THEN greatest(e.expected_tax - coalesce(e.tax_paid, 0), 0)"
    " ELSE e.expected_tax END"
)


def _sum(column: str) -> str:
    """Return SQL summing a money column exactly (as numeric), rounded to satang."""
    return f"CAST(round(coalesce(sum(CAST({column} AS numeric)), 0), 2) AS float8)"


_SUMS = (
    "count(*) AS parcels, count(*) FILTER (WHERE e.registered) AS registered, "
    f"{_sum('e.expected_tax')} AS expected_tax, {_sum('e.tax_assessed')} AS tax_assessed, "
    f"{_sum('e.tax_paid')} AS tax_paid, {_sum(PARCEL_GAP_SQL)} AS gap, "
    "count(f.parcel_id) AS flagged, "
    f"{_sum('f.gap')} AS findings_gap"
)
# The year's findings of one parcel (one finding per parcel; orphan records have none).
_FINDINGS_JOIN = (
    "LEFT JOIN findings f ON f.lgu_code = e.lgu_code AND f.tax_year = e.tax_year"
    " AND f.parcel_id = e.parcel_id"
)
_WHERE = "WHERE e.lgu_code = :lgu AND e.tax_year = :year"

# Fixed SQL per grouping, never built from input.
_SQL: dict[str, str] = {
    "zone": (
        f"SELECT z.zone_code, min(z.zone_name) AS zone_name, {_SUMS} "
        f"FROM parcel_evidence e LEFT JOIN zones z ON z.id = e.zone_id {_FINDINGS_JOIN} "
        f"{_WHERE} GROUP BY z.zone_code ORDER BY expected_tax DESC, z.zone_code NULLS LAST"
    ),
    "use": (
        f"SELECT e.use, {_SUMS} FROM parcel_evidence e {_FINDINGS_JOIN} "
        f"{_WHERE} GROUP BY e.use ORDER BY expected_tax DESC, e.use"
    ),
    "finding": (
        f"SELECT coalesce(code, '{NO_FINDING}') AS finding, {_SUMS} "
        f"FROM parcel_evidence e {_FINDINGS_JOIN} "
        "LEFT JOIN LATERAL unnest(f.flags) AS code ON true "
        f"{_WHERE} GROUP BY 1"
    ),
}

_ZONES_SQL = sa.text(
    "SELECT z.id AS zone_id, z.zone_code, z.zone_name, z.price_per_sqwah, "
    "       coalesce(s.parcels, 0) AS parcels, coalesce(s.expected_tax, 0) AS expected_tax,"
    "       coalesce(s.tax_assessed, 0) AS tax_assessed, coalesce(s.tax_paid, 0) AS tax_paid,"
    "       coalesce(s.gap, 0) AS gap, coalesce(s.flagged, 0) AS flagged,"
    "       coalesce(s.findings_gap, 0) AS findings_gap,"
    "       ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(z.geom, :tol), 4326)) AS wkb "
    "FROM zones z LEFT JOIN ("
    f"  SELECT e.zone_id, {_SUMS} FROM parcel_evidence e {_FINDINGS_JOIN} {_WHERE}"
    "   GROUP BY e.zone_id"
    ") s ON s.zone_id = z.id "
    "WHERE z.lgu_code = :lgu ORDER BY z.id"
)


def revenue_by(
    conn: Connection,
    year: int,
    by: Literal["zone", "use", "finding"] = "zone",
    *,
    lgu_code: str,
) -> pd.DataFrame:
    """Return one tax year's revenue over every parcel, grouped by zone, use or finding code.

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    year
        Tax year, CE.
    by
        ``"zone"`` (appraisal zone code, with its name; NA for parcels in no zone), ``"use"``
        (the use taxed: a residential sub-case, ``mixed`` for a parcel of several uses) or
        ``"finding"`` (finding code, ``"none"`` for parcels without a finding; a parcel with
        several codes counts under each, so those rows overlap).
    lgu_code
        The municipality.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``parcels``, ``registered``, ``expected_tax``, ``tax_assessed``,
        ``tax_paid``, ``gap`` (every parcel: expected less paid, not below 0; all of it when
        unregistered), ``flagged`` (parcels with a finding) and ``findings_gap`` (baht).
        Zones and uses by expected tax, largest first (uses with their Thai and English
        labels); findings in DESIGN.md's order, ``none`` last.

    Raises
    ------
    InputError
        For a ``by`` other than the three above.
    """
    if by not in GROUPINGS:
        msg = f"revenue_by(by={by!r}): expected one of {', '.join(GROUPINGS)}"
        raise InputError(msg)
    df = pd.read_sql(sa.text(_SQL[by]), conn, params={"lgu": lgu_code, "year": year})
    for col in ("parcels", "registered", "flagged"):
        df[col] = df[col].astype("int64")
    if by == "use":
        df.insert(1, "use_th", df["use"].map(lambda u: USE_LABELS.get(u, (u, u))[0]))
        df.insert(2, "use_en", df["use"].map(lambda u: USE_LABELS.get(u, (u, u))[1]))
    if by == "finding":
        order = {code: i for i, code in enumerate((*FINDING_CODES, NO_FINDING))}
        df = df.sort_values("finding", key=lambda s: s.map(order)).reset_index(drop=True)
    return df


def zone_revenue(
    conn: Connection, year: int, *, lgu_code: str, tolerance_m: float = 1.0
) -> pd.DataFrame:
    """Return every zone polygon with the revenue of the parcels lying in it.

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    year
        Tax year, CE.
    lgu_code
        The municipality.
    tolerance_m
        Simplification of the outlines, in metres of the working CRS.

    Returns
    -------
    pandas.DataFrame
        One row per ``zones`` row: ``zone_id``, ``zone_code``, ``zone_name``,
        ``price_per_sqwah`` and the sums of :func:`revenue_by` (zero where no parcel lies in
        the zone), and ``wkb``, its outline in EPSG:4326.
    """
    params = {"lgu": lgu_code, "year": year, "tol": tolerance_m}
    df = pd.read_sql(_ZONES_SQL, conn, params=params)
    for col in ("parcels", "registered", "flagged"):
        if col in df:
            df[col] = df[col].astype("int64")
    return df
