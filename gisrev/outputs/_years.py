"""Tax years as the outputs take them: the year a user asked for, and whether it was analysed."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.errors import InputError
from gisrev.load.normalise import BE_OFFSET, to_ce_year


def tax_year(year: int | str) -> int:
    """Return a tax year given in BE (2566) or CE (2023) as CE; Thai digits are fine.

    Examples
    --------
    >>> tax_year(2566), tax_year(2023), tax_year("๒๕๖๖")
    (2023, 2023, 2023)

    Raises
    ------
    InputError
        When ``year`` is not a plausible tax year (``--year 66``).
    """
    try:
        return to_ce_year(year)
    except ValueError as exc:
        msg = f"tax year {year}: expected {exc}"
        raise InputError(msg) from exc


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
                f"tax year {year + BE_OFFSET} has not been analysed for municipality {lgu_code}; "
                f"run `gisrev analyze --year {year + BE_OFFSET}` first"
            )
            raise InputError(msg)
