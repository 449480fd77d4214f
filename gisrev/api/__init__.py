"""The small public Python API for notebooks and scripts, listed in ``gisrev.__all__``.

Each function resolves its arguments once (the engine, the tax year, the municipality)
and calls the library: :mod:`gisrev.outputs.summary` and :mod:`gisrev.outputs.recovery`
for what the analysis found; the planners' functions (what-if, revenue, the explore map)
are in ``_planning.py``, the shared first step (municipality, one connection) in
``_session.py``. Years are
CE tax years (``2023``); a year above 2400 is taken as Buddhist Era (``2566``) and
converted, so notebooks may use either. The municipality is ``lgu_code``; without one,
the only municipality analysed is used.

Examples
--------
>>> import gisrev
>>> engine = gisrev.connect()                      # doctest: +SKIP
>>> gdf = gisrev.findings(2566, engine=engine)     # doctest: +SKIP
>>> gisrev.summary(2566, engine=engine).totals["gap"]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
from sqlalchemy.engine import Connection, Engine

from gisrev.api._planning import explore, revenue_by, what_if
from gisrev.api._session import lgu_code_of, reading
from gisrev.config import load_settings
from gisrev.db import make_engine
from gisrev.outputs import recovery
from gisrev.outputs import summary as _summary
from gisrev.outputs.summary import Summary
from gisrev.years import tax_year

__all__ = [
    "Summary", "connect", "explore", "findings", "gap_by", "gap_by_year", "revenue_by",
    "revenue_recovered", "summary", "what_if", "zone_gaps",
]


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


def findings(
    year: int | str,
    *,
    engine: Engine | Connection | None = None,
    lgu_code: str | None = None,
    lgu: str | None = None,
) -> gpd.GeoDataFrame:
    """Return one tax year's findings with their parcels' geometry, for display.

    Parameters
    ----------
    year
        Tax year, CE (``2023``) or BE (``2566``).
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu_code
        Municipality code; default: the only municipality analysed for the year.
    lgu
        Deprecated name of ``lgu_code`` (a DeprecationWarning); removed in the next release.

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
        ``lgu_code`` is not given.

    Examples
    --------
    >>> gdf = findings(2566)                                         # doctest: +SKIP
    >>> gdf[gdf.flags.map(lambda f: "UNREGISTERED" in f)].gap.sum()  # doctest: +SKIP
    """
    asked = lgu_code_of(lgu_code, lgu)
    ce = tax_year(year)
    with reading(engine, ce, asked) as (conn, code):
        return _summary.findings(conn, ce, lgu_code=code)


def summary(
    year: int | str,
    *,
    engine: Engine | Connection | None = None,
    lgu_code: str | None = None,
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
    lgu_code
        Municipality code; default: the only municipality analysed for the year.
    lgu
        Deprecated name of ``lgu_code``.
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
    asked = lgu_code_of(lgu_code, lgu)
    ce = tax_year(year)
    with reading(engine, ce, asked) as (conn, code):
        return _summary.summary(conn, ce, lgu_code=code, top=top)


def gap_by(
    year: int | str,
    by: Literal["zone", "use", "flag"] = "zone",
    *,
    engine: Engine | Connection | None = None,
    lgu_code: str | None = None,
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
    lgu_code
        Municipality code; default: the only municipality analysed for the year.
    lgu
        Deprecated name of ``lgu_code``.

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
    asked = lgu_code_of(lgu_code, lgu)
    ce = tax_year(year)
    with reading(engine, ce, asked) as (conn, code):
        return _summary.gap_by(conn, ce, by, lgu_code=code)


def zone_gaps(
    year: int | str,
    *,
    engine: Engine | Connection | None = None,
    lgu_code: str | None = None,
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
    lgu_code
        Municipality code; default: the only municipality analysed for the year.
    lgu
        Deprecated name of ``lgu_code``.
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
    asked = lgu_code_of(lgu_code, lgu)
    ce = tax_year(year)
    with reading(engine, ce, asked) as (conn, code):
        return _summary.zone_gaps(conn, ce, lgu_code=code, crs=crs)


def gap_by_year(
    *,
    engine: Engine | Connection | None = None,
    lgu_code: str | None = None,
    lgu: str | None = None,
    years: Iterable[int | str] | None = None,
) -> pd.DataFrame:
    """Return findings and gap per tax year, with the register's totals beside them.

    Parameters
    ----------
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu_code
        Municipality code; default: the only municipality analysed.
    lgu
        Deprecated name of ``lgu_code``.
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
    asked = lgu_code_of(lgu_code, lgu)
    wanted = None if years is None else [tax_year(y) for y in years]
    with reading(engine, None, asked) as (conn, code):
        return _summary.gap_by_year(conn, lgu_code=code, years=wanted)


def revenue_recovered(
    year: int | str,
    *,
    engine: Engine | Connection | None = None,
    lgu_code: str | None = None,
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
    lgu_code
        Municipality code; default: the only municipality analysed for the year.
    lgu
        Deprecated name of ``lgu_code``.

    Returns
    -------
    pandas.DataFrame
        One row per recovered parcel (``how`` is ``registered`` or ``corrected``,
        ``recovered`` in baht); ``frame.attrs["total"]`` is the total.

    Examples
    --------
    >>> revenue_recovered(2566).attrs["total"]  # doctest: +SKIP
    """
    asked = lgu_code_of(lgu_code, lgu)
    ce = tax_year(year)
    with reading(engine, ce, asked) as (conn, code):
        return recovery.revenue_recovered(conn, ce, lgu_code=code)
