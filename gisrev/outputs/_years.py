"""The tax year a user asked for, as the outputs take it."""

from __future__ import annotations

from gisrev.errors import InputError
from gisrev.load.normalise import to_ce_year


def tax_year(year: int) -> int:
    """Return a tax year given in BE (2566) or CE (2023) as CE.

    Examples
    --------
    >>> tax_year(2566), tax_year(2023)
    (2023, 2023)

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
