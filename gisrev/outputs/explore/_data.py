"""What the notebook map reads from PostGIS: flagged parcels by gap, and the faint context."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

# The year's flagged parcels (orphan records have no parcel to draw), largest gap first.
# Owner names come from the finding's register rows only when asked for; the owner_id
# column is never selected.
_FLAGGED_SQL = sa.text("""
SELECT f.parcel_code, f.flags, f.reason_th, f.reason_en, f.expected_tax, f.tax_assessed,
       f.tax_paid, f.gap, coalesce(f.evidence_use, f.declared_use) AS use, f.zone_code,
       ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(p.geom, :tol), 4326)) AS wkb,
       CASE WHEN :show_owner THEN (
           SELECT string_agg(DISTINCT r.owner_name, '; ') FROM register r
           WHERE r.id = ANY (f.register_ids) AND r.owner_name IS NOT NULL
       ) END AS owner_name
FROM findings f
JOIN parcels p ON p.id = f.parcel_id
WHERE f.lgu_code = :lgu AND f.tax_year = :year
ORDER BY f.gap DESC NULLS LAST, f.parcel_code
LIMIT :limit
""")

_COUNT_SQL = sa.text(
    "SELECT count(*) FILTER (WHERE parcel_id IS NOT NULL),"
    " count(*) FILTER (WHERE parcel_id IS NULL)"
    " FROM findings WHERE lgu_code = :lgu AND tax_year = :year"
)
_PARCELS_SQL = sa.text("SELECT count(*) FROM parcels WHERE lgu_code = :lgu")

# Faint context: the parcels and the buildings, simplified in metres before leaving the
# working CRS; ORDER BY geom (Hilbert order) keeps the deltas small. The flagged parcels are
# left out in Python, not by a NOT EXISTS on findings: just after an analysis the planner has
# no statistics and loops over the findings for every parcel (minutes at 30k parcels).
_CONTEXT_SQL = {
    "parcels": sa.text("""
SELECT p.id, ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(p.geom, :tol), 4326))
FROM parcels p WHERE p.lgu_code = :lgu ORDER BY p.geom
"""),
    "buildings": sa.text("""
SELECT b.id, ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(b.geom, :tol), 4326))
FROM buildings b WHERE b.lgu_code = :lgu ORDER BY b.geom
"""),
}
_FLAGGED_IDS_SQL = sa.text(
    "SELECT parcel_id FROM findings WHERE lgu_code = :lgu AND tax_year = :year"
    " AND parcel_id IS NOT NULL"
)


def counts(conn: Connection, year: int, *, lgu_code: str) -> tuple[int, int, int]:
    """Return (parcels on the map, flagged parcels, orphan records) of the year."""
    params = {"lgu": lgu_code, "year": year}
    flagged, orphans = conn.execute(_COUNT_SQL, params).one()
    parcels = conn.execute(_PARCELS_SQL, params).scalar_one()
    return int(parcels), int(flagged), int(orphans)


def flagged_parcels(
    conn: Connection, year: int, *, lgu_code: str, show_owner: bool, limit: int | None,
    tolerance_m: float,
) -> pd.DataFrame:
    """Return the flagged parcels, largest gap first (the first ``limit`` only, if given).

    ``geometry`` is the parcel's outline in EPSG:4326 (shapely); ``flags`` a list of codes.
    """
    params = {"lgu": lgu_code, "year": year, "show_owner": show_owner, "limit": limit,
              "tol": tolerance_m}
    result = conn.execute(_FLAGGED_SQL, params)
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    wkb = [bytes(b) if b is not None else None for b in df.pop("wkb")]
    df["geometry"] = list(shapely.from_wkb(wkb)) if wkb else []
    df["flags"] = [list(f) for f in df["flags"]]
    return df


def context(
    conn: Connection, table: str, year: int, *, lgu_code: str, tolerance_m: float
) -> list[shapely.Geometry]:
    """Return the faint outlines (lon/lat) of ``"parcels"`` (not flagged) or ``"buildings"``."""
    params = {"lgu": lgu_code, "year": year, "tol": tolerance_m}
    rows = conn.execute(_CONTEXT_SQL[table], params).all()
    if not rows:
        return []
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    keep = np.ones(len(rows), dtype=bool)
    if table == "parcels":
        flagged = np.fromiter(conn.execute(_FLAGGED_IDS_SQL, params).scalars(), dtype=np.int64)
        keep = ~np.isin(ids, flagged)
    wkb = [bytes(r[1]) for r, k in zip(rows, keep, strict=True) if k and r[1] is not None]
    return list(shapely.from_wkb(wkb)) if wkb else []
