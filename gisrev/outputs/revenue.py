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
from gisrev.outputs.summary import money_sum
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


# One row per parcel of the year: its evidence and its finding, if any. The two tables are
# stacked and grouped by parcel rather than joined: just after an analysis they have no
# statistics yet, and the planner, taking them for near empty, loops over one for every row
# of the other (85 s at 30k parcels, measured); a grouping has no such bad plan.
_PER_PARCEL = """(
    SELECT parcel_id, max(zone_id) AS zone_id, max(use) AS use, bool_or(registered) AS registered,
           sum(expected_tax) AS expected_tax, sum(tax_assessed) AS tax_assessed,
           sum(tax_paid) AS tax_paid, sum(parcel_gap) AS parcel_gap,
           max(flags) AS flags, sum(findings_gap) AS findings_gap
    FROM (
        SELECT e.parcel_id, e.zone_id, e.use, e.registered, e.expected_tax, e.tax_assessed,
               e.tax_paid, """ + PARCEL_GAP_SQL + """ AS parcel_gap,
               NULL::text[] AS flags, NULL::float8 AS findings_gap
        FROM parcel_evidence e WHERE e.lgu_code = :lgu AND e.tax_year = :year
        UNION ALL
        SELECT f.parcel_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, f.flags,
               coalesce(f.gap, 0)
        FROM findings f
        WHERE f.lgu_code = :lgu AND f.tax_year = :year AND f.parcel_id IS NOT NULL
    ) AS stacked
    GROUP BY parcel_id
    HAVING bool_or(registered) IS NOT NULL
) AS p"""
_SUMS = (
    "count(*) AS parcels, count(*) FILTER (WHERE p.registered) AS registered, "
    f"{money_sum('p.expected_tax')} AS expected_tax, "
    f"{money_sum('p.tax_assessed')} AS tax_assessed, "
    f"{money_sum('p.tax_paid')} AS tax_paid, {money_sum('p.parcel_gap')} AS gap, "
    "count(p.flags) AS flagged, "
    f"{money_sum('p.findings_gap')} AS findings_gap"
)

# Fixed SQL per grouping, never built from input.
_SQL: dict[str, str] = {
    "zone": (
        f"SELECT z.zone_code, min(z.zone_name) AS zone_name, {_SUMS} "
        f"FROM {_PER_PARCEL} LEFT JOIN zones z ON z.id = p.zone_id "
        "GROUP BY z.zone_code ORDER BY expected_tax DESC, z.zone_code NULLS LAST"
    ),
    "use": (
        f"SELECT p.use, {_SUMS} FROM {_PER_PARCEL} "
        "GROUP BY p.use ORDER BY expected_tax DESC, p.use"
    ),
    "finding": (
        f"SELECT coalesce(code, '{NO_FINDING}') AS finding, {_SUMS} "
        f"FROM {_PER_PARCEL} LEFT JOIN LATERAL unnest(p.flags) AS code ON true GROUP BY 1"
    ),
}

_ZONES_SQL = sa.text(
    "SELECT z.id AS zone_id, z.zone_code, z.zone_name, z.price_per_sqwah, "
    "       coalesce(s.parcels, 0) AS parcels, coalesce(s.expected_tax, 0) AS expected_tax,"
    "       coalesce(s.tax_assessed, 0) AS tax_assessed, coalesce(s.tax_paid, 0) AS tax_paid,"
    "       coalesce(s.gap, 0) AS gap, coalesce(s.flagged, 0) AS flagged,"
    "       coalesce(s.findings_gap, 0) AS findings_gap,"
    "       ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(z.geom, :tol), 4326)) AS wkb "
    f"FROM zones z LEFT JOIN (SELECT p.zone_id, {_SUMS} FROM {_PER_PARCEL} GROUP BY p.zone_id) s"
    " ON s.zone_id = z.id "
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
