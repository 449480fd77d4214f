"""What one tax year's analysis found, summed by PostGIS: findings, totals, gap by group.

Every function reads the ``findings`` table (plus parcels, zones and the register for
context) of one municipality through a connection it is given, and returns pandas or
geopandas objects. Years are CE tax years; :mod:`gisrev.api` turns a BE year into one.
All sums are done by PostGIS over the ``findings`` table, so the numbers are the ones
``gisrev export findings`` writes, added up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.errors import InputError
from gisrev.vocab import FINDING_CODES  # DESIGN.md order, the order of findings.flags
from gisrev.years import be

__all__ = ["Summary", "findings", "gap_by", "gap_by_year", "summary", "zone_gaps"]

# Columns of findings() besides geometry; owner names and ID numbers are not among them.
_FINDING_COLUMNS = (
    "lgu_code", "tax_year", "parcel_id", "parcel_code", "account_id", "deed_no", "flags",
    "reason_th", "reason_en", "declared_use", "evidence_use", "declared_area_sqwah",
    "mapped_area_sqwah", "land_value", "building_value", "zone_code", "expected_tax",
    "tax_assessed", "tax_paid", "gap", "priority", "lon", "lat",
)

# gap_by(): the grouping key for each ``by``; fixed SQL, never built from input.
_GROUP_KEYS: Mapping[str, str] = {
    "zone": "f.zone_code",
    "use": "coalesce(f.evidence_use, f.declared_use)",
}


def money_sum(column: str) -> str:
    """Return SQL summing a money column exactly (as numeric), rounded to satang."""
    return f"CAST(round(coalesce(sum(CAST({column} AS numeric)), 0), 2) AS float8)"


def findings(conn: Connection, year: int, *, lgu_code: str) -> gpd.GeoDataFrame:
    """Return one tax year's findings with their parcels' geometry, for display.

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    year
        Tax year, CE.
    lgu_code
        The municipality.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per finding, highest priority first, in EPSG:4326. ``flags`` is a
        list of finding codes; money is in baht. Orphan register records have no
        parcel and so an empty geometry. Owner names and ID numbers are not included.
    """
    cols = ", ".join(f"f.{c}" for c in _FINDING_COLUMNS)
    sql = sa.text(
        f"SELECT {cols}, ST_AsBinary(ST_Transform(p.geom, 4326)) AS geometry "
        "FROM findings f LEFT JOIN parcels p ON p.id = f.parcel_id "
        "WHERE f.lgu_code = :lgu AND f.tax_year = :year "
        "ORDER BY f.priority NULLS LAST, f.gap DESC NULLS LAST, f.parcel_code"
    )
    df = pd.read_sql(sql, conn, params={"lgu": lgu_code, "year": year})
    geometry = shapely.from_wkb(df.pop("geometry").to_numpy())
    df["flags"] = df["flags"].map(list)
    return gpd.GeoDataFrame(df, geometry=geometry, crs="EPSG:4326")


@dataclasses.dataclass(frozen=True)
class Summary:
    """What one tax year's analysis found, in the numbers an executive asks for.

    Attributes
    ----------
    year
        Tax year, CE.
    lgu_code
        The municipality.
    totals
        ``parcels`` (on the map), ``register_accounts`` (rows for the year),
        ``register_assessed`` and ``register_paid`` (baht, every account),
        ``findings``, ``flagged_parcels``, ``orphan_records``, and over the findings:
        ``expected_tax``, ``tax_assessed``, ``tax_paid`` and ``gap`` (baht).
    by_flag
        One row per finding code (DESIGN.md order): ``findings``, ``gap``. A finding
        with several codes counts under each, so these rows overlap.
    by_zone, by_use
        See :func:`gap_by`.
    top
        The parcels with the largest gap (orphan records are not parcels).
    """

    year: int
    lgu_code: str
    totals: dict[str, float]
    by_flag: pd.DataFrame
    by_zone: pd.DataFrame
    by_use: pd.DataFrame
    top: pd.DataFrame


_TOTALS_SQL = sa.text(
    "SELECT"
    " (SELECT count(*) FROM parcels WHERE lgu_code = :lgu) AS parcels,"
    " (SELECT count(*) FROM register WHERE lgu_code = :lgu AND tax_year = :year)"
    "   AS register_accounts,"
    f" (SELECT {money_sum('tax_assessed')} FROM register"
    "   WHERE lgu_code = :lgu AND tax_year = :year) AS register_assessed,"
    f" (SELECT {money_sum('tax_paid')} FROM register"
    "   WHERE lgu_code = :lgu AND tax_year = :year) AS register_paid,"
    " count(f.*) AS findings,"
    " count(f.parcel_id) AS flagged_parcels,"
    " count(*) FILTER (WHERE f.id IS NOT NULL AND f.parcel_id IS NULL) AS orphan_records,"
    f" {money_sum('f.expected_tax')} AS expected_tax,"
    f" {money_sum('f.tax_assessed')} AS tax_assessed,"
    f" {money_sum('f.tax_paid')} AS tax_paid,"
    f" {money_sum('f.gap')} AS gap"
    " FROM (SELECT 1) AS one"
    " LEFT JOIN findings f ON f.lgu_code = :lgu AND f.tax_year = :year"
)

_TOP_SQL = sa.text(
    "SELECT f.priority, f.parcel_code, f.flags, f.zone_code, f.declared_use,"
    " f.evidence_use, f.expected_tax, f.tax_assessed, f.tax_paid, f.gap "
    "FROM findings f WHERE f.lgu_code = :lgu AND f.tax_year = :year"
    " AND f.parcel_id IS NOT NULL "
    "ORDER BY f.gap DESC NULLS LAST, f.priority NULLS LAST, f.parcel_code LIMIT :top"
)


def summary(conn: Connection, year: int, *, lgu_code: str, top: int = 20) -> Summary:
    """Sum up one tax year: totals, gap by finding code, zone and use, top parcels.

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    year
        Tax year, CE.
    lgu_code
        The municipality.
    top
        How many parcels :attr:`Summary.top` lists, by gap.

    Returns
    -------
    Summary
    """
    params = {"lgu": lgu_code, "year": year, "top": int(top)}
    totals = dict(conn.execute(_TOTALS_SQL, params).mappings().one())
    by_flag = gap_by(conn, year, "flag", lgu_code=lgu_code)
    top_df = pd.read_sql(_TOP_SQL, conn, params=params)
    by_zone = gap_by(conn, year, "zone", lgu_code=lgu_code)
    by_use = gap_by(conn, year, "use", lgu_code=lgu_code)
    totals = {k: (int(v) if isinstance(v, int) else float(v)) for k, v in totals.items()}
    top_df["flags"] = top_df["flags"].map(list)
    return Summary(year=year, lgu_code=lgu_code, totals=totals, by_flag=by_flag,
                   by_zone=by_zone, by_use=by_use, top=top_df)


def _order_flags(df: pd.DataFrame) -> pd.DataFrame:
    """Every known code in DESIGN.md order (zero when absent), then any others."""
    known = pd.DataFrame({"flag": list(FINDING_CODES)})
    out = known.merge(df, on="flag", how="outer")
    out["order"] = out["flag"].map({c: i for i, c in enumerate(FINDING_CODES)})
    out = out.sort_values(["order", "flag"], na_position="last").drop(columns="order")
    out["findings"] = out["findings"].fillna(0).astype("int64")
    out["gap"] = out["gap"].fillna(0.0).astype("float64")
    return out.reset_index(drop=True)


def gap_by(
    conn: Connection,
    year: int,
    by: Literal["zone", "use", "flag"] = "zone",
    *,
    lgu_code: str,
) -> pd.DataFrame:
    """Return the revenue gap of one tax year grouped by zone, use or finding code.

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    year
        Tax year, CE.
    by
        ``"zone"`` (appraisal zone code, with its name), ``"use"`` (the evidence
        use, else the declared use) or ``"flag"`` (finding code; a finding with
        several codes counts under each, so those rows overlap).
    lgu_code
        The municipality.

    Returns
    -------
    pandas.DataFrame
        For zone and use: ``findings``, ``expected_tax``, ``tax_assessed``,
        ``tax_paid`` and ``gap`` (baht), largest gap first; a missing zone or use
        is NA. For flag: ``flag``, ``findings``, ``gap`` in DESIGN.md order.

    Raises
    ------
    InputError
        For a ``by`` other than the three above.
    """
    _check_grouping(by)
    params = {"lgu": lgu_code, "year": year}
    if by == "flag":
        return _order_flags(pd.read_sql(sa.text(
            f"SELECT flag, count(*) AS findings, {money_sum('f.gap')} AS gap "
            "FROM findings f CROSS JOIN LATERAL unnest(f.flags) AS flag "
            "WHERE f.lgu_code = :lgu AND f.tax_year = :year GROUP BY flag"
        ), conn, params=params))
    key = _GROUP_KEYS[by]
    sums = (
        f"count(*) AS findings, {money_sum('f.expected_tax')} AS expected_tax,"
        f" {money_sum('f.tax_assessed')} AS tax_assessed,"
        f" {money_sum('f.tax_paid')} AS tax_paid, {money_sum('f.gap')} AS gap"
    )
    if by == "zone":
        sql = (
            f"SELECT {key} AS zone_code, min(z.zone_name) AS zone_name, {sums} "
            "FROM findings f LEFT JOIN (SELECT zone_code, min(zone_name) AS zone_name FROM zones"
            " WHERE lgu_code = :lgu GROUP BY zone_code) z ON z.zone_code = f.zone_code "
            f"WHERE f.lgu_code = :lgu AND f.tax_year = :year GROUP BY {key} "
            "ORDER BY gap DESC, zone_code NULLS LAST"
        )
    else:
        sql = (
            f"SELECT {key} AS use, {sums} FROM findings f "
            f"WHERE f.lgu_code = :lgu AND f.tax_year = :year GROUP BY {key} "
            "ORDER BY gap DESC, use NULLS LAST"
        )
    df = pd.read_sql(sa.text(sql), conn, params=params)
    df["findings"] = df["findings"].astype("int64")
    return df


def _check_grouping(by: str) -> None:
    """Refuse a :func:`gap_by` grouping other than zone, use or flag, in one line.

    Raises
    ------
    InputError
        Naming the three groupings.
    """
    if by not in (*_GROUP_KEYS, "flag"):
        msg = f"gap_by(by={by!r}): expected one of 'zone', 'use', 'flag'"
        raise InputError(msg)


def zone_gaps(
    conn: Connection, year: int, *, lgu_code: str, crs: Any = "EPSG:4326"
) -> gpd.GeoDataFrame:
    """Return the appraisal zones with the year's findings and gap, for a choropleth.

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    year
        Tax year, CE.
    lgu_code
        The municipality.
    crs
        CRS of the returned geometry (default EPSG:4326, for display).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zone polygon: ``zone_code``, ``zone_name``, ``price_per_sqwah``,
        ``findings`` and ``gap`` (baht; zero where nothing was found) of the parcels
        lying in that polygon, as the ``zone_summary`` view sums them: polygons
        sharing a zone code are counted apart, and a zone without a code is counted too.
    """
    srid = conn.execute(sa.text("SELECT working_srid FROM schema_version LIMIT 1")).scalar()
    df = pd.read_sql(sa.text(
        "SELECT z.zone_code, z.zone_name, z.price_per_sqwah,"
        " coalesce(g.findings, 0) AS findings, coalesce(g.gap, 0) AS gap,"
        " ST_AsBinary(z.geom) AS geometry "
        "FROM zones z LEFT JOIN (SELECT zone_id, count(*) AS findings,"
        f"  {money_sum('gap')} AS gap FROM findings"
        "  WHERE lgu_code = :lgu AND tax_year = :year GROUP BY zone_id) g"
        " ON g.zone_id = z.id "
        "WHERE z.lgu_code = :lgu ORDER BY z.zone_code, z.id"
    ), conn, params={"lgu": lgu_code, "year": year})
    geometry = shapely.from_wkb(df.pop("geometry").to_numpy())
    df["findings"] = df["findings"].astype("int64")
    gdf = gpd.GeoDataFrame(df, geometry=geometry, crs=f"EPSG:{srid}")
    return gdf.to_crs(crs)


_BY_YEAR_SQL = sa.text(
    "WITH y AS (SELECT DISTINCT tax_year FROM findings WHERE lgu_code = :lgu"
    "  UNION SELECT DISTINCT tax_year FROM analysis_runs WHERE lgu_code = :lgu),"
    " f AS (SELECT tax_year, count(*) AS findings,"
    "  count(*) FILTER (WHERE 'UNREGISTERED' = ANY(flags)) AS unregistered,"
    f"  {money_sum('expected_tax')} AS expected_tax,"
    f"  {money_sum('tax_paid')} AS tax_paid, {money_sum('gap')} AS gap"
    "  FROM findings WHERE lgu_code = :lgu GROUP BY tax_year),"
    f" r AS (SELECT tax_year, {money_sum('tax_assessed')} AS register_assessed,"
    f"  {money_sum('tax_paid')} AS register_paid"
    "  FROM register WHERE lgu_code = :lgu GROUP BY tax_year) "
    "SELECT y.tax_year, coalesce(f.findings, 0) AS findings,"
    " coalesce(f.unregistered, 0) AS unregistered,"
    " coalesce(f.expected_tax, 0) AS expected_tax, coalesce(f.tax_paid, 0) AS tax_paid,"
    " coalesce(f.gap, 0) AS gap, coalesce(r.register_assessed, 0) AS register_assessed,"
    " coalesce(r.register_paid, 0) AS register_paid "
    "FROM y LEFT JOIN f USING (tax_year) LEFT JOIN r USING (tax_year) ORDER BY y.tax_year"
)


def gap_by_year(
    conn: Connection, *, lgu_code: str, years: Iterable[int] | None = None
) -> pd.DataFrame:
    """Return findings and gap per tax year, with the register's totals beside them.

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    lgu_code
        The municipality.
    years
        Only these tax years (CE); default every analysed year.

    Returns
    -------
    pandas.DataFrame
        One row per analysed tax year (CE ``tax_year`` and BE ``tax_year_be``):
        ``findings``, ``unregistered``, ``expected_tax``, ``tax_paid``, ``gap`` over
        the findings, and ``register_assessed``, ``register_paid`` over every account.
    """
    df = pd.read_sql(_BY_YEAR_SQL, conn, params={"lgu": lgu_code})
    if years is not None:
        df = df[df["tax_year"].isin(sorted(set(years)))].reset_index(drop=True)
    df.insert(1, "tax_year_be", be(df["tax_year"]))
    for col in ("findings", "unregistered"):
        df[col] = df[col].astype("int64")
    return df
