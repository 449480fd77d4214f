"""What-if regimes: the Thai tax with other rates, exemptions or another general reduction.

A planner asks "what if the council raised the commercial rate by half", "what if a royal
decree took 50 % off again" or "what if the primary-residence exemption were 30 M baht".
:func:`change_tables` answers with modified copies of the tables
(:class:`~gisrev.tax.rules.Tables`), and :func:`with_changes` with a new regime built on them
(:class:`~gisrev.tax.thai.ThaiRegime`), so every tax of the scenario is computed by the same
engine (``compute``, ``compute_many``), step by step. The shipped tables are never touched, and
the Act's rate ceilings (s.37) still hold.

Examples
--------
>>> from gisrev.tax import Property, get_regime
>>> regime = get_regime("thai")
>>> shop = Property(2024, "other", 10_000_000.0)
>>> regime.compute(shop).tax
30000.0
>>> regime.with_changes(rate_factor={"other": 1.5}).compute(shop).tax
45000.0
>>> regime.with_changes(rates_percent={"other": [(5_000_000, 0.2), (None, 0.4)]}).compute(shop).tax
30000.0
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Protocol, Self, TypeVar

from gisrev.errors import TaxRuleError
from gisrev.tax.rules import Band, Exemption, Tables, Year

__all__ = ["change_tables", "with_changes"]

_LABEL_EN = "what-if scenario"
_LABEL_TH = "กรณีสมมติ"


class _TableRegime(Protocol):
    """A regime computed from :class:`~gisrev.tax.rules.Tables`, such as the Thai one."""

    @property
    def tables(self) -> Tables: ...

    @classmethod
    def from_tables(cls, tables: Tables, /) -> Self: ...


_R = TypeVar("_R", bound=_TableRegime)


def with_changes(
    regime: _R,
    /,
    *,
    rates_percent: Mapping[str, Sequence[tuple[float | None, float]]] | None = None,
    rate_factor: Mapping[str, float] | float | None = None,
    reduction_percent: Mapping[int, float] | float | None = None,
    exemption_baht: Mapping[str, float | None] | None = None,
) -> _R:
    """Return a copy of ``regime`` with other rates, exemptions or another general reduction.

    Parameters
    ----------
    regime
        The regime to start from (``get_regime("thai")``).
    rates_percent, rate_factor, reduction_percent, exemption_baht
        The changes; see :func:`change_tables`.

    Returns
    -------
    ThaiRegime
        A regime of the same class computing with the changed tables (its ``from_tables``);
        the original is unchanged.

    Raises
    ------
    TaxRuleError
        A change the tables or the Act do not allow (:func:`change_tables`).

    Examples
    --------
    >>> from gisrev.tax import get_regime
    >>> decree = with_changes(get_regime("thai"), reduction_percent={2024: 50})
    >>> decree.reduction_percent(2024), decree.reduction_percent(2025)
    (50.0, 0.0)
    """
    changed = change_tables(
        regime.tables,
        rates_percent=rates_percent,
        rate_factor=rate_factor,
        reduction_percent=reduction_percent,
        exemption_baht=exemption_baht,
    )
    return type(regime).from_tables(changed)


def change_tables(
    tables: Tables,
    /,
    *,
    rates_percent: Mapping[str, Sequence[tuple[float | None, float]]] | None = None,
    rate_factor: Mapping[str, float] | float | None = None,
    reduction_percent: Mapping[int, float] | float | None = None,
    exemption_baht: Mapping[str, float | None] | None = None,
) -> Tables:
    """Return a copy of ``tables`` with other rates, exemptions or another general reduction.

    Parameters
    ----------
    tables
        The tables to start from (``ThaiRegime().tables``).
    rates_percent
        New marginal bands per use: use -> ``[(upper_baht, rate_percent), ...]`` in ascending
        order, the last upper ``None`` (the open top band). Rates are in percent of the
        taxable value, as in ``tables/bands.csv`` (``0.3`` is 0.3 %, 3 baht per 1,000). A
        category name (``"residential"``) sets every use of that category. The bands replace
        those of every tax year.
    rate_factor
        Multiply the rates of some uses (use or category -> factor, e.g. ``{"other": 1.2}``)
        or of every use (a number). Applied after ``rates_percent``.
    reduction_percent
        The general reduction by royal decree (Act s.55), in percent: one number for every
        tax year, or CE tax year -> percent for some years.
    exemption_baht
        New exemption thresholds: use -> baht exempted (``None`` for the whole value), for
        every owner type and tax year the use has an exemption in, e.g.
        ``{"residential-primary": 30_000_000}``. Only uses that have an exemption can be given.

    Returns
    -------
    Tables
        The changed tables; the given ones are unchanged.

    Raises
    ------
    TaxRuleError
        An unknown use or tax year, bands out of order or without an open top, a negative
        rate or factor, a rate above the Act's ceiling (s.37), a reduction outside 0-100 %, or an
        exemption for a use without one or below 0 baht.

    Examples
    --------
    >>> from gisrev.tax.rules import TABLES_DIR, load_tables
    >>> decree = change_tables(load_tables(TABLES_DIR), reduction_percent={2024: 50})
    >>> decree.years[2024].reduction_percent, decree.years[2024].reduction_en
    (50.0, 'what-if scenario')
    """
    bands = dict(tables.bands)
    schedules = sorted({info.schedule for info in tables.years.values()})
    for key, spec in (rates_percent or {}).items():
        new = _bands(spec, context=f"with_changes(rates_percent[{key!r}])")
        for use in _uses(tables, key, context="rates_percent"):
            for schedule in schedules:
                bands[(schedule, use)] = new
    factors = (
        dict.fromkeys(tables.uses, float(rate_factor))
        if isinstance(rate_factor, int | float)
        else {
            use: float(factor)
            for key, factor in (rate_factor or {}).items()
            for use in _uses(tables, key, context="rate_factor")
        }
    )
    for use, factor in factors.items():
        if not (math.isfinite(factor) and factor >= 0):
            msg = (
                f"with_changes(rate_factor[{use!r}]): got {factor!r}; "
                "expected a factor of 0 or more"
            )
            raise TaxRuleError(msg)
        for schedule in schedules:
            bands[(schedule, use)] = tuple(
                dataclasses.replace(b, rate_percent=b.rate_percent * factor)
                for b in bands[(schedule, use)]
            )
    years = dict(tables.years)
    if reduction_percent is not None:
        wanted = (
            dict.fromkeys(years, reduction_percent)
            if isinstance(reduction_percent, int | float)
            else dict(reduction_percent)
        )
        for year, percent in wanted.items():
            years[year] = _reduction(years, year, percent)
    exemptions = _exemptions(tables, exemption_baht or {})
    changed = dataclasses.replace(tables, bands=bands, years=years, exemptions=exemptions)
    _check_ceilings(changed)
    return changed


def _exemptions(
    tables: Tables, wanted: Mapping[str, float | None]
) -> dict[tuple[str, str], tuple[Exemption, ...]]:
    """Return the exemptions with new thresholds for some uses (every owner type and year)."""
    out = dict(tables.exemptions)
    exempt_uses = sorted({use for use, _ in tables.exemptions})
    for use, baht in wanted.items():
        if use not in exempt_uses:
            msg = (
                f"with_changes(exemption_baht): use {use!r} has no exemption to change; "
                f"expected one of {', '.join(exempt_uses)}"
            )
            raise TaxRuleError(msg)
        value = math.inf if baht is None else float(baht)
        if not value >= 0:
            msg = (
                f"with_changes(exemption_baht[{use!r}]): got {baht!r}; expected baht of 0 or "
                "more, or None for the whole value"
            )
            raise TaxRuleError(msg)
        for key, rows in tables.exemptions.items():
            if key[0] == use:
                out[key] = tuple(dataclasses.replace(e, exempt_baht=value) for e in rows)
    return out


def _uses(tables: Tables, key: str, *, context: str) -> list[str]:
    """Return the uses a key names: the use itself, or every use of a category."""
    if key in tables.uses:
        return [key]
    uses = [use for use, spec in tables.uses.items() if spec.category == key]
    if not uses:
        categories = sorted({spec.category for spec in tables.uses.values()})
        msg = (
            f"with_changes({context}): unknown use {key!r}; expected one of "
            f"{', '.join(tables.uses)} or a category ({', '.join(categories)})"
        )
        raise TaxRuleError(msg)
    return uses


def _bands(spec: Sequence[tuple[float | None, float]], *, context: str) -> tuple[Band, ...]:
    """Marginal bands from ``[(upper_baht, rate_percent), ..., (None, rate_percent)]``."""
    out: list[Band] = []
    lower = 0.0
    for i, item in enumerate(spec, start=1):
        try:
            upper_in, rate_in = item
            upper = math.inf if upper_in is None else float(upper_in)
            rate = float(rate_in)
        except (TypeError, ValueError):
            msg = f"{context}: band {i} is {item!r}; expected (upper_baht or None, rate_percent)"
            raise TaxRuleError(msg) from None
        if not upper > lower:
            msg = f"{context}: band {i} ends at {upper:,.0f} baht; expected above {lower:,.0f}"
            raise TaxRuleError(msg)
        if not (math.isfinite(rate) and rate >= 0):
            msg = f"{context}: band {i} has rate {rate!r}; expected a percentage of 0 or more"
            raise TaxRuleError(msg)
        out.append(Band(lower, upper, rate))
        lower = upper
    if not out or out[-1].upper != math.inf:
        msg = f"{context}: expected bands ending with an open top, e.g. (None, 0.5)"
        raise TaxRuleError(msg)
    return tuple(out)


def _reduction(years: dict[int, Year], year: int, percent: float) -> Year:
    if year not in years:
        expected = ", ".join(str(y) for y in sorted(years))
        msg = (
            f"with_changes(reduction_percent): tax year {year} is not supported; "
            f"expected one of {expected} (CE)"
        )
        raise TaxRuleError(msg)
    percent = float(percent)
    if not 0.0 <= percent <= 100.0:
        msg = f"with_changes(reduction_percent[{year}]): got {percent!r}; expected 0 to 100 percent"
        raise TaxRuleError(msg)
    label = (_LABEL_EN, _LABEL_TH) if percent else ("", "")
    return dataclasses.replace(
        years[year], reduction_percent=percent, reduction_en=label[0], reduction_th=label[1]
    )


def _check_ceilings(tables: Tables) -> None:
    """Refuse a scenario the Act does not allow: a rate above its category's ceiling (s.37)."""
    for (schedule, use), bands in sorted(tables.bands.items()):
        category = tables.uses[use].category
        ceiling = tables.ceilings[category]
        worst = max(b.rate_percent for b in bands)
        if worst > ceiling + 1e-12:
            msg = (
                f"with_changes: a rate of {worst:g}% for {use!r} ({schedule}) is above the Act "
                f"s.37 ceiling of {ceiling:g}% for {category}; lower the rate or the factor"
            )
            raise TaxRuleError(msg)
