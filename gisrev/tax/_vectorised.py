"""The Thai tax of a whole frame at once: the path behind ``ThaiRegime.compute_many``.

Rows are grouped by (tax year, use, owner type) and each group is banded with numpy, so a
town's parcels take milliseconds; the result equals the step-by-step explainer
(:mod:`gisrev.tax._explain`) row by row, to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gisrev.errors import InputError, TaxRuleError
from gisrev.tax._checks import (
    MIXED,
    category_codes,
    check_parts,
    first_bad,
    row_label,
    years_text,
)
from gisrev.tax.rules import Tables
from gisrev.vocab import OWNER_TYPES

__all__ = ["compute_many"]


def compute_many(tables: Tables, frame: pd.DataFrame) -> pd.Series:
    """Tax every row of a frame, vectorised (``ThaiRegime.compute_many``).

    Parameters
    ----------
    tables
        The tables to apply.
    frame
        Columns ``tax_year`` (CE), ``use``, ``land_value`` and, optionally, ``building_value``,
        ``owner_type``, ``vacant_years`` and ``parts``.

    Returns
    -------
    pandas.Series
        Tax in baht rounded to 0.01, float, on the frame's index.
    """
    n = len(frame)
    if "tax_year" not in frame or "use" not in frame or "land_value" not in frame:
        missing = [c for c in ("tax_year", "use", "land_value") if c not in frame]
        msg = (
            f"compute_many: missing column(s) {', '.join(missing)}; "
            "expected tax_year, use, land_value"
        )
        raise InputError(msg)
    uses = tuple(tables.uses)
    years = _year_index(tables, frame)
    year_of_row = years
    owners = _owner_codes(frame)
    land = _money_column(frame, "land_value", required=True)
    building = _money_column(frame, "building_value", required=False)
    vacant = _vacant_column(frame)
    base = land + building

    all_uses = (*uses, MIXED)
    use_codes = category_codes(frame["use"], all_uses)
    first_bad(frame, use_codes < 0, "use", f"expected one of {', '.join(all_uses)}", TaxRuleError)

    row = np.arange(n)
    mixed = use_codes == len(uses)
    if mixed.any():
        row, years, owners, vacant, base, use_codes = _expand_mixed(
            frame, mixed, uses, years, owners, vacant, base, use_codes
        )

    # Juristic owners cannot hold sub-cases (a)/(b): taxed as the use the table names.
    juristic = OWNER_TYPES.index("juristic")
    for i, use in enumerate(uses):
        fallback = tables.uses[use].juristic_taxed_as
        if fallback is not None:
            use_codes[(use_codes == i) & (owners == juristic)] = uses.index(fallback)

    gross = _gross_many(tables, years, use_codes, owners, vacant, base)
    if len(row) == n:
        total = gross
    else:
        total = np.zeros(n)
        np.add.at(total, row, gross)  # in part order, as compute() sums them
    pay = np.array([tables.years[y].pay_fraction for y in tables.supported_years])
    tax = total * pay[year_of_row]
    tax = np.floor(tax * 100.0 + 0.5) / 100.0
    return pd.Series(tax, index=frame.index, name="tax", dtype="float64")


def _year_index(tables: Tables, frame: pd.DataFrame) -> np.ndarray:
    """Position of each row's tax year among the supported years."""
    supported = tables.supported_years
    values = pd.to_numeric(frame["tax_year"], errors="coerce").to_numpy(dtype="float64")
    known = np.array(supported, dtype="float64")
    ok = np.isin(values, known)
    first_bad(
        frame,
        ~ok,
        "tax_year",
        f"expected one of {years_text(supported)}",
        TaxRuleError,
    )
    return np.searchsorted(known, values)


def _owner_codes(frame: pd.DataFrame) -> np.ndarray:
    """Position of each row's owner type in ``OWNER_TYPES``."""
    if "owner_type" not in frame:
        return np.zeros(len(frame), dtype=np.int64)
    # Missing or empty means individual (the register convention).
    codes = category_codes(frame["owner_type"], (*OWNER_TYPES, ""), missing=0)
    codes[codes == len(OWNER_TYPES)] = 0
    first_bad(
        frame,
        codes < 0,
        "owner_type",
        f"expected one of {', '.join(OWNER_TYPES)}",
        TaxRuleError,
    )
    return codes


def _money_column(frame: pd.DataFrame, field: str, *, required: bool) -> np.ndarray:
    if field not in frame:
        return np.zeros(len(frame))
    values = pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if required:
        first_bad(frame, ~np.isfinite(values), field, "expected an amount in baht", InputError)
    else:
        values = np.where(np.isnan(values), 0.0, values)
    first_bad(
        frame,
        ~(values >= 0) | np.isinf(values),
        field,
        "expected an amount of 0 baht or more",
        InputError,
    )
    return values


def _vacant_column(frame: pd.DataFrame) -> np.ndarray:
    if "vacant_years" not in frame:
        return np.zeros(len(frame), dtype=np.int64)
    values = pd.to_numeric(frame["vacant_years"], errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    values = np.where(np.isnan(values), 0.0, values)
    first_bad(
        frame,
        ~((values >= 0) & (values == np.floor(values)) & np.isfinite(values)),
        "vacant_years",
        "expected a whole number of years, 0 or more",
        InputError,
    )
    return values.astype(np.int64)


def _expand_mixed(
    frame: pd.DataFrame,
    mixed: np.ndarray,
    uses: tuple[str, ...],
    years: np.ndarray,
    owners: np.ndarray,
    vacant: np.ndarray,
    base: np.ndarray,
    use_codes: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Replace each mixed row by one row per part (a loop over mixed rows only)."""
    if "parts" not in frame:
        label = row_label(frame, int(np.flatnonzero(mixed)[0]))
        msg = (
            f"compute_many: row {label!r}, field 'use': 'mixed' needs a 'parts' column "
            "(use -> share)"
        )
        raise InputError(msg)
    positions = np.flatnonzero(mixed)
    extra_row: list[int] = []
    extra_use: list[int] = []
    extra_share: list[float] = []
    parts_column = frame["parts"].to_numpy()
    for pos in positions.tolist():
        context = f"compute_many: row {row_label(frame, pos)!r}, field 'parts'"
        for use, share in check_parts(parts_column[pos], uses, context=context):
            extra_row.append(int(pos))
            extra_use.append(uses.index(use))
            extra_share.append(share)
    keep = np.flatnonzero(~mixed)
    rows = np.array(extra_row, dtype=np.int64)
    row = np.concatenate([keep, rows])
    return (
        row,
        np.concatenate([years[keep], years[rows]]),
        np.concatenate([owners[keep], owners[rows]]),
        np.concatenate([vacant[keep], vacant[rows]]),
        np.concatenate([base[keep], base[rows] * np.array(extra_share)]),
        np.concatenate([use_codes[keep], np.array(extra_use, dtype=np.int64)]),
    )


def _gross_many(
    tables: Tables,
    years: np.ndarray,
    use_codes: np.ndarray,
    owners: np.ndarray,
    vacant: np.ndarray,
    base: np.ndarray,
) -> np.ndarray:
    """Tax before reduction, grouped by (year, use, owner) and banded with numpy."""
    uses = tuple(tables.uses)
    supported = tables.supported_years
    n_uses = len(uses)
    key = (years * n_uses + use_codes) * len(OWNER_TYPES) + owners
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])[: len(key)]
    ends = np.r_[starts[1:], len(key)][: len(starts)]
    gross = np.zeros(len(key))
    for start, end in zip(starts, ends, strict=True):
        idx = order[start:end]
        k = int(sorted_key[start])
        owner = OWNER_TYPES[k % len(OWNER_TYPES)]
        use = uses[(k // len(OWNER_TYPES)) % n_uses]
        year = supported[k // len(OWNER_TYPES) // n_uses]
        gross[idx] = _bands_many(tables, year, use, owner, base[idx], vacant[idx])
    return gross


def _bands_many(
    tables: Tables, year: int, use: str, owner: str, base: np.ndarray, vacant: np.ndarray
) -> np.ndarray:
    """Tax before reduction of one (year, use, owner) group: exemption, then the bands."""
    exemption = tables.exemption(year, use, owner)
    taxable = base - np.minimum(base, exemption.exempt_baht) if exemption is not None else base
    bands = tables.bands_of(year, use)
    increment = (
        tables.vacant_step * (vacant // tables.vacant_every)
        if use == "vacant"
        else np.zeros(len(base))
    )
    escalated = increment > 0
    out = np.zeros(len(base))
    if tables.vacant_mode == "whole-base" and escalated.any():
        reached = np.array([b.rate_percent for b in bands])[
            np.clip(
                np.searchsorted([b.upper for b in bands], taxable, side="left"),
                0,
                len(bands) - 1,
            )
        ]
        whole = taxable * (np.minimum(reached + increment, tables.vacant_max) / 100.0)
        out[escalated] = whole[escalated]
        if escalated.all():
            return out
    for band in bands:
        piece = np.clip(taxable - band.lower, 0.0, band.upper - band.lower)
        rate = np.where(
            escalated,
            np.minimum(band.rate_percent + increment, tables.vacant_max),
            band.rate_percent,
        )
        banded = piece * (rate / 100.0)
        if tables.vacant_mode == "whole-base":
            banded[escalated] = 0.0
        out += banded
    return out
