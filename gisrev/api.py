"""The small public Python API for notebooks and scripts.

Everything here reads what ``gisrev analyze`` wrote to the ``findings`` table
(plus parcels, zones and the register for context) and returns pandas or
geopandas objects. Years are CE tax years (``2023``); a year above 2400 is taken
as Buddhist Era (``2566``) and converted, so notebooks may use either.

Examples
--------
>>> import gisrev
>>> engine = gisrev.connect()                      # doctest: +SKIP
>>> gdf = gisrev.findings(2566, engine=engine)     # doctest: +SKIP
>>> gisrev.summary(2566, engine=engine).totals["gap"]  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gisrev.config import Settings, load_settings
from gisrev.db import make_engine
from gisrev.errors import InputError
from gisrev.tax import Regime
from gisrev.vocab import FINDING_CODES  # DESIGN.md order, the order of findings.flags
from gisrev.years import be, tax_year

__all__ = [
    "FINDING_CODES",
    "Summary",
    "be_year",
    "ce_year",
    "connect",
    "findings",
    "gap_by",
    "gap_by_year",
    "revenue_recovered",
    "summary",
    "what_if",
    "zone_gaps",
]


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


def _sum(column: str) -> str:
    """Return SQL summing a money column exactly (as numeric), rounded to satang."""
    return f"CAST(round(coalesce(sum(CAST({column} AS numeric)), 0), 2) AS float8)"


def ce_year(year: int | str) -> int:
    """Return a tax year in CE, accepting BE (any year above 2400) and Thai digits.

    Raises
    ------
    gisrev.InputError
        When ``year`` is not a plausible tax year (``66``), in one line.

    Examples
    --------
    >>> ce_year(2566), ce_year(2023), ce_year("๒๕๖๖")
    (2023, 2023, 2023)
    """
    return tax_year(year)


def be_year(year: int | str) -> int:
    """Return a tax year in BE, as user-facing text shows it.

    Examples
    --------
    >>> be_year(2023), be_year(2566)
    (2566, 2566)
    """
    return be(ce_year(year))


def connect(url: str | None = None, *, config: str | os.PathLike[str] | None = None) -> Engine:
    """Connect to the gisrev database.

    Parameters
    ----------
    url
        A PostgreSQL URL (libpq or SQLAlchemy form). When omitted, the settings
        decide: ``GISREV_DATABASE_URL``, else ``[database] url`` in ``gisrev.toml``,
        else the local default.
    config
        A ``gisrev.toml`` to read instead of ``./gisrev.toml``.

    Returns
    -------
    sqlalchemy.engine.Engine
        A checked engine: an unreachable server raises
        :class:`gisrev.DatabaseError` with one line saying how to start it.

    Examples
    --------
    >>> engine = connect("postgresql://gisrev:gisrev@localhost:5432/gisrev")  # doctest: +SKIP
    """
    settings = load_settings(config, database_url=url)
    return make_engine(settings.database_url)


@functools.cache
def _default_engine(url: str) -> Engine:
    return make_engine(url)


def _engine(engine: Engine | Connection | None) -> Engine | Connection:
    if engine is not None:
        return engine
    return _default_engine(load_settings().database_url)


def _connect(bind: Engine | Connection) -> AbstractContextManager[Connection]:
    """Yield a connection; a caller's own connection is lent, not closed."""
    if isinstance(bind, Engine):
        return bind.connect()
    return contextlib.nullcontext(bind)


def _resolve_lgu(conn: Connection, year: int | None, lgu: str | None) -> str:
    """Return the municipality to report on: ``lgu`` if given, else the only one analysed."""
    where_year = "" if year is None else " AND tax_year = :year"
    analysed = sorted(conn.execute(sa.text(
        "SELECT lgu_code FROM findings WHERE true" + where_year
        + " UNION SELECT lgu_code FROM analysis_runs WHERE true" + where_year
    ), {"year": year}).scalars())
    when = "" if year is None else f" for tax year {be_year(year)} ({year})"
    run = f"run `gisrev analyze --year {be_year(year) if year else 'Y'}` first"
    if lgu is not None:
        if lgu not in analysed:
            others = f"; the database has analyses for {', '.join(analysed)}" if analysed else ""
            msg = (
                f"municipality {lgu!r} has no analysis{when}{others}; "
                f"{run} or pass another lgu"
            )
            raise InputError(msg)
        return lgu
    if not analysed:
        msg = (
            f"the database has no analysis{when}; "
            f"{run}"
        )
        raise InputError(msg)
    if len(analysed) > 1:
        msg = f"the database holds several municipalities{when} ({', '.join(analysed)}); pass lgu="
        raise InputError(msg)
    return analysed[0]


def findings(
    year: int,
    *,
    engine: Engine | Connection | None = None,
    lgu: str | None = None,
) -> gpd.GeoDataFrame:
    """Return one tax year's findings with their parcels' geometry, for display.

    Parameters
    ----------
    year
        Tax year, CE (``2023``) or BE (``2566``).
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu
        Municipality code; default: the only municipality analysed for the year.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per finding, highest priority first, in EPSG:4326. ``flags`` is a
        list of finding codes; money is in baht. Orphan register records have no
        parcel and so an empty geometry. Owner names and ID numbers are not included.

    Raises
    ------
    gisrev.InputError
        When the year has not been analysed, or several municipalities have and
        ``lgu`` is not given.

    Examples
    --------
    >>> gdf = findings(2566)                                         # doctest: +SKIP
    >>> gdf[gdf.flags.map(lambda f: "UNREGISTERED" in f)].gap.sum()  # doctest: +SKIP
    """
    year = ce_year(year)
    cols = ", ".join(f"f.{c}" for c in _FINDING_COLUMNS)
    sql = sa.text(
        f"SELECT {cols}, ST_AsBinary(ST_Transform(p.geom, 4326)) AS geometry "
        "FROM findings f LEFT JOIN parcels p ON p.id = f.parcel_id "
        "WHERE f.lgu_code = :lgu AND f.tax_year = :year "
        "ORDER BY f.priority NULLS LAST, f.gap DESC NULLS LAST, f.parcel_code"
    )
    with _connect(_engine(engine)) as conn:
        lgu = _resolve_lgu(conn, year, lgu)
        df = pd.read_sql(sql, conn, params={"lgu": lgu, "year": year})
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


def summary(
    year: int,
    *,
    engine: Engine | Connection | None = None,
    lgu: str | None = None,
    top: int = 20,
) -> Summary:
    """Sum up one tax year: totals, gap by finding code, zone and use, top parcels.

    All sums are done by PostGIS over the ``findings`` table, so the numbers are
    the ones ``gisrev export findings`` writes, added up.

    Parameters
    ----------
    year
        Tax year, CE or BE.
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu
        Municipality code; default: the only municipality analysed for the year.
    top
        How many parcels :attr:`Summary.top` lists, by gap.

    Returns
    -------
    Summary

    Examples
    --------
    >>> s = summary(2566)                       # doctest: +SKIP
    >>> round(s.totals["gap"])                   # doctest: +SKIP
    >>> s.by_flag.set_index("flag").loc["UNREGISTERED", "gap"]  # doctest: +SKIP
    """
    year = ce_year(year)
    with _connect(_engine(engine)) as conn:
        lgu = _resolve_lgu(conn, year, lgu)
        params = {"lgu": lgu, "year": year, "top": int(top)}
        totals = dict(conn.execute(sa.text(
            "SELECT"
            " (SELECT count(*) FROM parcels WHERE lgu_code = :lgu) AS parcels,"
            " (SELECT count(*) FROM register WHERE lgu_code = :lgu AND tax_year = :year)"
            "   AS register_accounts,"
            f" (SELECT {_sum('tax_assessed')} FROM register"
            "   WHERE lgu_code = :lgu AND tax_year = :year) AS register_assessed,"
            f" (SELECT {_sum('tax_paid')} FROM register"
            "   WHERE lgu_code = :lgu AND tax_year = :year) AS register_paid,"
            " count(f.*) AS findings,"
            " count(f.parcel_id) AS flagged_parcels,"
            " count(*) FILTER (WHERE f.id IS NOT NULL AND f.parcel_id IS NULL) AS orphan_records,"
            f" {_sum('f.expected_tax')} AS expected_tax,"
            f" {_sum('f.tax_assessed')} AS tax_assessed,"
            f" {_sum('f.tax_paid')} AS tax_paid,"
            f" {_sum('f.gap')} AS gap"
            " FROM (SELECT 1) AS one"
            " LEFT JOIN findings f ON f.lgu_code = :lgu AND f.tax_year = :year"
        ), params).mappings().one())
        by_flag = _gap_by(conn, year, lgu, "flag")
        top_df = pd.read_sql(sa.text(
            "SELECT f.priority, f.parcel_code, f.flags, f.zone_code, f.declared_use,"
            " f.evidence_use, f.expected_tax, f.tax_assessed, f.tax_paid, f.gap "
            "FROM findings f WHERE f.lgu_code = :lgu AND f.tax_year = :year"
            " AND f.parcel_id IS NOT NULL "
            "ORDER BY f.gap DESC NULLS LAST, f.priority NULLS LAST, f.parcel_code LIMIT :top"
        ), conn, params=params)
        by_zone = _gap_by(conn, year, lgu, "zone")
        by_use = _gap_by(conn, year, lgu, "use")
    totals = {k: (int(v) if isinstance(v, int) else float(v)) for k, v in totals.items()}
    top_df["flags"] = top_df["flags"].map(list)
    return Summary(year=year, lgu_code=lgu, totals=totals, by_flag=by_flag,
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


def _gap_by(conn: Connection, year: int, lgu: str, by: str) -> pd.DataFrame:
    params = {"lgu": lgu, "year": year}
    if by == "flag":
        return _order_flags(pd.read_sql(sa.text(
            f"SELECT flag, count(*) AS findings, {_sum('f.gap')} AS gap "
            "FROM findings f CROSS JOIN LATERAL unnest(f.flags) AS flag "
            "WHERE f.lgu_code = :lgu AND f.tax_year = :year GROUP BY flag"
        ), conn, params=params))
    key = _GROUP_KEYS[by]
    sums = (
        f"count(*) AS findings, {_sum('f.expected_tax')} AS expected_tax,"
        f" {_sum('f.tax_assessed')} AS tax_assessed,"
        f" {_sum('f.tax_paid')} AS tax_paid, {_sum('f.gap')} AS gap"
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


def gap_by(
    year: int,
    by: Literal["zone", "use", "flag"] = "zone",
    *,
    engine: Engine | Connection | None = None,
    lgu: str | None = None,
) -> pd.DataFrame:
    """Return the revenue gap of one tax year grouped by zone, use or finding code.

    Parameters
    ----------
    year
        Tax year, CE or BE.
    by
        ``"zone"`` (appraisal zone code, with its name), ``"use"`` (the evidence
        use, else the declared use) or ``"flag"`` (finding code; a finding with
        several codes counts under each, so those rows overlap).
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu
        Municipality code; default: the only municipality analysed for the year.

    Returns
    -------
    pandas.DataFrame
        For zone and use: ``findings``, ``expected_tax``, ``tax_assessed``,
        ``tax_paid`` and ``gap`` (baht), largest gap first; a missing zone or use
        is NA. For flag: ``flag``, ``findings``, ``gap`` in DESIGN.md order.

    Examples
    --------
    >>> gap_by(2566, by="use").head()  # doctest: +SKIP
    """
    if by not in (*_GROUP_KEYS, "flag"):
        msg = f"gap_by(by={by!r}): expected one of 'zone', 'use', 'flag'"
        raise InputError(msg)
    year = ce_year(year)
    with _connect(_engine(engine)) as conn:
        lgu = _resolve_lgu(conn, year, lgu)
        return _gap_by(conn, year, lgu, by)


def zone_gaps(
    year: int,
    *,
    engine: Engine | Connection | None = None,
    lgu: str | None = None,
    crs: Any = "EPSG:4326",
) -> gpd.GeoDataFrame:
    """Return the appraisal zones with the year's findings and gap, for a choropleth.

    Parameters
    ----------
    year
        Tax year, CE or BE.
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu
        Municipality code; default: the only municipality analysed for the year.
    crs
        CRS of the returned geometry (default EPSG:4326, for display).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zone polygon: ``zone_code``, ``zone_name``, ``price_per_sqwah``,
        ``findings`` and ``gap`` (baht; zero where nothing was found) of the parcels
        lying in that polygon, as the ``zone_summary`` view sums them: polygons
        sharing a zone code are counted apart, and a zone without a code is counted too.

    Examples
    --------
    >>> zone_gaps(2566).plot(column="gap", legend=True)  # doctest: +SKIP
    """
    year = ce_year(year)
    with _connect(_engine(engine)) as conn:
        lgu = _resolve_lgu(conn, year, lgu)
        srid = conn.execute(sa.text("SELECT working_srid FROM schema_version LIMIT 1")).scalar()
        df = pd.read_sql(sa.text(
            "SELECT z.zone_code, z.zone_name, z.price_per_sqwah,"
            " coalesce(g.findings, 0) AS findings, coalesce(g.gap, 0) AS gap,"
            " ST_AsBinary(z.geom) AS geometry "
            "FROM zones z LEFT JOIN (SELECT zone_id, count(*) AS findings,"
            f"  {_sum('gap')} AS gap FROM findings"
            "  WHERE lgu_code = :lgu AND tax_year = :year GROUP BY zone_id) g"
            " ON g.zone_id = z.id "
            "WHERE z.lgu_code = :lgu ORDER BY z.zone_code, z.id"
        ), conn, params={"lgu": lgu, "year": year})
    geometry = shapely.from_wkb(df.pop("geometry").to_numpy())
    df["findings"] = df["findings"].astype("int64")
    gdf = gpd.GeoDataFrame(df, geometry=geometry, crs=f"EPSG:{srid}")
    return gdf.to_crs(crs)


def gap_by_year(
    *,
    engine: Engine | Connection | None = None,
    lgu: str | None = None,
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Return findings and gap per tax year, with the register's totals beside them.

    Parameters
    ----------
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu
        Municipality code; default: the only municipality analysed.
    years
        Only these tax years (CE or BE); default every analysed year.

    Returns
    -------
    pandas.DataFrame
        One row per analysed tax year (CE ``tax_year`` and BE ``tax_year_be``):
        ``findings``, ``unregistered``, ``expected_tax``, ``tax_paid``, ``gap`` over
        the findings, and ``register_assessed``, ``register_paid`` over every account.

    Examples
    --------
    >>> gap_by_year().plot(x="tax_year_be", y="gap", kind="bar")  # doctest: +SKIP
    """
    wanted = None if years is None else sorted({ce_year(y) for y in years})
    with _connect(_engine(engine)) as conn:
        lgu = _resolve_lgu(conn, None, lgu)
        df = pd.read_sql(sa.text(
            "WITH y AS (SELECT DISTINCT tax_year FROM findings WHERE lgu_code = :lgu"
            "  UNION SELECT DISTINCT tax_year FROM analysis_runs WHERE lgu_code = :lgu),"
            " f AS (SELECT tax_year, count(*) AS findings,"
            "  count(*) FILTER (WHERE 'UNREGISTERED' = ANY(flags)) AS unregistered,"
            f"  {_sum('expected_tax')} AS expected_tax,"
            f"  {_sum('tax_paid')} AS tax_paid, {_sum('gap')} AS gap"
            "  FROM findings WHERE lgu_code = :lgu GROUP BY tax_year),"
            f" r AS (SELECT tax_year, {_sum('tax_assessed')} AS register_assessed,"
            f"  {_sum('tax_paid')} AS register_paid"
            "  FROM register WHERE lgu_code = :lgu GROUP BY tax_year) "
            "SELECT y.tax_year, coalesce(f.findings, 0) AS findings,"
            " coalesce(f.unregistered, 0) AS unregistered,"
            " coalesce(f.expected_tax, 0) AS expected_tax, coalesce(f.tax_paid, 0) AS tax_paid,"
            " coalesce(f.gap, 0) AS gap, coalesce(r.register_assessed, 0) AS register_assessed,"
            " coalesce(r.register_paid, 0) AS register_paid "
            "FROM y LEFT JOIN f USING (tax_year) LEFT JOIN r USING (tax_year) ORDER BY y.tax_year"
        ), conn, params={"lgu": lgu})
    if wanted is not None:
        df = df[df["tax_year"].isin(wanted)].reset_index(drop=True)
    df.insert(1, "tax_year_be", be(df["tax_year"]))
    for col in ("findings", "unregistered"):
        df[col] = df[col].astype("int64")
    return df


# What-if: every parcel's tax input, as the analysis stored it in parcel_evidence, taxed
# again under other rules. The rules that made the input (evidence use, residential sub-case,
# mixed-use shares) live in the analysis only.

_CURRENT = "current"
_SCOPE = "all parcels"
_REDUCTION_SCOPE = "flagged parcels"  # the older form rescales the findings' expected tax

# Per parcel of the year: what the tax engine was asked for its expected tax.
_EVIDENCE_SQL = (
    "SELECT parcel_id, use, parts, land_value, building_value, owner_type, vacant_years,"
    " registered, coalesce(tax_paid, 0) AS tax_paid, expected_tax "
    "FROM parcel_evidence WHERE lgu_code = :lgu AND tax_year = :year ORDER BY parcel_id"
)


def _year_reduction(year: int, regime_name: str) -> float:
    """Return the share of tax the year's royal decree takes off (0.15 for 15 %)."""
    from gisrev.tax import get_regime

    return get_regime(regime_name).reduction_percent(year) / 100.0


def _check_evidence(conn: Connection, year: int, lgu: str) -> None:
    """Refuse a year analysed before the analysis kept every parcel's evidence."""
    stale = conn.execute(sa.text(
        "SELECT NOT EXISTS (SELECT 1 FROM parcel_evidence WHERE lgu_code = :lgu"
        "  AND tax_year = :year)"
        " AND EXISTS (SELECT 1 FROM findings WHERE lgu_code = :lgu AND tax_year = :year"
        "  AND parcel_id IS NOT NULL)"
    ), {"lgu": lgu, "year": year}).scalar_one()
    if stale:
        msg = (
            f"tax year {be_year(year)} was analysed before gisrev kept every parcel's evidence "
            f"(parcel_evidence is empty); run `gisrev analyze --year {be_year(year)}` again"
        )
        raise InputError(msg)


def _evidence(conn: Connection, year: int, lgu: str) -> pd.DataFrame:
    """Return every parcel's stored tax input for the year, one row per parcel."""
    _check_evidence(conn, year, lgu)
    return pd.read_sql(sa.text(_EVIDENCE_SQL), conn, params={"lgu": lgu, "year": year})


def _tax_rows(df: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return the rows the tax engine is asked, one per parcel and use part.

    A mixed use becomes one row per part with its share of the land and building value, as
    the analysis taxed it (each part on its own, the parcel's tax their sum).
    """
    cols = ["parcel_id", "use", "land_value", "building_value", "owner_type", "vacant_years"]
    mixed = (df["use"] == "mixed").to_numpy(dtype=bool)
    frames = [df.loc[~mixed, cols]]
    if mixed.any():
        m = df.loc[mixed]
        split = pd.DataFrame(
            [(pid, use, float(share)) for pid, parts in zip(m["parcel_id"], m["parts"],
                                                             strict=True)
             for use, share in parts.items()],
            columns=["parcel_id", "use", "share"],
        ).merge(m[[c for c in cols if c != "use"]], on="parcel_id")
        share = split.pop("share")
        split["land_value"] = split["land_value"] * share
        split["building_value"] = split["building_value"] * share
        frames.append(split[cols])
    rows = pd.concat(frames, ignore_index=True)
    rows.insert(1, "tax_year", year)
    return rows


def _scenario_regimes(scenarios: Mapping[str, Any], base: Regime) -> dict[str, Regime]:
    """Return the current regime and one per scenario (a regime, or ``with_changes`` keywords)."""
    out: dict[str, Regime] = {_CURRENT: base}
    for name, spec in scenarios.items():
        if not isinstance(name, str) or not name or name == _CURRENT:
            msg = (
                f"what_if(scenarios): scenario name {name!r}; expected a non-empty text other "
                f"than {_CURRENT!r} (the year's own rules are always the first row)"
            )
            raise InputError(msg)
        if isinstance(spec, Regime):
            out[name] = spec
        elif isinstance(spec, Mapping):
            out[name] = base.with_changes(**spec)
        else:
            msg = (
                f"what_if(scenarios[{name!r}]): got {type(spec).__name__}; expected a regime or "
                "the keywords of with_changes, e.g. {'rate_factor': {'other': 1.2}}"
            )
            raise InputError(msg)
    return out


def _what_if_scenarios(
    year: int, scenarios: Mapping[str, Any], bind: Engine | Connection, lgu: str | None,
    regime_name: str,
) -> pd.DataFrame:
    from gisrev.tax import get_regime

    regimes = _scenario_regimes(scenarios, get_regime(regime_name))
    with _connect(bind) as conn:
        lgu = _resolve_lgu(conn, year, lgu)
        df = _evidence(conn, year, lgu)
        orphan_gap = float(conn.execute(sa.text(
            "SELECT coalesce(sum(gap), 0) FROM findings"
            " WHERE lgu_code = :lgu AND tax_year = :year AND parcel_id IS NULL"
        ), {"lgu": lgu, "year": year}).scalar_one())
    rows = _tax_rows(df, year)
    records = []
    for name, regime in regimes.items():
        taxes = regime.compute_many(rows) if len(rows) else pd.Series(dtype="float64")
        expected = (taxes.groupby(rows["parcel_id"]).sum().round(2)
                    .reindex(df["parcel_id"], fill_value=0.0).to_numpy())
        unregistered = ~df["registered"].to_numpy(dtype=bool)
        gap = np.where(unregistered, expected,
                       (expected - df["tax_paid"].to_numpy(dtype="float64")).clip(min=0.0))
        records.append({
            "scenario": name,
            "reduction_percent": regime.reduction_percent(year),
            "parcels": len(df),
            "expected_tax": round(float(expected.sum()), 2),
            "gap": round(float(gap.sum()) + orphan_gap, 2),
        })
    out = pd.DataFrame.from_records(records)
    out["expected_change"] = (out["expected_tax"] - out["expected_tax"].iloc[0]).round(2)
    out["gap_change"] = (out["gap"] - out["gap"].iloc[0]).round(2)
    out["scope"] = _SCOPE
    return out


def what_if(
    year: int,
    *,
    scenarios: Mapping[str, Regime | Mapping[str, Any]] | None = None,
    reduction_percent: Iterable[float] | None = None,
    engine: Engine | Connection | None = None,
    lgu: str | None = None,
    regime: str | None = None,
) -> pd.DataFrame:
    """Return the year's expected tax and gap under other tax rules.

    With ``scenarios``, every parcel of the year, registered or not, is taxed again by the tax
    engine from the tax input the analysis stored in ``parcel_evidence`` (land and building
    value, the use taxed with its residential sub-case, mixed-use shares, owner type). The
    first row, ``current``, is the year's own rules and equals the analysed expected tax of
    all parcels. A parcel's gap is its expected tax less what was paid (not below 0), the
    whole expected tax when it is not registered. Orphan register records keep their gap in
    every scenario.

    With ``reduction_percent`` only (the older form), each scenario rescales the flagged
    parcels' analysed expected tax (``findings``) from the year's own general reduction to
    another one; its ``scope`` column says so.

    Parameters
    ----------
    year
        Tax year, CE or BE.
    scenarios
        Scenario name -> a regime, or the keywords of the regime's ``with_changes``
        (``rates_percent``, ``rate_factor``, ``reduction_percent``; see
        :func:`gisrev.tax.scenario.with_changes`).
    reduction_percent
        The general reductions to try, in percent (default 0, 15, 50 and 90 when no
        ``scenarios`` are given).
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu
        Municipality code; default: the only municipality analysed for the year.
    regime
        Tax regime name (default from the settings, ``"thai"``).

    Returns
    -------
    pandas.DataFrame
        With ``scenarios``: one row per scenario, ``current`` first: ``scenario``,
        ``reduction_percent`` (the year's under that scenario), ``parcels`` (re-taxed),
        ``expected_tax``, ``gap``, ``expected_change`` and ``gap_change`` against
        ``current`` (baht), and ``scope`` (``"all parcels"``). With ``reduction_percent``:
        ``reduction_percent``, ``expected_tax``, ``gap``, ``gap_change``,
        ``actual_reduction_percent`` and ``scope`` (``"flagged parcels"``).

    Raises
    ------
    gisrev.InputError
        Both forms at once, a bad scenario or reduction, or a year analysed before the
        analysis kept every parcel's evidence.
    gisrev.TaxRuleError
        A scenario the tax law does not allow (e.g. a rate above the Act's ceiling).

    Examples
    --------
    >>> what_if(2566, scenarios={                                  # doctest: +SKIP
    ...     "commercial +20 %": {"rate_factor": {"other": 1.2}},
    ...     "no reduction": {"reduction_percent": 0},
    ... })
    >>> what_if(2566, reduction_percent=[0, 90])                    # doctest: +SKIP
    """
    year = ce_year(year)
    regime_name = regime or load_settings().regime
    if scenarios is not None:
        if reduction_percent is not None:
            msg = ("what_if: pass scenarios or reduction_percent, not both; a reduction is a "
                   "scenario too: {'decree 50 %': {'reduction_percent': 50}}")
            raise InputError(msg)
        return _what_if_scenarios(year, scenarios, _engine(engine), lgu, regime_name)
    pcts = [float(p) for p in (reduction_percent if reduction_percent is not None
                               else (0, 15, 50, 90))]
    bad = [p for p in pcts if not 0 <= p < 100]
    if bad:
        msg = f"what_if(reduction_percent={bad[0]!r}): expected a percentage from 0 up to 100"
        raise InputError(msg)
    actual = _year_reduction(year, regime_name)
    if actual >= 1:
        msg = f"what_if: tax year {be_year(year)} waived the whole tax; there is nothing to rescale"
        raise InputError(msg)
    with _connect(_engine(engine)) as conn:
        lgu = _resolve_lgu(conn, year, lgu)
        df = pd.read_sql(sa.text(
            "WITH s AS (SELECT pct, (1 - pct / 100.0) / (1 - :actual) AS k"
            "  FROM unnest(CAST(:pcts AS float8[])) AS pct),"
            " base AS (SELECT coalesce(sum(gap), 0) AS gap FROM findings"
            "  WHERE lgu_code = :lgu AND tax_year = :year) "
            "SELECT s.pct AS reduction_percent,"
            " coalesce(sum(f.expected_tax * s.k), 0) AS expected_tax,"
            " coalesce(sum(CASE"
            "   WHEN f.expected_tax IS NULL THEN coalesce(f.gap, 0)"
            "   WHEN f.tax_paid IS NULL THEN f.expected_tax * s.k"
            "   ELSE greatest(f.expected_tax * s.k - f.tax_paid, 0) END), 0) AS gap,"
            " min(base.gap) AS base_gap "
            "FROM s CROSS JOIN base LEFT JOIN findings f"
            " ON f.lgu_code = :lgu AND f.tax_year = :year "
            "GROUP BY s.pct ORDER BY s.pct"
        ), conn, params={"lgu": lgu, "year": year, "pcts": pcts, "actual": actual})
    df["gap_change"] = df["gap"] - df.pop("base_gap")
    df[["expected_tax", "gap", "gap_change"]] = df[["expected_tax", "gap", "gap_change"]].round(2)
    df["actual_reduction_percent"] = round(actual * 100, 2)
    df["scope"] = _REDUCTION_SCOPE
    return df


def revenue_recovered(
    year: int,
    *,
    engine: Engine | Connection | None = None,
    lgu: str | None = None,
) -> pd.DataFrame:
    """Return the parcels flagged in ``year`` whose register was put right by ``year + 1``.

    A thin wrapper of :func:`gisrev.outputs.recovery.revenue_recovered`; both years
    must have been analysed.

    Parameters
    ----------
    year
        The tax year the parcels were flagged in, CE or BE.
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu
        Municipality code; default: the only municipality analysed for the year.

    Returns
    -------
    pandas.DataFrame
        One row per recovered parcel (``how`` is ``registered`` or ``corrected``,
        ``recovered`` in baht); ``frame.attrs["total"]`` is the total.

    Examples
    --------
    >>> revenue_recovered(2566).attrs["total"]  # doctest: +SKIP
    """
    from gisrev.outputs.recovery import revenue_recovered as _recovered

    year = ce_year(year)
    bind = _engine(engine)
    with _connect(bind) as conn:
        lgu = _resolve_lgu(conn, year, lgu)
    # Only the municipality is read from the settings: gisrev.toml has no say here.
    return _recovered(bind, year=year, settings=Settings(lgu_code=lgu))
