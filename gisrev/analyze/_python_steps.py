"""The two analysis steps that run in Python: building values and the tax engine.

Each streams a temporary table out of PostGIS in batches (:mod:`gisrev.analyze._batches`),
applies the tax tables to whole columns and COPYs the results back for the SQL steps after it.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.analyze._batches import copy_in, stream


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


#: The tax engine's inputs and outputs: the expected and declared taxes (60_tax_input.sql),
#: and the candidate residential sub-cases an assessment may fit (55_subcase_input.sql).
_TAX_TABLES = {"_taxin": "_taxout", "_candin": "_candout"}


def compute_taxes(conn: Connection, year: int, regime_name: str, *, table: str = "_taxin") -> int:
    """Tax every row of ``table`` with the regime in batches and COPY the results out.

    ``table`` is ``_taxin`` (results to ``_taxout``) or ``_candin`` (to ``_candout``).
    Returns the number of rows taxed.
    """
    from gisrev.tax import get_regime

    if table not in _TAX_TABLES:
        msg = f"internal error: no tax step reads {table!r}"
        raise ValueError(msg)

    regime = get_regime(regime_name)
    cols = {
        "parcel_id": "int64",
        "kind": "str",
        "use": "str",
        "land_value": "float64",
        "building_value": "float64",
        "owner_type": "str",
    }
    query = f"SELECT parcel_id, kind, use, land_value, building_value, owner_type FROM {table}"
    n = 0
    for batch in stream(conn, query, cols):
        batch["tax_year"] = year
        batch["vacant_years"] = 0
        taxes = regime.compute_many(batch)
        copy_in(
            conn,
            _TAX_TABLES[table],
            pd.DataFrame(
                {"parcel_id": batch["parcel_id"], "kind": batch["kind"], "tax": taxes.astype(float)}
            ),
        )
        n += len(batch)
    return n
