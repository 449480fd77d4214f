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

from gisrev.errors import InputError
from gisrev.tax import Regime, get_regime
from gisrev.years import be

__all__ = ["CURRENT", "parcel_evidence", "tax_rows", "what_if"]

#: The name of the first row: the year's own rules.
CURRENT = "current"
_SCOPE = "all parcels"

# Per parcel of the year: what the tax engine was asked for its expected tax, and what was
# paid (unknown: the assessed tax, as the findings' gap takes it; neither known: no gap).
_EVIDENCE_SQL = sa.text(
    "SELECT parcel_id, use, parts, land_value, building_value, owner_type, vacant_years,"
    " registered, coalesce(tax_paid, tax_assessed) AS tax_paid, expected_tax "
    "FROM parcel_evidence WHERE lgu_code = :lgu AND tax_year = :year ORDER BY parcel_id"
)

_STALE_SQL = sa.text(
    "SELECT NOT EXISTS (SELECT 1 FROM parcel_evidence WHERE lgu_code = :lgu"
    "  AND tax_year = :year)"
    " AND EXISTS (SELECT 1 FROM findings WHERE lgu_code = :lgu AND tax_year = :year"
    "  AND parcel_id IS NOT NULL)"
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
        ``parcel_id``, ``use`` (``mixed`` with ``parts``: use -> share), ``land_value``,
        ``building_value``, ``owner_type``, ``vacant_years``, ``registered``, ``tax_paid``
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


def _scenario_regimes(scenarios: Mapping[str, Any], base: Regime) -> dict[str, Regime]:
    """Return the current regime and one per scenario (a regime, or ``with_changes`` keywords)."""
    out: dict[str, Regime] = {CURRENT: base}
    for name, spec in scenarios.items():
        if not isinstance(name, str) or not name or name == CURRENT:
            msg = (
                f"what_if(scenarios): scenario name {name!r}; expected a non-empty text other "
                f"than {CURRENT!r} (the year's own rules are always the first row)"
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


def _scenario_row(name: str, regime: Regime, year: int, evidence: pd.DataFrame,
                  rows: pd.DataFrame, orphan_gap: float) -> dict[str, Any]:
    """Tax every parcel under one regime; return its row of the what-if table."""
    taxes = regime.compute_many(rows) if len(rows) else pd.Series(dtype="float64")
    expected = (taxes.groupby(rows["parcel_id"]).sum().round(2)
                .reindex(evidence["parcel_id"], fill_value=0.0).to_numpy())
    unregistered = ~evidence["registered"].to_numpy(dtype=bool)
    paid = evidence["tax_paid"].to_numpy(dtype="float64")
    gap = np.where(unregistered, expected,
                   np.where(np.isnan(paid), 0.0, (expected - paid).clip(min=0.0)))
    return {
        "scenario": name,
        "reduction_percent": regime.reduction_percent(year),
        "parcels": len(evidence),
        "expected_tax": round(float(expected.sum()), 2),
        "gap": round(float(gap.sum()) + orphan_gap, 2),
    }


def what_if(
    conn: Connection,
    year: int,
    *,
    lgu_code: str,
    scenarios: Mapping[str, Regime | Mapping[str, Any]],
    regime_name: str = "thai",
) -> pd.DataFrame:
    """Return a tax year's expected tax and gap under other tax rules.

    Every parcel of the year, registered or not, is taxed again by the tax engine from the
    tax input the analysis stored in ``parcel_evidence``. The first row, ``current``, is the
    year's own rules and equals the analysed expected tax of all parcels. A parcel's gap is
    its expected tax less what was paid (not below 0), the whole expected tax when it is not
    registered. Orphan register records keep their gap in every scenario.

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    year
        Tax year, CE.
    lgu_code
        The municipality.
    scenarios
        Scenario name -> a regime, or the keywords of the regime's ``with_changes``
        (``rates_percent``, ``rate_factor``, ``reduction_percent``; see
        :func:`gisrev.tax.scenario.with_changes`). A general reduction by royal decree is a
        scenario too: ``{"decree 50 %": {"reduction_percent": 50}}``.
    regime_name
        The tax regime of the year's own rules, which the scenarios change.

    Returns
    -------
    pandas.DataFrame
        One row per scenario, ``current`` first: ``scenario``, ``reduction_percent`` (the
        year's under that scenario), ``parcels`` (re-taxed), ``expected_tax``, ``gap``,
        ``expected_change`` and ``gap_change`` against ``current`` (baht), and ``scope``
        (``"all parcels"``).

    Raises
    ------
    gisrev.InputError
        A bad scenario, or a year analysed before the analysis kept every parcel's evidence.
    gisrev.TaxRuleError
        A scenario the tax law does not allow (e.g. a rate above the Act's ceiling).
    """
    regimes = _scenario_regimes(scenarios, get_regime(regime_name))
    evidence = parcel_evidence(conn, year, lgu_code=lgu_code)
    orphan_gap = float(conn.execute(
        _ORPHAN_GAP_SQL, {"lgu": lgu_code, "year": year}).scalar_one())
    rows = tax_rows(evidence, year)
    out = pd.DataFrame.from_records([
        _scenario_row(name, regime, year, evidence, rows, orphan_gap)
        for name, regime in regimes.items()
    ])
    out["expected_change"] = (out["expected_tax"] - out["expected_tax"].iloc[0]).round(2)
    out["gap_change"] = (out["gap"] - out["gap"].iloc[0]).round(2)
    out["scope"] = _SCOPE
    return out
