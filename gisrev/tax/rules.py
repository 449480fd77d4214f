"""The Thai tax tables: rates, bands, exemptions, reductions and uses, read from ``tables/``.

Every number the Thai regime applies is a row of a data file in ``tables/`` that cites its source
(tags of THAI_LBT.md); this module reads those files into frozen :class:`Tables` and refuses
tables that break the Act, naming the file, row and field. The engines
(:class:`~gisrev.tax.thai.ThaiRegime`) only apply them, and a what-if
(:mod:`gisrev.tax.scenario`) is a changed copy.

Examples
--------
>>> tables = load_tables(TABLES_DIR)
>>> tables.years[2023].reduction_percent
15.0
>>> tables.bands[(tables.years[2024].schedule, "other")][0]
Band(lower=0.0, upper=50000000.0, rate_percent=0.3)
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import itertools
import math
import tomllib
from collections.abc import Iterator
from pathlib import Path

from gisrev.errors import TaxRuleError, where

__all__ = [
    "TABLES_DIR",
    "Band",
    "Exemption",
    "Tables",
    "UseRule",
    "Year",
    "check_tables",
    "load_tables",
    "table_number",
    "table_rows",
]

TABLES_DIR = Path(__file__).parent / "tables"


@dataclasses.dataclass(frozen=True)
class Band:
    """One marginal band of a schedule: the part of the taxable value in it pays its rate.

    Attributes
    ----------
    lower, upper
        The band's bounds in baht; ``upper`` is ``math.inf`` for the open top band.
    rate_percent
        Rate in percent of the value in the band (``0.3`` is 3 baht per 1,000).
    """

    lower: float
    upper: float
    rate_percent: float


@dataclasses.dataclass(frozen=True)
class Year:
    """One tax year (``years.csv``): its schedule of bands and its general reduction.

    Attributes
    ----------
    schedule
        Name of the schedule of bands the year uses (``bands.csv``).
    reduction_percent
        General reduction by royal decree (Act s.55), in percent of the computed tax.
    reduction_en, reduction_th
        The decree's name in English and Thai (empty when there is no reduction).
    """

    schedule: str
    reduction_percent: float
    reduction_en: str
    reduction_th: str

    @property
    def pay_fraction(self) -> float:
        """The share of the computed tax left to pay after the reduction."""
        return (100.0 - self.reduction_percent) / 100.0


@dataclasses.dataclass(frozen=True)
class Exemption:
    """One exemption of a use and owner type (``exemptions.csv``), for a range of tax years.

    Attributes
    ----------
    first_year, last_year
        CE tax years the exemption holds in, both included.
    exempt_baht
        Value exempted, in baht; ``math.inf`` for the whole value.
    label_en, label_th
        What the exemption is, in English and Thai.
    """

    first_year: int
    last_year: int
    exempt_baht: float
    label_en: str
    label_th: str


@dataclasses.dataclass(frozen=True)
class UseRule:
    """One use of the law (``uses.csv``).

    Attributes
    ----------
    category
        The Act's category (``agriculture``, ``residential``, ``other``, ``vacant``); its
        rate ceiling is in ``rules.toml``.
    juristic_taxed_as
        The use a juristic owner is taxed as instead (sub-cases a/b need an individual), or
        ``None``.
    label_en, label_th
        The use's name in English and Thai.
    """

    category: str
    juristic_taxed_as: str | None
    label_en: str
    label_th: str


@dataclasses.dataclass(frozen=True)
class Tables:
    """Everything the Thai regime applies, as read from one tables folder.

    Treat it as read-only: a what-if is a changed copy
    (:func:`gisrev.tax.scenario.change_tables`).

    Attributes
    ----------
    years
        CE tax year -> its schedule and reduction.
    uses
        Use -> its category, juristic fallback and labels, in the order of ``uses.csv``.
    bands
        (schedule, use) -> marginal bands from 0 to an open top.
    exemptions
        (use, owner type) -> exemptions, each for a range of years.
    ceilings
        Category -> highest rate the Act allows (s.37), in percent.
    vacant_step, vacant_every, vacant_max
        Vacant land's escalation: ``vacant_step`` percentage points more every
        ``vacant_every`` years vacant, up to ``vacant_max`` percent.
    vacant_mode
        ``"every-band"`` (the escalation is added to each band's rate) or ``"whole-base"``
        (the whole base pays the reached band's rate plus the escalation).
    """

    years: dict[int, Year]
    uses: dict[str, UseRule]
    bands: dict[tuple[str, str], tuple[Band, ...]]
    exemptions: dict[tuple[str, str], tuple[Exemption, ...]]
    ceilings: dict[str, float]
    vacant_step: float
    vacant_every: int
    vacant_max: float
    vacant_mode: str

    @property
    def supported_years(self) -> tuple[int, ...]:
        """The CE tax years the tables cover, in order."""
        return tuple(sorted(self.years))

    def bands_of(self, tax_year: int, use: str) -> tuple[Band, ...]:
        """Return the marginal bands of ``use`` in a (supported) tax year."""
        return self.bands[(self.years[tax_year].schedule, use)]

    def taxed_as(self, use: str, owner_type: str) -> str:
        """Return the use a property of ``use`` is taxed as for this owner type."""
        fallback = self.uses[use].juristic_taxed_as
        return fallback if owner_type == "juristic" and fallback is not None else use

    def exemption(self, tax_year: int, use: str, owner_type: str) -> Exemption | None:
        """Return the exemption of ``use`` and owner type in a tax year, if there is one."""
        for exemption in self.exemptions.get((use, owner_type), ()):
            if exemption.first_year <= tax_year <= exemption.last_year:
                return exemption
        return None

    def vacant_increment(self, vacant_years: int) -> float:
        """Return the percentage points vacant land's rate rises after ``vacant_years`` vacant."""
        return self.vacant_step * (vacant_years // self.vacant_every)


def table_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV table whose ``#`` lines are comments, with their line numbers.

    Parameters
    ----------
    path
        A UTF-8 CSV file with a header line.

    Yields
    ------
    tuple of int and dict
        The row's line number in the file (for messages) and its fields, stripped.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [(n, line) for n, line in enumerate(fh, start=1) if not line.startswith("#")]
    reader = csv.DictReader(line for _, line in lines)
    for (n, _), row in zip(lines[1:], reader, strict=False):
        yield n, {k: (v or "").strip() for k, v in row.items()}


def table_number(
    path: Path, n: int, row: dict[str, str], field: str, *, empty: float | None = None
) -> float:
    """Read one number of a table row; ``empty`` (if given) stands for an empty field.

    Raises
    ------
    TaxRuleError
        The field is not a number, naming the file, row and field.
    """
    text = row.get(field, "")
    if text == "" and empty is not None:
        return empty
    try:
        return float(text)
    except ValueError:
        msg = f"{where(path, row=n, field=field)}: expected a number, got {text!r}"
        raise TaxRuleError(msg) from None


@functools.cache
def load_tables(directory: Path) -> Tables:
    """Read and check the tables of a folder (read once per folder, then cached).

    Parameters
    ----------
    directory
        Folder with ``years.csv``, ``uses.csv``, ``bands.csv``, ``exemptions.csv`` and
        ``rules.toml``, such as :data:`TABLES_DIR`; pass it resolved, as the cache keys on it.

    Returns
    -------
    Tables
        The checked tables.

    Raises
    ------
    TaxRuleError
        A value that is not a number, an unknown use, an unknown vacant escalation mode, or
        tables that break the Act (:func:`check_tables`), naming the file.
    """
    years = {
        int(table_number(directory / "years.csv", n, r, "tax_year")): Year(
            r["schedule"],
            table_number(directory / "years.csv", n, r, "reduction_percent"),
            r["reduction_en"],
            r["reduction_th"],
        )
        for n, r in table_rows(directory / "years.csv")
    }
    uses = {
        r["use"]: UseRule(
            r["category"], r["juristic_taxed_as"] or None, r["label_en"], r["label_th"]
        )
        for _, r in table_rows(directory / "uses.csv")
    }
    bands: dict[tuple[str, str], list[Band]] = {}
    path = directory / "bands.csv"
    for n, r in table_rows(path):
        if r["use"] not in uses:
            msg = (
                f"{where(path, row=n, field='use')}: unknown use {r['use']!r}; "
                f"expected one of {', '.join(uses)}"
            )
            raise TaxRuleError(msg)
        band = Band(
            table_number(path, n, r, "lower_baht"),
            table_number(path, n, r, "upper_baht", empty=math.inf),
            table_number(path, n, r, "rate_percent"),
        )
        bands.setdefault((r["schedule"], r["use"]), []).append(band)
    exemptions: dict[tuple[str, str], list[Exemption]] = {}
    path = directory / "exemptions.csv"
    for n, r in table_rows(path):
        exemption = Exemption(
            int(table_number(path, n, r, "first_year")),
            int(table_number(path, n, r, "last_year")),
            table_number(path, n, r, "exempt_baht", empty=math.inf),
            r["label_en"],
            r["label_th"],
        )
        exemptions.setdefault((r["use"], r["owner_type"]), []).append(exemption)
    rules_path = directory / "rules.toml"
    rules = tomllib.loads(rules_path.read_text(encoding="utf-8"))
    ceilings = {k: float(v) for k, v in rules["ceilings"].items() if k != "source"}
    vacant = rules["vacant_escalation"]
    if vacant["applies_to"] not in ("every-band", "whole-base"):
        msg = (
            f"{where(rules_path, field='vacant_escalation.applies_to')}: expected 'every-band' or "
            f"'whole-base', got {vacant['applies_to']!r}"
        )
        raise TaxRuleError(msg)
    tables = Tables(
        years=years,
        uses=uses,
        bands={k: tuple(v) for k, v in bands.items()},
        exemptions={k: tuple(v) for k, v in exemptions.items()},
        ceilings=ceilings,
        vacant_step=float(vacant["step_percent_points"]),
        vacant_every=int(vacant["every_years"]),
        vacant_max=float(vacant["max_rate_percent"]),
        vacant_mode=str(vacant["applies_to"]),
    )
    check_tables(tables, directory)
    return tables


def check_tables(tables: Tables, directory: Path) -> None:
    """Refuse tables that break the Act: gaps between bands, or a rate above its ceiling (s.37).

    Parameters
    ----------
    tables
        The tables to check.
    directory
        The folder they were read from, for messages.

    Raises
    ------
    TaxRuleError
        A use without bands in a year's schedule, bands that do not run from 0 without gaps
        to an open top, or a rate above its category's ceiling.
    """
    path = directory / "bands.csv"
    for year, info in tables.years.items():
        for use, spec in tables.uses.items():
            bands = tables.bands.get((info.schedule, use))
            if not bands:
                msg = (
                    f"{path}: schedule {info.schedule!r} (tax year {year}) "
                    f"has no bands for use {use!r}"
                )
                raise TaxRuleError(msg)
            edges = [bands[0].lower] + [b.upper for b in bands]
            if (
                edges[0] != 0
                or edges[-1] != math.inf
                or any(a.upper != b.lower for a, b in itertools.pairwise(bands))
            ):
                msg = (
                    f"{path}: bands of {info.schedule!r}/{use!r} must run from 0 "
                    "without gaps to an open top"
                )
                raise TaxRuleError(msg)
            ceiling = tables.ceilings[spec.category]
            if any(b.rate_percent > ceiling for b in bands):
                msg = (
                    f"{path}: a rate of {info.schedule!r}/{use!r} is above the Act s.37 ceiling "
                    f"of {ceiling}% for {spec.category}"
                )
                raise TaxRuleError(msg)
