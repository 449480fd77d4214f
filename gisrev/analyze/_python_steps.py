"""The analysis steps that run in Python: building values, residential sub-cases and taxes.

Each streams a temporary table out of PostGIS in batches (:mod:`gisrev.analyze._batches`),
applies the tax tables to whole columns and COPYs the results back for the SQL steps after it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.analyze._batches import copy_in, stream
from gisrev.vocab import RESIDENTIAL_SUBCASES

if TYPE_CHECKING:
    from gisrev.tax import Regime


@dataclasses.dataclass(frozen=True)
class Unpriced:
    """Buildings whose type code has no price in the tax tables (valued at 0 baht)."""

    count: int = 0
    examples: tuple[str, ...] = ()  # a few, as ``building_code (id N): type 'T'``


def estimate_building_values(conn: Connection, year: int) -> Unpriced:
    """Estimate the buildings without an appraised value into ``_bval`` (building_id, value).

    Only buildings with a type code and a structure are estimated. A type code without a price
    in the tax tables leaves its building unvalued (0 baht) instead of stopping the run.
    Returns how many buildings could not be priced and the first few (building id order).
    """
    from gisrev.tax.buildings import building_values

    conn.execute(
        sa.text(
            "CREATE TEMP TABLE _bval (building_id bigint NOT NULL, value float8) ON COMMIT DROP"
        )
    )
    query = (
        "SELECT building_id, building_code, floor_area_m2, building_type, structure, "
        "GREATEST(%(year)s - year_built, 0) FROM _bld "
        "WHERE value IS NULL AND building_type IS NOT NULL AND structure IS NOT NULL"
    )
    cols = {
        "building_id": "int64",
        "building_code": "str",
        "floor_area_m2": "float64",
        "building_type": "str",
        "structure": "str",
        "age_years": "float64",
    }
    unpriced: list[pd.DataFrame] = []
    for batch in stream(conn, query, cols, params={"year": year}):
        batch["age_years"] = batch["age_years"].fillna(0).astype(int)
        values = building_values(
            batch[["floor_area_m2", "building_type", "structure", "age_years"]], errors="coerce"
        )
        priced = values.notna()
        copy_in(
            conn,
            "_bval",
            pd.DataFrame({"building_id": batch["building_id"][priced], "value": values[priced]}),
        )
        unpriced.append(batch.loc[~priced, ["building_id", "building_code", "building_type"]])
    conn.execute(sa.text("ANALYZE _bval"))
    return _unpriced(unpriced)


def _unpriced(batches: list[pd.DataFrame]) -> Unpriced:
    bad = pd.concat(batches) if batches else pd.DataFrame()
    if bad.empty:
        return Unpriced()
    first = bad.sort_values("building_id").head(3)
    examples = tuple(
        f"{code} (id {bid}): type {btype!r}"
        if isinstance(code, str)
        else f"id {bid}: type {btype!r}"
        for bid, code, btype in first.itertuples(index=False)
    )
    return Unpriced(count=len(bad), examples=examples)


def compute_taxes(conn: Connection, year: int, regime_name: str) -> int:
    """Tax every ``_taxin`` row with the regime in batches and COPY the results to ``_taxout``."""
    from gisrev.tax import get_regime

    regime = get_regime(regime_name)
    cols = {
        "parcel_id": "int64",
        "kind": "str",
        "use": "str",
        "land_value": "float64",
        "building_value": "float64",
        "owner_type": "str",
    }
    query = "SELECT parcel_id, kind, use, land_value, building_value, owner_type FROM _taxin"
    n = 0
    for batch in stream(conn, query, cols):
        batch["tax_year"] = year
        batch["vacant_years"] = 0
        taxes = regime.compute_many(batch)
        copy_in(
            conn,
            "_taxout",
            pd.DataFrame(
                {"parcel_id": batch["parcel_id"], "kind": batch["kind"], "tax": taxes.astype(float)}
            ),
        )
        n += len(batch)
    return n


#: The register's assessment fits a sub-case's tax within the larger of these (baht, share).
FIT_MIN_BAHT = 1.0
FIT_MIN_SHARE = 0.01


def assessed_subcase(frame: pd.DataFrame, regime: Regime) -> pd.Series:
    """Return the residential sub-case whose tax an assessment fits, per row (None: none fits).

    Each sub-case the owner allows (a juristic owner has no primary residence) is taxed with
    the regime; it fits when within max(1 baht, 1 %) of ``tax_assessed``. Ties: the lowest
    tax, then the order of :data:`gisrev.vocab.RESIDENTIAL_SUBCASES`.

    Parameters
    ----------
    frame
        ``tax_year``, ``category`` (``residential`` or ``mixed``), ``owner_type``,
        ``land_value``, ``building_value``, the shares of a mixed use (``res_share``,
        ``other_share``, ``agri_share``) and ``tax_assessed``.
    regime
        The tax regime.

    Examples
    --------
    >>> from gisrev.tax import get_regime
    >>> homes = pd.DataFrame({"tax_year": 2024, "category": "residential",
    ...     "owner_type": ["individual", "individual", "juristic"],
    ...     "land_value": 3e6, "building_value": 0.0, "res_share": 1.0, "other_share": 0.0,
    ...     "agri_share": 0.0, "tax_assessed": [0.0, 600.0, 0.0]})
    >>> assessed_subcase(homes, get_regime("thai")).tolist()
    ['residential-primary', 'residential-other', None]
    """
    mixed = (frame["category"] == "mixed").to_numpy()
    shares = frame[["res_share", "other_share", "agri_share"]].to_numpy()
    assessed = frame["tax_assessed"].to_numpy(dtype="float64")
    tolerance = np.maximum(FIT_MIN_BAHT, FIT_MIN_SHARE * assessed)
    juristic = (frame["owner_type"] == "juristic").to_numpy()
    best = np.full(len(frame), None, dtype=object)
    best_tax = np.full(len(frame), np.inf)
    for sub in RESIDENTIAL_SUBCASES:
        parts = [
            {use: float(share) for use, share in zip((sub, "other", "agriculture"), row,
                                                      strict=True) if share > 0}
            if is_mixed else None
            for is_mixed, row in zip(mixed, shares, strict=True)
        ]
        taxed = frame[["tax_year", "owner_type", "land_value", "building_value"]].assign(
            use=np.where(mixed, "mixed", sub), vacant_years=0, parts=parts
        )
        tax = regime.compute_many(taxed).to_numpy(dtype="float64")
        allowed = ~juristic | (sub == "residential-other")
        better = allowed & (np.abs(tax - assessed) <= tolerance) & (tax < best_tax)
        best[better] = sub
        best_tax[better] = tax[better]
    return pd.Series(best, index=frame.index, dtype=object)


def fit_subcases(conn: Connection, year: int, regime_name: str) -> int:
    """Read the sub-case each ``_candin`` parcel's assessment fits into ``_subcase``.

    Streams ``_candin`` (55_subcase_input.sql) in batches through :func:`assessed_subcase`
    and COPYs the parcels it fits into ``_subcase`` (parcel_id, residential_use). Returns the
    number of parcels asked.
    """
    from gisrev.tax import get_regime

    regime = get_regime(regime_name)
    conn.execute(sa.text(
        "CREATE TEMP TABLE _subcase (parcel_id bigint PRIMARY KEY, residential_use text NOT NULL)"
        " ON COMMIT DROP"
    ))
    cols = {"parcel_id": "int64", "category": "str", "owner_type": "str",
            "land_value": "float64", "building_value": "float64", "res_share": "float64",
            "other_share": "float64", "agri_share": "float64", "tax_assessed": "float64"}
    query = f"SELECT {', '.join(cols)} FROM _candin"
    n = 0
    for batch in stream(conn, query, cols):
        batch["tax_year"] = year
        picked = assessed_subcase(batch, regime)
        found = picked.notna()
        copy_in(conn, "_subcase", pd.DataFrame(
            {"parcel_id": batch["parcel_id"][found], "residential_use": picked[found]}
        ))
        n += len(batch)
    return n
