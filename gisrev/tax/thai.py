"""The Thai Land and Building Tax (Act B.E. 2562), tax years 2020 to 2026.

Every rate, exemption, reduction and price is read from the data files in ``tables/``, each row
citing its source (tags of THAI_LBT.md), by :mod:`gisrev.tax.rules`; :class:`ThaiRegime` only
applies them, in the order the law gives: value -> minus exemption -> marginal bands -> minus the
year's reduction. It is the one class users get (``get_regime("thai")``) and hands the work to
one module per job: the step-by-step explainer (``compute``, ``compute_aggregated``), the
vectorised engine (``compute_many``), the what-ifs (:mod:`gisrev.tax.scenario`) and building
values (:mod:`gisrev.tax.buildings`, re-exported here).

Readings that no source confirmed (THAI_LBT.md "UNVERIFIED") are table entries holding the
verified reading where there is one:

- vacant escalation added to every band (``rules.toml``, ``vacant_escalation.applies_to``);
- individual (not "registered") farmers get the agriculture exemption (``exemptions.csv``);
- aggregation of a taxpayer's base per use within one local government
  (:meth:`ThaiRegime.compute_aggregated`; no source states the rule, THAI_LBT.md §7);
- building age for depreciation = tax year − year built (the caller's side; THAI_LBT.md §2.3);
- mixed use splits land and building by the same share (THAI_LBT.md §3).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

import pandas as pd

from gisrev.tax import scenario
from gisrev.tax._checks import check_use, check_vacant_years, check_year
from gisrev.tax._explain import explain, explain_aggregated
from gisrev.tax._vectorised import compute_many
from gisrev.tax.buildings import DEFAULT_PROVINCE, STRUCTURES, building_value, building_values
from gisrev.tax.regime import Property, TaxResult
from gisrev.tax.rules import TABLES_DIR, Tables, load_tables

__all__ = [
    "DEFAULT_PROVINCE",
    "STRUCTURES",
    "TABLES_DIR",
    "ThaiRegime",
    "building_value",
    "building_values",
]


class ThaiRegime:
    """Thai Land and Building Tax, table-driven.

    Parameters
    ----------
    tables_dir
        Folder with ``years.csv``, ``uses.csv``, ``bands.csv``, ``exemptions.csv`` and
        ``rules.toml`` (default: the tables shipped with gisrev).

    Examples
    --------
    >>> regime = ThaiRegime()
    >>> regime.compute(Property(2021, "residential-other", 8_000_000.0)).tax
    160.0
    """

    name = "thai"

    def __init__(self, *, tables_dir: str | os.PathLike[str] | None = None) -> None:
        directory = Path(tables_dir) if tables_dir is not None else TABLES_DIR
        self._set_tables(load_tables(directory.resolve()))

    @classmethod
    def from_tables(cls, tables: Tables, /) -> Self:
        """Build a regime on tables already checked, e.g. a what-if's (:mod:`gisrev.tax.scenario`).

        Examples
        --------
        >>> from gisrev.tax.rules import TABLES_DIR, load_tables
        >>> ThaiRegime.from_tables(load_tables(TABLES_DIR)).reduction_percent(2023)
        15.0
        """
        regime = cls.__new__(cls)
        regime._set_tables(tables)
        return regime

    def _set_tables(self, tables: Tables) -> None:
        self._tables = tables
        self.supported_years: tuple[int, ...] = tables.supported_years
        self.uses: tuple[str, ...] = tuple(tables.uses)

    @property
    def tables(self) -> Tables:
        """The tables this regime applies (read-only; :meth:`with_changes` makes a changed copy)."""
        return self._tables

    def reduction_percent(self, tax_year: int) -> float:
        """Return the general reduction (royal decree, Act s.55) of a tax year, in percent.

        Examples
        --------
        >>> ThaiRegime().reduction_percent(2023)
        15.0
        """
        return check_year(self._tables, tax_year).reduction_percent

    def with_changes(
        self,
        *,
        rates_percent: Mapping[str, Sequence[tuple[float | None, float]]] | None = None,
        rate_factor: Mapping[str, float] | float | None = None,
        reduction_percent: Mapping[int, float] | float | None = None,
        exemption_baht: Mapping[str, float | None] | None = None,
    ) -> ThaiRegime:
        """Return a what-if copy of this regime; see :func:`gisrev.tax.scenario.change_tables`.

        Examples
        --------
        >>> ThaiRegime().with_changes(reduction_percent=0).reduction_percent(2023)
        0.0
        """
        return scenario.with_changes(
            self,
            rates_percent=rates_percent,
            rate_factor=rate_factor,
            reduction_percent=reduction_percent,
            exemption_baht=exemption_baht,
        )

    def compute(self, prop: Property, /) -> TaxResult:
        """Tax one property and explain each step.

        Parameters
        ----------
        prop
            The property; ``use="mixed"`` with ``parts`` splits the base by share and taxes each
            part at its own use.

        Returns
        -------
        TaxResult
            ``tax`` in baht rounded to 0.01 and the breakdown.

        Raises
        ------
        TaxRuleError
            An unsupported year, use or owner type, or parts that do not sum to 1.
        InputError
            A negative or missing value.
        """
        return explain(self._tables, prop)

    def compute_many(self, frame: pd.DataFrame, /) -> pd.Series:
        """Tax every row of a frame, vectorised.

        Parameters
        ----------
        frame
            Columns ``tax_year`` (CE), ``use``, ``land_value`` and, optionally, ``building_value``
            (missing or empty: 0), ``owner_type`` (missing or empty: individual), ``vacant_years``
            (missing or empty: 0) and ``parts`` (a use -> share mapping, for ``use="mixed"`` rows).

        Returns
        -------
        pandas.Series
            Tax in baht rounded to 0.01, float, on the frame's index; equal to :meth:`compute`
            row by row.

        Raises
        ------
        TaxRuleError, InputError
            Naming the first offending row (by index label) and field.
        """
        return compute_many(self._tables, frame)

    def compute_aggregated(self, properties: Sequence[Property], /) -> list[TaxResult]:
        """Tax one taxpayer's properties within one local government together.

        The values of the taxpayer's properties of the same tax year and use (and, for vacant land,
        the same years vacant) are summed before exemptions and bands; the tax of each group is
        then shared among its properties in proportion to their value. Mixed-use properties join
        a group per part. UNVERIFIED: no retrieved source states this rule (THAI_LBT.md §7); it is
        the recommended reading until the Act's ss.37-43 and the DLA manual are checked.

        Parameters
        ----------
        properties
            Properties of one taxpayer (one owner type) in one local government.

        Returns
        -------
        list of TaxResult
            One per property, in the given order; each property's share rounded to 0.01 (so the
            shares of a group may differ from the group's rounded tax by a cent each).
        """
        return explain_aggregated(self._tables, properties)

    def ceiling_percent(self, use: str, *, vacant_years: int = 0) -> float:
        """Return the highest rate (% of the base) the Act allows for ``use`` (s.37, escalation).

        Examples
        --------
        >>> ThaiRegime().ceiling_percent("vacant", vacant_years=6)
        1.8
        """
        spec = check_use(self._tables, use)
        ceiling = self._tables.ceilings[spec.category]
        if spec.category == "vacant":
            ceiling = min(
                ceiling + self._tables.vacant_increment(check_vacant_years(vacant_years)),
                self._tables.vacant_max,
            )
        return round(ceiling, 9)  # 1.2 + 0.6 is 1.7999999999999998 in binary
