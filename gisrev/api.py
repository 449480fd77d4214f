"""The small public Python API for notebooks and scripts, listed in ``gisrev.__all__``.

Each function resolves its arguments once (the engine, the tax year, the municipality)
and calls the library: :mod:`gisrev.outputs.summary` and :mod:`gisrev.outputs.recovery`
for what the analysis found, :mod:`gisrev.analyze.whatif` for other tax rules. Years are
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

import contextlib
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import pandas as pd
from sqlalchemy.engine import Connection, Engine

from gisrev.analyze import whatif
from gisrev.config import load_settings
from gisrev.db import make_engine
from gisrev.db.session import connection, resolve_lgu, shared_engine
from gisrev.errors import InputError
from gisrev.outputs import recovery, revenue
from gisrev.outputs import summary as _summary
from gisrev.outputs.summary import Summary
from gisrev.tax import Regime
from gisrev.years import tax_year

if TYPE_CHECKING:
    import folium


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


def _lgu_code(lgu_code: str | None, lgu: str | None) -> str | None:
    """Return the municipality asked for, warning once per call about the older ``lgu=``."""
    if lgu is None:
        return lgu_code
    # stacklevel 3: the warning names the notebook line that called the public function.
    warnings.warn(
        "lgu= is deprecated and will be removed in the next release; pass lgu_code= instead",
        DeprecationWarning, stacklevel=3,
    )
    if lgu_code is not None and lgu_code != lgu:
        msg = f"lgu_code={lgu_code!r} and lgu={lgu!r} disagree; pass lgu_code= only"
        raise InputError(msg)
    return lgu


@contextlib.contextmanager
def _reading(
    engine: Engine | Connection | None, year: int | None, lgu_code: str | None
) -> Iterator[tuple[Connection, str]]:
    """Yield one connection and the municipality it reads (given, or the only one analysed).

    Without an engine, the settings' database is used (one engine per URL, kept).
    """
    bind = engine if engine is not None else shared_engine(load_settings().database_url)
    with connection(bind) as conn:
        yield conn, resolve_lgu(conn, year, lgu_code)


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
    asked = _lgu_code(lgu_code, lgu)
    ce = tax_year(year)
    with _reading(engine, ce, asked) as (conn, code):
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
    asked = _lgu_code(lgu_code, lgu)
    ce = tax_year(year)
    with _reading(engine, ce, asked) as (conn, code):
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
    asked = _lgu_code(lgu_code, lgu)
    ce = tax_year(year)
    with _reading(engine, ce, asked) as (conn, code):
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
    asked = _lgu_code(lgu_code, lgu)
    ce = tax_year(year)
    with _reading(engine, ce, asked) as (conn, code):
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
    asked = _lgu_code(lgu_code, lgu)
    wanted = None if years is None else [tax_year(y) for y in years]
    with _reading(engine, None, asked) as (conn, code):
        return _summary.gap_by_year(conn, lgu_code=code, years=wanted)


def what_if(
    year: int | str,
    *,
    scenarios: Mapping[str, Regime | Mapping[str, Any]] | None = None,
    engine: Engine | Connection | None = None,
    lgu_code: str | None = None,
    lgu: str | None = None,
    regime: str | None = None,
    reduction_percent: Iterable[float] | None = None,
    by: Literal["zone", "use", "parcel"] | None = None,
) -> pd.DataFrame:
    """Return the year's expected tax, bills and gap under other tax rules or land prices.

    Every parcel of the year, registered or not, is taxed again by the tax engine from the
    tax input the analysis stored in ``parcel_evidence`` (land and building value, the use
    taxed with its residential sub-case, mixed-use shares, owner type). The first row,
    ``current``, is the year's own rules and equals the analysed expected tax of all
    parcels. A parcel's gap is its expected tax less what was paid (not below 0), the whole
    expected tax when it is not registered. Under a scenario the register's parcels are
    re-assessed from what they declare, so ``expected_change`` (what the map says the town
    would be owed) and ``gap_change`` (what it would still not collect after re-billing its
    register) differ. Orphan register records keep their gap in every scenario. See
    :func:`gisrev.analyze.whatif.what_if`.

    Parameters
    ----------
    year
        Tax year, CE or BE.
    scenarios
        Scenario name -> a regime, or keywords: the tax tables' (``rates_percent``,
        ``rate_factor``, ``reduction_percent``, ``exemption_baht``; see
        :func:`gisrev.tax.scenario.change_tables`) and the land prices'
        (``land_price_factor``: a number or zone -> factor; ``land_prices``: zone -> baht per
        square wah; ``price_table``: a CSV ``zone_code, price_per_sqwah[, parcel_code]``).
        Another general reduction is a scenario too:
        ``{"decree 50 %": {"reduction_percent": 50}}``. Default: the ``current`` row only.
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu_code
        Municipality code; default: the only municipality analysed for the year.
    lgu
        Deprecated name of ``lgu_code``.
    regime
        Tax regime name (default from the settings, ``"thai"``).
    reduction_percent
        Removed (it rescaled the flagged parcels only): passing it raises
        :class:`gisrev.InputError` naming the scenario to pass instead.
    by
        ``"zone"``, ``"use"`` or ``"parcel"``: one row per scenario and zone (use taxed,
        parcel with its zone and use).

    Returns
    -------
    pandas.DataFrame
        One row per scenario (and zone or use), ``current`` first: ``scenario``,
        ``reduction_percent`` (the year's under that scenario), ``parcels`` (re-taxed),
        ``expected_tax``, ``tax_assessed`` (what the register would bill), ``gap``,
        ``expected_change``, ``assessed_change`` and ``gap_change`` against ``current``
        (baht), and ``scope`` (``"all parcels"``).

    Raises
    ------
    gisrev.InputError
        A bad scenario, ``reduction_percent``, or a year analysed before the analysis kept
        every parcel's evidence.
    gisrev.TaxRuleError
        A scenario the tax law does not allow (e.g. a rate above the Act's ceiling).

    Examples
    --------
    >>> what_if(2566, scenarios={                                  # doctest: +SKIP
    ...     "commercial +20 %": {"rate_factor": {"other": 1.2}},
    ...     "no reduction": {"reduction_percent": 0},
    ...     "new appraisal": {"price_table": "prices_2570.csv"},
    ... }, by="zone")
    """
    if reduction_percent is not None:
        msg = ("what_if(reduction_percent=...) was removed; a reduction is a scenario: "
               "scenarios={'decree 50 %': {'reduction_percent': 50}} re-taxes every parcel")
        raise InputError(msg)
    asked = _lgu_code(lgu_code, lgu)
    ce = tax_year(year)
    regime_name = regime or load_settings().regime
    with _reading(engine, ce, asked) as (conn, code):
        return whatif.what_if(conn, ce, lgu_code=code, scenarios=scenarios or {},
                              regime_name=regime_name, by=by)


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
    asked = _lgu_code(lgu_code, lgu)
    ce = tax_year(year)
    with _reading(engine, ce, asked) as (conn, code):
        return recovery.revenue_recovered(conn, ce, lgu_code=code)


def revenue_by(
    year: int | str,
    by: Literal["zone", "use", "finding"] = "zone",
    *,
    engine: Engine | Connection | None = None,
    lgu_code: str | None = None,
) -> pd.DataFrame:
    """Return one tax year's revenue over every parcel, by zone, use or finding code.

    Where :func:`gap_by` adds up the findings, this adds up every parcel the analysis
    taxed: what the map's evidence says it owes, what the register billed and collected.
    See :func:`gisrev.outputs.revenue.revenue_by`.

    Parameters
    ----------
    year
        Tax year, CE or BE.
    by
        ``"zone"``, ``"use"`` (the use taxed) or ``"finding"`` (``"none"`` for parcels
        without a finding; a parcel with several codes counts under each).
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu_code
        Municipality code; default: the only municipality analysed for the year.

    Returns
    -------
    pandas.DataFrame
        ``parcels``, ``registered``, ``expected_tax``, ``tax_assessed``, ``tax_paid``,
        ``gap`` (expected less paid, not below 0; all of it when unregistered), ``flagged``
        and ``findings_gap`` per group, in baht.

    Examples
    --------
    >>> revenue_by(2566, by="zone")[["zone_code", "expected_tax", "gap"]]  # doctest: +SKIP
    """
    ce = tax_year(year)
    with _reading(engine, ce, lgu_code) as (conn, code):
        return revenue.revenue_by(conn, ce, by, lgu_code=code)


def explore(
    year: int | str,
    *,
    engine: Engine | Connection | None = None,
    lgu_code: str | None = None,
    color_by: Literal["gap", "expected"] = "gap",
    show_owner: bool = False,
    online_tiles: bool = False,
    height: str = "600px",
) -> folium.Map:
    """Return an interactive map of one tax year for the notebook: zones, findings, parcels.

    Appraisal zones coloured by gap or expected revenue, the flagged parcels coloured by
    finding with Thai/English tooltips and popups, the other parcels and buildings when
    zoomed in close, a layer control and a legend. It works offline: Leaflet is inlined
    (geopandas' ``.explore()`` loads it from the web), and every value is escaped. Above
    :data:`gisrev.outputs.explore.DETAIL_LIMIT` parcels it draws the zones and the parcels
    with the largest gap only. See :func:`gisrev.outputs.explore.explore_map`.

    Parameters
    ----------
    year
        Tax year, CE or BE.
    engine
        Engine or connection; default: :func:`connect` with the settings.
    lgu_code
        Municipality code; default: the only municipality analysed for the year.
    color_by
        ``"gap"`` or ``"expected"``: what the zones' colours show.
    show_owner
        Owner names in the popups (ID numbers never).
    online_tiles
        Offer OpenStreetMap as a background (off at first; needs a network).
    height
        Height in the notebook (CSS).

    Returns
    -------
    folium.Map
        Shown by Jupyter; ``.save("map.html")`` writes one self-contained file.

    Examples
    --------
    >>> explore(2566, color_by="expected")                   # doctest: +SKIP
    >>> explore(2566).save("town-2566.html")                 # doctest: +SKIP
    """
    from gisrev.outputs.explore import explore_map  # folium only when a map is asked for

    ce = tax_year(year)
    with _reading(engine, ce, lgu_code) as (conn, code):
        return explore_map(conn, ce, lgu_code=code, color_by=color_by, show_owner=show_owner,
                           online_tiles=online_tiles, height=height)
