"""The tax regime interface: a property in, the tax and a step-by-step breakdown out.

A regime (a country's law, or a future Act) is one module that implements :class:`Regime`
plus its data tables; :func:`get_regime` finds it by the name in ``Settings.regime``.
Tax years are CE integers everywhere in the Python API (2566 BE = 2023 CE).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from gisrev.errors import TaxRuleError
from gisrev.years import be

__all__ = ["Property", "Regime", "Step", "TaxResult", "get_regime"]


# regime name -> "module:class"; a new regime is one module plus its tables.
_REGIMES = {"thai": "gisrev.tax.thai:ThaiRegime"}


@dataclasses.dataclass(frozen=True)
class Property:
    """One property (parcel with its buildings) as the tax law sees it.

    Parameters
    ----------
    tax_year
        CE tax year, e.g. 2024.
    use
        A use value of the regime (for the Thai regime: ``agriculture``, ``residential-primary``,
        ``residential-primary-building``, ``residential-other``, ``other``, ``vacant``), or
        ``"mixed"`` with ``parts``.
    land_value
        Appraised land value in baht.
    building_value
        Appraised (or estimated) building value in baht; 0 when there is no building.
    owner_type
        ``"individual"`` or ``"juristic"``.
    vacant_years
        Consecutive completed years the land was already vacant before this tax year.
    parts
        For ``use="mixed"`` only: use -> share of the base (shares sum to 1), e.g.
        ``{"other": 0.25, "residential-primary": 0.75}``.
    """

    tax_year: int
    use: str
    land_value: float
    building_value: float = 0.0
    owner_type: str = "individual"
    vacant_years: int = 0
    parts: Mapping[str, float] | None = None

    @property
    def base(self) -> float:
        """Land value plus building value, in baht."""
        return float(self.land_value) + float(self.building_value)


@dataclasses.dataclass(frozen=True)
class Step:
    """One line of the breakdown: what was done, in English and Thai, and the amount in baht.

    Amounts are rounded to 0.01 baht for display; the tax is computed from unrounded amounts,
    so the steps can differ from it by a cent.
    """

    label_en: str
    label_th: str
    amount: float


@dataclasses.dataclass(frozen=True)
class TaxResult:
    """The tax due on one property and how it was reached.

    Attributes
    ----------
    tax
        The tax in baht, rounded to 0.01.
    steps
        The step-by-step breakdown, in the order the law applies it.
    property
        The property that was taxed.
    """

    tax: float
    steps: list[Step]
    property: Property

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form: the property's fields, ``tax`` and ``steps``."""
        prop = dataclasses.asdict(self.property)
        if prop["parts"] is None:
            del prop["parts"]
        else:
            prop["parts"] = dict(prop["parts"])
        return {
            **prop,
            "tax_year_be": be(self.property.tax_year),
            "tax": self.tax,
            "steps": [dataclasses.asdict(step) for step in self.steps],
        }


@runtime_checkable
class Regime(Protocol):
    """What the rest of gisrev needs from a tax law."""

    name: str
    supported_years: tuple[int, ...]
    uses: tuple[str, ...]

    def compute(self, prop: Property, /) -> TaxResult:
        """Tax one property, with its breakdown."""
        ...

    def compute_many(self, frame: pd.DataFrame, /) -> pd.Series:
        """Tax every row of a frame; a float Series (baht, 0.01) on the same index."""
        ...

    def compute_aggregated(self, properties: Sequence[Property], /) -> list[TaxResult]:
        """Tax one taxpayer's properties within one local government together; one result each."""
        ...

    def reduction_percent(self, tax_year: int, /) -> float:
        """Return the general reduction of a tax year, in percent of the computed tax."""
        ...

    def with_changes(self, *args: Any, **changes: Any) -> Regime:
        """Return a what-if copy with other rates or reductions (keywords are the regime's)."""
        ...


@functools.cache
def get_regime(name: str = "thai") -> Regime:
    """Return the tax regime called ``name`` (``Settings.regime``), with its default tables.

    Examples
    --------
    >>> regime = get_regime("thai")
    >>> regime.supported_years[0], regime.supported_years[-1]
    (2020, 2026)
    """
    target = _REGIMES.get(name)
    if target is None:
        msg = f"unknown tax regime {name!r}; expected one of {', '.join(sorted(_REGIMES))}"
        raise TaxRuleError(msg)
    module, attr = target.split(":")
    regime: Regime = getattr(importlib.import_module(module), attr)()
    return regime


def round_baht(amount: float) -> float:
    """Round an amount to 0.01 baht, half away from zero (the same rule as the vectorised path)."""
    return math.copysign(math.floor(abs(amount) * 100.0 + 0.5), amount) / 100.0
