"""Land-price scenarios for what-if: a new appraisal round, by zone, by factor or from a table.

Every four years the Treasury Department publishes new appraised land prices; a municipality's
question is what they do to its revenue. A scenario says it one of three ways (combinable):

- ``land_price_factor``: every price times a number, or zone code -> factor;
- ``land_prices``: zone code -> new price per square wah;
- ``price_table``: a CSV (or DataFrame) with ``zone_code, price_per_sqwah`` and, optionally,
  ``parcel_code`` rows that set one parcel's own price.

A parcel priced by its zone takes the zone's new price; a parcel with a price of its own (the
map's ``price_per_sqwah``) keeps it, times the factor, unless the table names the parcel.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gisrev.errors import InputError, where

__all__ = ["PRICE_KEYS", "PriceChange", "new_prices", "price_change"]

#: Scenario keys that change land prices (the others change the tax tables).
PRICE_KEYS = ("land_price_factor", "land_prices", "price_table")


@dataclasses.dataclass(frozen=True)
class PriceChange:
    """What one scenario does to appraised land prices.

    Attributes
    ----------
    factor
        Multiplies every price not set below.
    zone_factor
        Zone code -> factor, instead of ``factor``, for the parcels of that zone.
    zone_price
        Zone code -> new price per square wah of the parcels priced by that zone.
    parcel_price
        Parcel code -> new price per square wah of that parcel.
    """

    factor: float = 1.0
    zone_factor: Mapping[str, float] = dataclasses.field(default_factory=dict)
    zone_price: Mapping[str, float] = dataclasses.field(default_factory=dict)
    parcel_price: Mapping[str, float] = dataclasses.field(default_factory=dict)

    @property
    def is_none(self) -> bool:
        """Tell whether prices stay as they are."""
        return (self.factor == 1.0 and not self.zone_factor and not self.zone_price
                and not self.parcel_price)


def _number(value: Any, *, context: str, what: str = "a price of 0 or more") -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number >= 0):
        msg = f"{context}: got {value!r}; expected {what}"
        raise InputError(msg)
    return number


def price_change(name: str, spec: Mapping[str, Any], *, zones: set[str],
                 parcels: set[str]) -> PriceChange:
    """Read a scenario's land-price keys into a :class:`PriceChange`.

    Parameters
    ----------
    name
        The scenario's name, for messages.
    spec
        The scenario's keys (only :data:`PRICE_KEYS` are read).
    zones, parcels
        The municipality's zone and parcel codes: a code not among them is refused.

    Raises
    ------
    InputError
        A factor or price that is not a number of 0 or more, a zone or parcel the town does
        not have, or a price table that cannot be read, naming the scenario, file, row and field.
    """
    context = f"what_if(scenarios[{name!r}])"
    factor, zone_factor = 1.0, {}
    raw_factor = spec.get("land_price_factor")
    if isinstance(raw_factor, Mapping):
        zone_factor = {str(z): _number(f, context=f"{context}: land_price_factor[{z!r}]",
                                       what="a factor of 0 or more")
                       for z, f in raw_factor.items()}
    elif raw_factor is not None:
        factor = _number(raw_factor, context=f"{context}: land_price_factor",
                         what="a factor of 0 or more")
    zone_price = {str(z): _number(p, context=f"{context}: land_prices[{z!r}]")
                  for z, p in (spec.get("land_prices") or {}).items()}
    parcel_price: dict[str, float] = {}
    if spec.get("price_table") is not None:
        table_zones, parcel_price = _read_table(spec["price_table"], context=context)
        zone_price = {**table_zones, **zone_price}
    for code in [*zone_factor, *zone_price]:
        if code not in zones:
            msg = (f"{context}: zone {code!r} is not one of the town's zones "
                   f"({', '.join(sorted(zones)) or 'none'})")
            raise InputError(msg)
    unknown = sorted(set(parcel_price) - parcels)
    if unknown:
        msg = f"{context}: price_table names parcel {unknown[0]!r}, which is not on the map"
        raise InputError(msg)
    return PriceChange(factor, zone_factor, zone_price, parcel_price)


def _read_table(source: str | os.PathLike[str] | pd.DataFrame, *, context: str
                ) -> tuple[dict[str, float], dict[str, float]]:
    """Read a price table: zone code -> price, parcel code -> price."""
    label = "price_table" if isinstance(source, pd.DataFrame) else str(source)
    if isinstance(source, pd.DataFrame):
        frame = source.astype(object).where(source.notna(), "")
    else:
        path = Path(source)
        if not path.exists():
            msg = f"{context}: price table {path} not found; expected a CSV file"
            raise InputError(msg)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = {"zone_code", "price_per_sqwah"} - set(frame.columns)
    if missing:
        msg = (f"{label}: no column {sorted(missing)[0]!r}; expected zone_code, price_per_sqwah "
               "and optionally parcel_code")
        raise InputError(msg)
    zones: dict[str, float] = {}
    parcels: dict[str, float] = {}
    has_parcel = "parcel_code" in frame.columns
    for n, row in enumerate(frame.itertuples(index=False), start=2):  # row 1 is the header
        record = row._asdict()
        zone = str(record["zone_code"]).strip()
        parcel = str(record.get("parcel_code", "")).strip() if has_parcel else ""
        price = _number(str(record["price_per_sqwah"]).strip(),
                        context=where(label, row=n, field="price_per_sqwah"))
        target, key = (parcels, parcel) if parcel else (zones, zone)
        if not key:
            msg = f"{where(label, row=n, field='zone_code')}: empty; expected a zone code"
            raise InputError(msg)
        if key in target:
            msg = f"{where(label, row=n)}: {key!r} is priced twice; expected one row each"
            raise InputError(msg)
        target[key] = price
    return zones, parcels


def new_prices(change: PriceChange, *, zone_code: pd.Series, parcel_code: pd.Series,
               own_price: pd.Series, zone_price: pd.Series) -> np.ndarray:
    """Return each parcel's price per square wah under a price change (NaN: no price known).

    Parameters
    ----------
    change
        The scenario's price change.
    zone_code, parcel_code
        Each parcel's zone (NA outside every zone) and code.
    own_price, zone_price
        Each parcel's own price and its zone's, NaN where there is none.

    Examples
    --------
    >>> change = PriceChange(factor=2.0, zone_price={"Z1": 15_000.0},
    ...                      parcel_price={"P-3": 9_000.0})
    >>> new_prices(change, zone_code=pd.Series(["Z1", "Z2", "Z1"]),
    ...            parcel_code=pd.Series(["P-1", "P-2", "P-3"]),
    ...            own_price=pd.Series([np.nan, 1_000.0, np.nan]),
    ...            zone_price=pd.Series([10_000.0, 5_000.0, 10_000.0])).tolist()
    [15000.0, 2000.0, 9000.0]
    """
    zones = zone_code.astype(object).where(zone_code.notna(), "")
    own = own_price.to_numpy(dtype="float64")
    of_zone = zone_price.to_numpy(dtype="float64")
    factor = zones.map(lambda z: change.zone_factor.get(z, change.factor)).to_numpy("float64")
    set_zone = zones.map(change.zone_price).to_numpy("float64")  # NaN where not set
    priced_by_zone = np.isnan(own)
    price = np.where(priced_by_zone,
                     np.where(np.isnan(set_zone), of_zone * factor, set_zone),
                     own * factor)
    set_parcel = parcel_code.map(change.parcel_price).to_numpy("float64")
    return np.where(np.isnan(set_parcel), price, set_parcel)
