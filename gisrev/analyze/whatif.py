"""What-if: every parcel of a tax year taxed again under other rules.

The analysis stores each parcel's tax input in ``parcel_evidence`` (land and building
value, the use taxed with its residential sub-case, mixed-use shares, owner type). Here
that input is taxed again by the tax engine under each scenario, so the rules that made
the input (evidence use, residential sub-case, mixed-use shares) live in the analysis only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.analyze import _prices, _reassess
from gisrev.errors import InputError
from gisrev.tax import Regime, get_regime
from gisrev.years import be

__all__ = ["CURRENT", "GROUPINGS", "REGIME_KEYS", "parcel_evidence", "tax_rows", "what_if"]

#: The name of the first row: the year's own rules.
CURRENT = "current"
_SCOPE = "all parcels"
#: Scenario keys that change the tax tables (``with_changes``); the price keys are
#: :data:`gisrev.analyze._prices.PRICE_KEYS`.
REGIME_KEYS = ("rates_percent", "rate_factor", "reduction_percent", "exemption_baht")
#: What :func:`what_if` can split its rows by.
GROUPINGS = ("zone", "use", "parcel")
_GROUP_COLUMN = {"zone": "zone_code", "use": "use", "parcel": "parcel_code"}

# Per parcel of the year: what the tax engine was asked for its expected tax, and what was
# paid (unknown: the assessed tax, as the findings' gap takes it; neither known: no gap).
_EVIDENCE_SQL = sa.text(
    "SELECT parcel_id, parcel_code, zone_id, mapped_area_sqwah, use, parts, land_value,"
    " building_value, owner_type, vacant_years, registered, coalesce(tax_assessed, 0)"
    # An unknown paid tax is taken as the assessed one (no gap rests on it), as the findings do.
    " AS tax_assessed, coalesce(tax_paid, tax_assessed) AS tax_paid, expected_tax "
    "FROM parcel_evidence WHERE lgu_code = :lgu AND tax_year = :year ORDER BY parcel_id"
)

_STALE_SQL = sa.text(
    "SELECT NOT EXISTS (SELECT 1 FROM parcel_evidence WHERE lgu_code = :lgu"
    "  AND tax_year = :year)"
    " AND EXISTS (SELECT 1 FROM findings WHERE lgu_code = :lgu AND tax_year = :year"
    "  AND parcel_id IS NOT NULL)"
)

# Prices and zones, read apart and merged in pandas: just after an analysis the tables have
# no statistics, and a join the planner takes for tiny can loop for minutes.
_OWN_PRICE_SQL = sa.text(
    "SELECT id AS parcel_id, price_per_sqwah AS own_price FROM parcels WHERE lgu_code = :lgu"
)
_ZONES_SQL = sa.text(
    "SELECT id AS zone_id, zone_code, price_per_sqwah AS zone_price FROM zones"
    " WHERE lgu_code = :lgu"
)

_ORPHAN_GAP_SQL = sa.text(
    "SELECT coalesce(sum(gap), 0) FROM findings"
    " WHERE lgu_code = :lgu AND tax_year = :year AND parcel_id IS NULL"
)


def parcel_evidence(conn: Connection, year: int, *, lgu_code: str) -> pd.DataFrame:
    """Return every parcel's stored tax input for a tax year, one row per parcel.

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
    pandas.DataFrame
        ``parcel_id``, ``parcel_code``, ``zone_id``, ``mapped_area_sqwah``, ``use``
        (``mixed`` with ``parts``: use -> share), ``land_value``, ``building_value``,
        ``owner_type``, ``vacant_years``, ``registered``, ``tax_assessed`` and ``tax_paid``
        (0 when blank) and the analysed ``expected_tax``, by parcel id.

    Raises
    ------
    InputError
        When the year was analysed before the analysis kept every parcel's evidence.
    """
    stale = conn.execute(_STALE_SQL, {"lgu": lgu_code, "year": year}).scalar_one()
    if stale:
        msg = (
            f"tax year {be(year)} was analysed before gisrev kept every parcel's evidence "
            f"(parcel_evidence is empty); run `gisrev analyze --year {be(year)}` again"
        )
        raise InputError(msg)
    return pd.read_sql(_EVIDENCE_SQL, conn, params={"lgu": lgu_code, "year": year})


def tax_rows(evidence: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return the rows the tax engine is asked, one per parcel and use part.

    A mixed use becomes one row per part with its share of the land and building value, as
    the analysis taxed it (each part on its own, the parcel's tax their sum).

    Parameters
    ----------
    evidence
        A :func:`parcel_evidence` frame.
    year
        Tax year, CE.

    Returns
    -------
    pandas.DataFrame
        ``parcel_id``, ``tax_year``, ``use``, ``land_value``, ``building_value``,
        ``owner_type``, ``vacant_years``: the input of ``Regime.compute_many``.

    Examples
    --------
    >>> ev = pd.DataFrame({"parcel_id": [7], "use": ["mixed"],
    ...                    "parts": [{"other": 0.75, "residential-other": 0.25}],
    ...                    "land_value": [4e6], "building_value": [2e6],
    ...                    "owner_type": ["individual"], "vacant_years": [0]})
    >>> tax_rows(ev, 2023)[["use", "land_value", "building_value"]].to_numpy().tolist()
    [['other', 3000000.0, 1500000.0], ['residential-other', 1000000.0, 500000.0]]
    """
    cols = ["parcel_id", "use", "land_value", "building_value", "owner_type", "vacant_years"]
    mixed = (evidence["use"] == "mixed").to_numpy(dtype=bool)
    frames = [evidence.loc[~mixed, cols]]
    if mixed.any():
        m = evidence.loc[mixed]
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


def _scenarios(
    scenarios: Mapping[str, Any], base: Regime, *, zones: set[str], parcels: set[str]
) -> dict[str, tuple[Regime, _prices.PriceChange]]:
    """Return the current rules and each scenario as (regime, land-price change)."""
    out: dict[str, tuple[Regime, _prices.PriceChange]] = {CURRENT: (base, _prices.PriceChange())}
    for name, spec in scenarios.items():
        if not isinstance(name, str) or not name or name == CURRENT:
            msg = (
                f"what_if(scenarios): scenario name {name!r}; expected a non-empty text other "
                f"than {CURRENT!r} (the year's own rules are always the first row)"
            )
            raise InputError(msg)
        if isinstance(spec, Regime):
            out[name] = (spec, _prices.PriceChange())
            continue
        if not isinstance(spec, Mapping):
            msg = (
                f"what_if(scenarios[{name!r}]): got {type(spec).__name__}; expected a regime or "
                "the keywords of with_changes, e.g. {'rate_factor': {'other': 1.2}}"
            )
            raise InputError(msg)
        unknown = sorted(set(spec) - set(REGIME_KEYS) - set(_prices.PRICE_KEYS))
        if unknown:
            msg = (
                f"what_if(scenarios[{name!r}]): unknown key {unknown[0]!r}; expected "
                f"{', '.join((*REGIME_KEYS, *_prices.PRICE_KEYS))}"
            )
            raise InputError(msg)
        changes = {k: v for k, v in spec.items() if k in REGIME_KEYS}
        regime = base.with_changes(**changes) if changes else base
        out[name] = (regime, _prices.price_change(name, spec, zones=zones, parcels=parcels))
    return out


def _inputs(conn: Connection, year: int, *, lgu_code: str) -> tuple[pd.DataFrame, set[str]]:
    """Return every parcel's evidence with its zone, prices and declaration; the zone codes."""
    params = {"lgu": lgu_code, "year": year}
    evidence = parcel_evidence(conn, year, lgu_code=lgu_code)
    own = pd.read_sql(_OWN_PRICE_SQL, conn, params=params)
    zones = pd.read_sql(_ZONES_SQL, conn, params=params)
    declared = _reassess.read_declared(conn, year, lgu_code=lgu_code)
    # A town whose parcels all lie outside the zones reads zone_id as objects (all None).
    evidence["zone_id"] = evidence["zone_id"].astype("Int64")
    zones["zone_id"] = zones["zone_id"].astype("Int64")
    declared["parcel_id"] = declared["parcel_id"].astype("int64")  # empty: no parcel matched
    merged = (evidence.merge(own, on="parcel_id", how="left")
              .merge(zones, on="zone_id", how="left")
              .merge(declared, on="parcel_id", how="left"))
    merged["old_price"] = merged["own_price"].astype("float64").fillna(
        merged["zone_price"].astype("float64"))
    return merged, {str(z) for z in zones["zone_code"].dropna()}


def _taxes(regime: Regime, frame: pd.DataFrame, year: int) -> np.ndarray:
    """Tax each row of a tax-input frame (mixed uses split into parts); one value per row."""
    if not len(frame):
        return np.zeros(0)
    rows = tax_rows(frame, year)
    taxes = regime.compute_many(rows)
    return (taxes.groupby(rows["parcel_id"]).sum().round(2)
            .reindex(frame["parcel_id"], fill_value=0.0).to_numpy())


def _per_parcel(regime: Regime, change: _prices.PriceChange, year: int, town: pd.DataFrame,
                declared: pd.DataFrame, declared_now: np.ndarray) -> dict[str, np.ndarray]:
    """Return the expected tax, bill and gap of every parcel under one scenario."""
    factor = np.ones(len(town))
    ev = town
    if not change.is_none:
        price = _prices.new_prices(change, zone_code=town["zone_code"],
                                   parcel_code=town["parcel_code"],
                                   own_price=town["own_price"].astype("float64"),
                                   zone_price=town["zone_price"].astype("float64"))
        old = town["old_price"].to_numpy("float64")
        same = np.isnan(price) | (price == old)
        mapped = town["mapped_area_sqwah"].to_numpy("float64")
        land = np.where(same, town["land_value"].to_numpy("float64"), mapped * price)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(same | ~(old > 0), 1.0, price / old)
        ev = town.assign(land_value=land)
    expected = _taxes(regime, ev, year)
    registered = town["registered"].to_numpy(dtype=bool)
    assessed = town["tax_assessed"].to_numpy("float64")
    paid = town["tax_paid"].to_numpy("float64")
    if len(declared):
        scaled = declared.assign(land_value=declared["land_value"] * factor[registered])
        bill, pays = _reassess.billed(assessed[registered], paid[registered], declared_now,
                                      _taxes(regime, scaled, year))
        assessed, paid = assessed.copy(), paid.copy()
        assessed[registered], paid[registered] = bill, pays
    # Neither assessed nor paid known: no gap rests on it (unknown is never zero).
    gap = np.where(registered, np.where(np.isnan(paid), 0.0, np.maximum(expected - paid, 0.0)),
                   expected)
    return {"expected_tax": expected, "tax_assessed": np.where(registered, assessed, 0.0),
            "gap": gap}


_NO_ZONE = ""  # the key of the parcels in no zone while grouping (NA never matches itself)


def _group_key(town: pd.DataFrame, by: str | None) -> pd.Series:
    if by == "zone":
        return town["zone_code"].astype(object).where(town["zone_code"].notna(), _NO_ZONE)
    if by in ("use", "parcel"):
        return town[_GROUP_COLUMN[by]]
    return pd.Series("", index=town.index)


def what_if(
    conn: Connection,
    year: int,
    *,
    lgu_code: str,
    scenarios: Mapping[str, Regime | Mapping[str, Any]],
    regime_name: str = "thai",
    by: str | None = None,
) -> pd.DataFrame:
    """Return a tax year's expected tax, bills and gap under other rules or land prices.

    Every parcel of the year, registered or not, is taxed again by the tax engine from the
    tax input the analysis stored in ``parcel_evidence``. The first row, ``current``, is the
    year's own rules and equals the analysed expected tax of all parcels. Under a scenario the
    register's parcels are re-assessed from what they declare
    (:mod:`gisrev.analyze._reassess`): a parcel's gap is its expected tax less what it would
    pay of the new bill (not below 0), the whole expected tax when it is not registered.
    Orphan register records keep their gap in every scenario (town totals only).

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    year
        Tax year, CE.
    lgu_code
        The municipality.
    scenarios
        Scenario name -> a regime, or keywords: those of the regime's ``with_changes``
        (``rates_percent``, ``rate_factor``, ``reduction_percent``, ``exemption_baht``; see
        :func:`gisrev.tax.scenario.change_tables`) and the land prices'
        (``land_price_factor``, ``land_prices``, ``price_table``; see
        :mod:`gisrev.analyze._prices`), e.g. ``{"decree 50 %": {"reduction_percent": 50}}``
        or ``{"new appraisal": {"price_table": "prices_2570.csv"}}``.
    regime_name
        The tax regime of the year's own rules, which the scenarios change.
    by
        ``None`` (town totals), ``"zone"`` (appraisal zone code), ``"use"`` (the use taxed) or
        ``"parcel"`` (one row per scenario and parcel, with its zone and use: whose tax
        rises most).

    Returns
    -------
    pandas.DataFrame
        One row per scenario (and zone, use or parcel, after ``scenario``), ``current`` first:
        ``scenario``, ``reduction_percent`` (the year's under that scenario), ``parcels``,
        ``expected_tax``, ``tax_assessed`` (what the register would bill), ``gap``, and
        against ``current`` ``expected_change``, ``assessed_change`` and ``gap_change``
        (baht), and ``scope`` (``"all parcels"``).

    Raises
    ------
    gisrev.InputError
        A bad scenario, an unknown zone or parcel in a price change, a ``by`` other than
        zone, use or parcel, or a year analysed before the analysis kept every parcel's evidence.
    gisrev.TaxRuleError
        A scenario the tax law does not allow (e.g. a rate above the Act's ceiling).
    """
    if by is not None and by not in GROUPINGS:
        msg = f"what_if(by={by!r}): expected one of {', '.join(GROUPINGS)}, or None"
        raise InputError(msg)
    town, zone_codes = _inputs(conn, year, lgu_code=lgu_code)
    regimes = _scenarios(scenarios, get_regime(regime_name), zones=zone_codes,
                         parcels=set(town["parcel_code"]))
    base = regimes[CURRENT][0]
    declared = _reassess.declared_input(town)
    declared_now = _taxes(base, declared, year)
    orphan_gap = (float(conn.execute(_ORPHAN_GAP_SQL, {"lgu": lgu_code, "year": year})
                        .scalar_one()) if by is None else 0.0)
    key = _group_key(town, by)
    frames = []
    for name, (regime, change) in regimes.items():
        values = pd.DataFrame(_per_parcel(regime, change, year, town, declared, declared_now))
        values["key"] = key.to_numpy()
        sums = values.groupby("key", dropna=False).agg(
            parcels=("gap", "size"), expected_tax=("expected_tax", "sum"),
            tax_assessed=("tax_assessed", "sum"), gap=("gap", "sum")).reset_index()
        sums["gap"] += orphan_gap
        sums.insert(0, "scenario", name)
        sums.insert(1, "reduction_percent", regime.reduction_percent(year))
        frames.append(sums)
    out = _tidy(pd.concat(frames, ignore_index=True), by)
    if by == "parcel":
        where = town.set_index("parcel_code")
        out.insert(2, "zone_code", out["parcel_code"].map(where["zone_code"]))
        out.insert(3, "use", out["parcel_code"].map(where["use"]))
    return out


def _tidy(out: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Round, add the changes against ``current`` per group, name the group column."""
    for col in ("expected_tax", "tax_assessed", "gap"):
        out[col] = out[col].round(2)
    current = out[out["scenario"] == CURRENT].set_index("key")
    for col, change in (("expected_tax", "expected_change"), ("tax_assessed", "assessed_change"),
                        ("gap", "gap_change")):
        base = out["key"].map(current[col]).astype("float64")
        out[change] = (out[col] - base).round(2)
    out["scope"] = _SCOPE
    out["parcels"] = out["parcels"].astype("int64")
    if by == "zone":
        out["key"] = out["key"].where(out["key"] != _NO_ZONE, None)
    group = [] if by is None else [_GROUP_COLUMN[by]]
    out = out.drop(columns="key") if by is None else out.rename(columns={"key": group[0]})
    cols = ["scenario", *group, "reduction_percent",
            "parcels", "expected_tax", "tax_assessed", "gap", "expected_change",
            "assessed_change", "gap_change", "scope"]
    return out[cols]
