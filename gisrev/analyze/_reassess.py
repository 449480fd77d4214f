"""What the municipality would bill under a scenario: its register re-assessed.

Under other rules the map's evidence gives a new expected tax, and the municipality, applying
the same rules to its own register, sends new bills. A what-if that changed the expected tax
only would read a rate rise as a bigger gap on every parcel that pays in full. So each
registered parcel is also re-assessed: the tax of what its register declares (use, land and
building value) is computed under the current rules and under the scenario, and the
difference is added to what the register assessed. Taxpayers are taken to pay the same share
of a changed bill as of the current one.

The declared input is the first matched account's, as the analysis reads it. Where the
register leaves a value blank, the evidence's stands in (unknown is never zero): such a
parcel's bill then changes as its expected tax does, and its gap does not move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["billed", "declared_input", "read_declared"]

# The first matched register row of each parcel for the year (lowest id, file order), as the
# analysis takes it. register.id is its primary key: no plan loops over a whole table here.
_DECLARED_SQL = sa.text(
    "SELECT DISTINCT ON (m.parcel_id) m.parcel_id, r.declared_use, r.exemption,"
    " r.land_value AS declared_land, r.building_value AS declared_building,"
    " r.declared_area_sqwah "
    "FROM matches m JOIN register r ON r.id = m.register_id "
    "WHERE m.lgu_code = :lgu AND m.tax_year = :year ORDER BY m.parcel_id, r.id"
)
_CATEGORIES = ("agriculture", "residential", "other", "vacant", "mixed")
# The analysis' reading of a residential sub-case from the exemption a register claims.
_PRIMARY_BAHT, _PRIMARY_BUILDING_BAHT = 50_000_000, 10_000_000


def read_declared(conn: Connection, year: int, *, lgu_code: str) -> pd.DataFrame:
    """Return each matched parcel's first register row: declared use, values, area, exemption."""
    return pd.read_sql(_DECLARED_SQL, conn, params={"lgu": lgu_code, "year": year})


def _category(use: str) -> str:
    return "residential" if use.startswith("residential") else use


def _residential(exemption: float) -> str:
    if exemption >= _PRIMARY_BAHT:
        return "residential-primary"
    if exemption >= _PRIMARY_BUILDING_BAHT:
        return "residential-primary-building"
    return "residential-other"


def declared_input(parcels: pd.DataFrame) -> pd.DataFrame:
    """Return the tax input of what each registered parcel's register declares.

    Parameters
    ----------
    parcels
        The what-if inputs: evidence (``use``, ``parts``, ``land_value``, ``building_value``,
        ``owner_type``, ``vacant_years``, ``registered``), ``old_price`` and the declared
        columns of :func:`read_declared` (NA where unmatched).

    Returns
    -------
    pandas.DataFrame
        One row per registered parcel, the columns :func:`gisrev.analyze.whatif.tax_rows`
        reads. A declared category equal to the evidence's keeps the evidence's use (its
        residential sub-case came from the register); another one is taxed as declared (a
        residential sub-case from the exemption claimed; ``mixed`` half residential, half
        other); a blank one is the evidence's. Land: the declared value, else the declared
        area at the parcel's price, else the evidence's; building: declared, else evidence.

    Examples
    --------
    >>> ev = pd.DataFrame({"parcel_id": [1, 2], "use": ["other", "vacant"], "parts": [None, None],
    ...     "land_value": [4e6, 2e6], "building_value": [1e6, 0.0],
    ...     "owner_type": "individual", "vacant_years": 0, "registered": True,
    ...     "old_price": [10_000.0, 5_000.0], "declared_use": ["residential", None],
    ...     "exemption": [None, None], "declared_land": [None, None],
    ...     "declared_building": [800_000.0, None], "declared_area_sqwah": [300.0, None]})
    >>> declared_input(ev)[["use", "land_value", "building_value"]].to_numpy().tolist()
    [['residential-other', 3000000.0, 800000.0], ['vacant', 2000000.0, 0.0]]
    """
    reg = parcels[parcels["registered"].to_numpy(dtype=bool)]
    uses, parts = [], []
    for use, part, said, exemption in zip(reg["use"], reg["parts"], reg["declared_use"],
                                          reg["exemption"], strict=True):
        said = said if isinstance(said, str) and said in _CATEGORIES else None
        claimed = 0.0 if exemption is None or pd.isna(exemption) else float(exemption)
        if said is None or said == _category(use):
            uses.append(use)
            parts.append(part)
        elif said == "residential":
            uses.append(_residential(claimed))
            parts.append(None)
        elif said == "mixed":
            uses.append("mixed")
            parts.append({_residential(claimed): 0.5, "other": 0.5})
        else:
            uses.append(said)
            parts.append(None)
    area_value = (reg["declared_area_sqwah"].astype("float64")
                  * reg["old_price"].astype("float64"))
    land = (reg["declared_land"].astype("float64").fillna(area_value)
            .fillna(reg["land_value"].astype("float64")))
    building = (reg["declared_building"].astype("float64")
                .fillna(reg["building_value"].astype("float64")))
    return pd.DataFrame({
        "parcel_id": reg["parcel_id"].to_numpy(), "use": uses, "parts": parts,
        "land_value": land.to_numpy(), "building_value": building.to_numpy(),
        "owner_type": reg["owner_type"].to_numpy(), "vacant_years": reg["vacant_years"].to_numpy(),
    })


def billed(assessed: np.ndarray, paid: np.ndarray, declared_now: np.ndarray,
           declared_then: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the re-assessed bill and what would be paid of it, per registered parcel.

    The bill changes by what the scenario changes in the tax of the declared input (not below
    0); the payment by the same share of that change as the parcel pays of its bill now (all of
    it where nothing was assessed), so the current rules give back the register's own figures.

    Examples
    --------
    >>> b, p = billed(np.array([1000.0, 1000.0, 0.0]), np.array([1000.0, 500.0, 0.0]),
    ...               np.array([1000.0, 1000.0, 0.0]), np.array([1200.0, 1200.0, 300.0]))
    >>> b.tolist(), p.tolist()
    ([1200.0, 1200.0, 300.0], [1200.0, 600.0, 300.0])
    """
    bill = np.maximum(assessed + (declared_then - declared_now), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(assessed > 0, np.minimum(paid / assessed, 1.0), 1.0)
    return bill, paid + share * (bill - assessed)
