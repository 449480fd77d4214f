"""Reading what the maps show from PostGIS: findings, their parcels and the context."""

from __future__ import annotations

import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

# Finding rows with the parcel's outline in EPSG:4326 and a point in the working CRS.
# Owner names come from the register rows of the finding only when asked for; the
# owner_id column is never selected.
_FINDINGS_SQL = """
SELECT f.id, f.parcel_id, f.parcel_code, f.flags, f.reason_th, f.reason_en, f.deed_no,
       f.account_id, f.expected_tax, f.tax_assessed, f.tax_paid, f.gap, f.priority,
       coalesce(f.zone_code, z.zone_code) AS zone_code,
       ST_X(q.pt) AS x, ST_Y(q.pt) AS y,
       coalesce(f.lon, ST_X(ST_Transform(q.pt, 4326))) AS lon,
       coalesce(f.lat, ST_Y(ST_Transform(q.pt, 4326))) AS lat,
       ST_AsBinary(ST_Transform(p.geom, 4326)) AS wkb,
       CASE WHEN :show_owner THEN (
           SELECT string_agg(DISTINCT r.owner_name, '; ') FROM register r
           WHERE r.id = ANY (f.register_ids) AND r.owner_name IS NOT NULL
       ) END AS owner_name
FROM findings f
LEFT JOIN parcels p ON p.id = f.parcel_id
LEFT JOIN LATERAL (SELECT coalesce(f.point, ST_PointOnSurface(p.geom)) AS pt) q ON true
LEFT JOIN LATERAL (
    SELECT zz.zone_code FROM zones zz
    WHERE f.zone_code IS NULL AND zz.lgu_code = f.lgu_code AND q.pt IS NOT NULL
      AND ST_Contains(zz.geom, q.pt)
    ORDER BY zz.id LIMIT 1
) z ON true
WHERE f.lgu_code = :lgu AND f.tax_year = :year
ORDER BY p.geom NULLS LAST, f.parcel_code
"""

# Faint context: the parcels not drawn as findings on this page, and buildings,
# simplified in metres before leaving the working CRS. ORDER BY geom is PostGIS's
# Hilbert order, which keeps the delta-encoded coordinates small.
_NOT_A_FINDING = """NOT EXISTS (SELECT 1 FROM findings f
                WHERE f.parcel_id = p.id AND f.lgu_code = :lgu AND f.tax_year = :year)"""
_NOT_LISTED = "NOT (p.id = ANY (:exclude))"
_CONTEXT_SQL = {
    "parcels": """
SELECT ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(p.geom, :tol), 4326))
FROM parcels p
WHERE p.lgu_code = :lgu AND {where} AND {exclude}
ORDER BY p.geom
""",
    "buildings": """
SELECT ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(p.geom, :tol), 4326))
FROM buildings p
WHERE p.lgu_code = :lgu AND {where}
ORDER BY p.geom
""",
}
_ALL = "true"
_IN_BOX = "p.geom && ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, :srid)"


def read_findings(conn: Connection, *, lgu_code: str, year: int, show_owner: bool) -> pd.DataFrame:
    """Return the year's findings with outline (shapely, lon/lat) and working-CRS point.

    Parameters
    ----------
    conn
        An open connection.
    lgu_code, year
        Which municipality and CE tax year.
    show_owner
        Fill ``owner_name`` from the finding's register rows (else it stays empty).

    Returns
    -------
    pandas.DataFrame
        One row per finding; ``geometry`` is None for orphan records.
    """
    result = conn.execute(
        sa.text(_FINDINGS_SQL), {"lgu": lgu_code, "year": year, "show_owner": show_owner}
    )
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    wkb = [bytes(b) if b is not None else None for b in df.pop("wkb")]
    df["geometry"] = shapely.from_wkb(wkb) if len(wkb) else []
    df["flags"] = [list(f) for f in df["flags"]]
    return df


def read_context(
    conn: Connection,
    table: str,
    *,
    lgu_code: str,
    year: int,
    tolerance_m: float,
    box: tuple[float, float, float, float] | None = None,
    srid: int | None = None,
    exclude: list[int] | None = None,
) -> list[shapely.Geometry]:
    """Return the faint context outlines (lon/lat) of ``table`` ("parcels" or "buildings").

    Parameters
    ----------
    conn
        An open connection.
    table
        ``"parcels"`` or ``"buildings"``.
    lgu_code, year
        Which municipality and CE tax year.
    tolerance_m
        Simplification tolerance in metres (working CRS).
    box
        Optional ``(xmin, ymin, xmax, ymax)`` in the working CRS to clip to.
    srid
        The working SRID; required with ``box``.
    exclude
        Parcel ids drawn as findings on the page (a work package's own); by default
        every parcel with a finding this year is left out.
    """
    sql = _CONTEXT_SQL[table].format(
        where=_ALL if box is None else _IN_BOX,
        exclude=_NOT_A_FINDING if exclude is None else _NOT_LISTED,
    )
    params: dict[str, object] = {"lgu": lgu_code, "year": year, "tol": tolerance_m}
    if exclude is not None:
        params["exclude"] = exclude
    if box is not None:
        params.update(xmin=box[0], ymin=box[1], xmax=box[2], ymax=box[3], srid=srid)
    rows = conn.execute(sa.text(sql), params).scalars().all()
    return list(shapely.from_wkb([bytes(r) for r in rows if r is not None])) if rows else []
