"""The first year's register in the shapes municipalities export it, with each shape's truth.

Registers differ: many leave out the exemption, the owner type or the building value, some
name the residential sub-case in the use column, some come as cp874 CSV, others as XLSX. Each
:class:`RegisterShape` writes the same accounts in one of these shapes into its own folder,
with a mapping file for the columns it has and ``expected_2566.csv``: the findings its truth
expects, worked out by :func:`gisrev.sample._truth.ground_truth` from the same rows with the
left-out columns unknown (never by running the analysis).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from gisrev.sample import _write
from gisrev.sample._build import YEARS_CE, Town, planted_counts
from gisrev.sample._truth import ground_truth, residential_use
from gisrev.years import be

#: The register inputs a shape may leave out: name -> (canonical columns, sheet columns).
OPTIONAL_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "exemption": (("exemption",), ("exemption",)),
    "owner_type": (("owner_type",), ("owner_type",)),
    "building_value": (("building_value",), ("building_value",)),
    "land_value": (("land_value",), ("land_value",)),
    "area": (("declared_area_sqwah",),
             ("declared_area_rai", "declared_area_ngan", "declared_area_wah")),
    "tax_assessed": (("tax_assessed",), ("tax_assessed",)),
    "tax_paid": (("tax_paid", "paid_date"), ("tax_paid", "paid_date")),
    "deed_no": (("deed_no",), ("deed_no",)),
}
_FILES = ("register_2566.csv", "register_2566.xlsx", "mapping.toml", "expected_2566.csv")


@dataclasses.dataclass(frozen=True)
class RegisterShape:
    """How one register export looks.

    Attributes
    ----------
    name
        The shape's folder name.
    leave_out
        Names of :data:`OPTIONAL_COLUMNS` the file does not have.
    subcase_words
        Whether residential accounts name their sub-case in the use column (written as the
        sub-case code, ``residential-primary`` …); mixed uses stay ``mixed``.
    fmt
        ``csv`` (cp874, thousands separators) or ``xlsx``.
    """

    name: str
    leave_out: frozenset[str] = frozenset()
    subcase_words: bool = False
    fmt: Literal["csv", "xlsx"] = "csv"


#: Every optional column left out in turn, with and without sub-case words, CSV and XLSX.
SHAPES: tuple[RegisterShape, ...] = (
    RegisterShape("full", fmt="xlsx"),
    RegisterShape("full-csv"),
    *(RegisterShape(f"no-{name}", frozenset({name})) for name in OPTIONAL_COLUMNS),
    RegisterShape("subcase", subcase_words=True, fmt="xlsx"),
    RegisterShape("subcase-no-exemption", frozenset({"exemption"}), subcase_words=True),
)


def shape_of(leave_out: Iterable[str], *, subcase_words: bool = False,
             fmt: Literal["csv", "xlsx"] = "csv") -> RegisterShape:
    """Return the shape that leaves out ``leave_out`` (any set of OPTIONAL_COLUMNS' names)."""
    left = frozenset(leave_out)
    unknown = left - set(OPTIONAL_COLUMNS)
    if unknown:
        msg = (f"unknown register columns {sorted(unknown)}; "
               f"expected some of {list(OPTIONAL_COLUMNS)}")
        raise ValueError(msg)
    name = "-".join(["no", *sorted(left)]) if left else "full"
    return RegisterShape(name + ("-subcase" if subcase_words else ""), left, subcase_words, fmt)


def _with_words(rows: pd.DataFrame) -> pd.DataFrame:
    """Residential accounts name their sub-case: the one their exemption claims."""
    out = rows.copy()
    residential = (out["declared_use"] == "residential").to_numpy()
    words = residential_use(out["exemption"]).to_numpy()
    out["declared_use"] = np.where(residential, words, out["declared_use"].to_numpy())
    return out


def shaped_rows(rows: pd.DataFrame, shape: RegisterShape) -> pd.DataFrame:
    """Return canonical register rows as the shape gives them: left-out columns unknown."""
    out = _with_words(rows) if shape.subcase_words else rows.copy()
    for name in shape.leave_out:
        for column in OPTIONAL_COLUMNS[name][0]:
            numeric = pd.api.types.is_numeric_dtype(out[column])
            out[column] = pd.Series(np.nan if numeric else None, index=out.index,
                                    dtype="float64" if numeric else object)
    return out


def write_shape(town: Town, out: Path, shape: RegisterShape) -> dict[str, int]:
    """Write one shape's register, mapping and expected findings into ``out / shape.name``.

    Returns the number of expected findings per code.
    """
    year = YEARS_CE[0]
    folder = out / shape.name
    folder.mkdir(parents=True, exist_ok=True)
    for stale in _FILES:
        (folder / stale).unlink(missing_ok=True)
    rows = town.registers[year]
    sheet_out = tuple(c for name in sorted(shape.leave_out) for c in OPTIONAL_COLUMNS[name][1])
    shown = _with_words(rows) if shape.subcase_words else rows
    _write.write_register(shown, folder / f"register_{be(year)}", shape.fmt, leave_out=sheet_out)
    (folder / "mapping.toml").write_text(
        _write.register_mapping_toml(leave_out=sheet_out), encoding="utf-8"
    )
    truth = ground_truth(town.parcels, town.buildings, shaped_rows(rows, shape), year)
    truth.round(2).to_csv(folder / f"expected_{be(year)}.csv", index=False, encoding="utf-8")
    return planted_counts(truth.fillna({"flags": ""}))


def write_shapes(town: Town, out: Path,
                 shapes: Iterable[RegisterShape] = SHAPES) -> dict[str, dict[str, int]]:
    """Write every shape under ``out``; return shape name -> expected findings per code."""
    return {shape.name: write_shape(town, out, shape) for shape in shapes}
