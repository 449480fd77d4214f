"""What the runs tables say: whether a tax year has been analysed for a municipality."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.errors import InputError
from gisrev.years import be


def require_analysed(conn: Connection, *, lgu_code: str, years: Sequence[int]) -> None:
    """Check that each of ``years`` (CE) has an analysis run for the municipality.

    Raises
    ------
    InputError
        Naming the first year without one and the command that analyses it.
    """
    analysed = set(conn.execute(sa.text(
        "SELECT DISTINCT tax_year FROM analysis_runs"
        " WHERE lgu_code = :lgu AND tax_year = ANY(:years)"
    ), {"lgu": lgu_code, "years": list(years)}).scalars())
    for year in years:
        if year not in analysed:
            msg = (
                f"tax year {be(year)} has not been analysed for municipality {lgu_code}; "
                f"run `gisrev analyze --year {be(year)}` first"
            )
            raise InputError(msg)
