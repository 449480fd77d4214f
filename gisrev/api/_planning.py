"""The planners' notebook functions: revenue over every parcel, what-if, the explore map."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from gisrev.analyze import whatif
from gisrev.api._session import lgu_code_of, reading
from gisrev.config import load_settings
from gisrev.errors import InputError
from gisrev.outputs import revenue
from gisrev.tax import Regime
from gisrev.years import tax_year

if TYPE_CHECKING:
    import folium


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
    asked = lgu_code_of(lgu_code, lgu)
    ce = tax_year(year)
    regime_name = regime or load_settings().regime
    with reading(engine, ce, asked) as (conn, code):
        return whatif.what_if(conn, ce, lgu_code=code, scenarios=scenarios or {},
                              regime_name=regime_name, by=by)


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
    with reading(engine, ce, lgu_code) as (conn, code):
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
    with reading(engine, ce, lgu_code) as (conn, code):
        return explore_map(conn, ce, lgu_code=code, color_by=color_by, show_owner=show_owner,
                           online_tiles=online_tiles, height=height)
