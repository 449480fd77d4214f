"""The Thai Land and Building Tax (Act B.E. 2562), tax years 2020 to 2026.

Every rate, exemption, reduction and price is read from the data files in ``tables/``, each row
citing its source (tags of THAI_LBT.md); this module only applies them, in the order the law
gives: value -> minus exemption -> marginal bands -> minus the year's reduction.

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

import dataclasses
import functools
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from gisrev.errors import InputError, TaxRuleError, where
from gisrev.tax import scenario
from gisrev.tax.regime import OWNER_TYPES, Property, Step, TaxResult, round_baht
from gisrev.tax.rules import (
    TABLES_DIR,
    Band,
    Exemption,
    Tables,
    UseRule,
    Year,
    load_tables,
    table_number,
    table_rows,
)

__all__ = [
    "DEFAULT_PROVINCE",
    "STRUCTURES",
    "TABLES_DIR",
    "ThaiRegime",
    "building_value",
    "building_values",
]

DEFAULT_PROVINCE = "50"  # Chiang Mai: the default column of building_prices.csv
STRUCTURES = ("masonry", "half", "wood")
MIXED = "mixed"
_SHARE_TOLERANCE = 1e-6


# ---------------------------------------------------------------------------------------------
# The regime


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
        self._t = tables
        self.supported_years: tuple[int, ...] = tuple(sorted(tables.years))
        self.uses: tuple[str, ...] = tuple(tables.uses)

    @property
    def tables(self) -> Tables:
        """The tables this regime applies (read-only; :meth:`with_changes` makes a changed copy)."""
        return self._t

    # -- public API -------------------------------------------------------------------------

    def reduction_percent(self, tax_year: int) -> float:
        """Return the general reduction (royal decree, Act s.55) of a tax year, in percent.

        Examples
        --------
        >>> ThaiRegime().reduction_percent(2023)
        15.0
        """
        return self._year(tax_year).reduction_percent

    def with_changes(
        self,
        *,
        rates_percent: Mapping[str, Sequence[tuple[float | None, float]]] | None = None,
        rate_factor: Mapping[str, float] | float | None = None,
        reduction_percent: Mapping[int, float] | float | None = None,
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
        year = self._year(prop.tax_year)
        self._check_owner(prop.owner_type)
        land = _amount(prop.land_value, "land_value")
        building = _amount(prop.building_value, "building_value")
        vacant_years = _vacant_years(prop.vacant_years)
        base = land + building
        steps = [
            Step("Land value", "มูลค่าที่ดิน", land),
            Step("Building value", "มูลค่าสิ่งปลูกสร้าง", building),
            Step("Tax base", "ฐานภาษี", base),
        ]
        gross = 0.0
        for use, share in self._parts(prop):
            part_base = base * share if prop.use == MIXED else base
            if prop.use == MIXED:
                spec = self._t.uses[use]
                steps.append(
                    Step(
                        f"Part used as {use}: {share:.2%} of the base",
                        f"ส่วนที่ใช้เป็น{spec.label_th} ร้อยละ {share * 100:g} ของฐานภาษี",
                        part_base,
                    )
                )
            part_tax, part_steps = self._part(
                prop.tax_year, use, prop.owner_type, vacant_years, part_base
            )
            steps += part_steps
            gross += part_tax
        tax = self._reduce(year, gross, steps)
        return TaxResult(tax=tax, steps=_for_display(steps), property=prop)

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
        n = len(frame)
        if "tax_year" not in frame or "use" not in frame or "land_value" not in frame:
            missing = [c for c in ("tax_year", "use", "land_value") if c not in frame]
            msg = (
                f"compute_many: missing column(s) {', '.join(missing)}; "
                "expected tax_year, use, land_value"
            )
            raise InputError(msg)
        years = self._year_index(frame)
        year_of_row = years
        owners = self._owner_codes(frame)
        land = _money_column(frame, "land_value", required=True)
        building = _money_column(frame, "building_value", required=False)
        vacant = _vacant_column(frame)
        base = land + building

        all_uses = (*self.uses, MIXED)
        use_codes = _codes(frame["use"], all_uses)
        _first_bad(
            frame, use_codes < 0, "use", f"expected one of {', '.join(all_uses)}", TaxRuleError
        )

        row = np.arange(n)
        mixed = use_codes == len(self.uses)
        if mixed.any():
            row, years, owners, vacant, base, use_codes = self._expand_mixed(
                frame, mixed, years, owners, vacant, base, use_codes
            )

        # Juristic owners cannot hold sub-cases (a)/(b): taxed as the use the table names.
        juristic = OWNER_TYPES.index("juristic")
        for i, use in enumerate(self.uses):
            fallback = self._t.uses[use].juristic_taxed_as
            if fallback is not None:
                use_codes[(use_codes == i) & (owners == juristic)] = self.uses.index(fallback)

        gross = self._gross_many(years, use_codes, owners, vacant, base)
        if len(row) == n:
            total = gross
        else:
            total = np.zeros(n)
            np.add.at(total, row, gross)  # in part order, as compute() sums them
        pay = np.array([self._pay(self._t.years[y]) for y in self.supported_years])
        tax = total * pay[year_of_row]
        tax = np.floor(tax * 100.0 + 0.5) / 100.0
        return pd.Series(tax, index=frame.index, name="tax", dtype="float64")

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
        owner_types = {p.owner_type for p in properties}
        if len(owner_types) > 1:
            msg = (
                "compute_aggregated: properties must belong to one taxpayer; got owner types "
                f"{', '.join(sorted(owner_types))}"
            )
            raise TaxRuleError(msg)
        pieces: list[tuple[int, tuple[int, str, int], float]] = []  # (property, group key, value)
        for i, prop in enumerate(properties):
            self._year(prop.tax_year)
            self._check_owner(prop.owner_type)
            vacant_years = _vacant_years(prop.vacant_years)
            base = _amount(prop.land_value, "land_value") + _amount(
                prop.building_value, "building_value"
            )
            for use, share in self._parts(prop):
                effective = self._effective_use(use, prop.owner_type)
                key = (prop.tax_year, effective, vacant_years if effective == "vacant" else 0)
                pieces.append((i, key, base * share if prop.use == MIXED else base))

        groups: dict[tuple[int, str, int], float] = {}
        for _, key, value in pieces:
            groups[key] = groups.get(key, 0.0) + value
        owner = next(iter(owner_types), "individual")
        group_tax: dict[tuple[int, str, int], tuple[float, list[Step]]] = {}
        for key, total in groups.items():
            year, use, vacant_years = key
            gross, steps = self._part(year, use, owner, vacant_years, total)
            steps.insert(
                0,
                Step(
                    f"Combined base of the taxpayer's {use} property in this local government",
                    f"ฐานภาษีรวมของผู้เสียภาษีประเภท{self._t.uses[use].label_th}ในท้องถิ่นนี้",
                    total,
                ),
            )
            net = self._reduce(self._t.years[year], gross, steps, rounded=False)
            group_tax[key] = (net, steps)

        results: list[TaxResult] = []
        for i, prop in enumerate(properties):
            steps = [
                Step(
                    "Aggregated per taxpayer, use and local government (UNVERIFIED, THAI_LBT §7)",
                    "รวมฐานภาษีต่อผู้เสียภาษี ประเภท และท้องถิ่น (ยังไม่ยืนยัน)",
                    prop.base,
                )
            ]
            share_total = 0.0
            for j, key, value in pieces:
                if j != i:
                    continue
                net, group_steps = group_tax[key]
                fraction = value / groups[key] if groups[key] > 0 else 0.0
                share = net * fraction
                steps += group_steps
                steps.append(
                    Step(
                        f"This property's share: {fraction:.4%} of the group's tax",
                        f"ส่วนของทรัพย์สินนี้ ร้อยละ {fraction * 100:.4f} ของภาษีกลุ่ม",
                        share,
                    )
                )
                share_total += share
            tax = round_baht(share_total)
            steps.append(Step("Tax", "ภาษีที่ต้องชำระ", tax))
            results.append(TaxResult(tax=tax, steps=_for_display(steps), property=prop))
        return results

    def ceiling_percent(self, use: str, *, vacant_years: int = 0) -> float:
        """Return the highest rate (% of the base) the Act allows for ``use`` (s.37, escalation).

        Examples
        --------
        >>> ThaiRegime().ceiling_percent("vacant", vacant_years=6)
        1.8
        """
        spec = self._use(use)
        ceiling = self._t.ceilings[spec.category]
        if spec.category == "vacant":
            ceiling = min(
                ceiling + self._increment(_vacant_years(vacant_years)), self._t.vacant_max
            )
        return round(ceiling, 9)  # 1.2 + 0.6 is 1.7999999999999998 in binary

    # -- scalar helpers ---------------------------------------------------------------------

    def _year(self, tax_year: int) -> Year:
        try:
            info = self._t.years.get(int(tax_year)) if float(tax_year).is_integer() else None
        except (TypeError, ValueError):
            info = None
        if info is None:
            expected = _years_text(self.supported_years)
            msg = f"tax year {tax_year} is not supported; expected one of {expected}"
            raise TaxRuleError(msg)
        return info

    def _use(self, use: str) -> UseRule:
        spec = self._t.uses.get(use)
        if spec is None:
            msg = f"unknown use {use!r}; expected one of {', '.join((*self.uses, MIXED))}"
            raise TaxRuleError(msg)
        return spec

    @staticmethod
    def _check_owner(owner_type: str) -> None:
        if owner_type not in OWNER_TYPES:
            msg = f"unknown owner type {owner_type!r}; expected one of {', '.join(OWNER_TYPES)}"
            raise TaxRuleError(msg)

    def _parts(self, prop: Property) -> list[tuple[str, float]]:
        if prop.use != MIXED:
            self._use(prop.use)
            if prop.parts:
                msg = f"parts are for use 'mixed' only; got use {prop.use!r} with parts"
                raise TaxRuleError(msg)
            return [(prop.use, 1.0)]
        return _check_parts(prop.parts, self.uses, context="mixed use")

    def _effective_use(self, use: str, owner_type: str) -> str:
        fallback = self._t.uses[use].juristic_taxed_as
        return fallback if owner_type == "juristic" and fallback is not None else use

    def _increment(self, vacant_years: int) -> float:
        return self._t.vacant_step * (vacant_years // self._t.vacant_every)

    def _exemption(self, year: int, use: str, owner_type: str) -> Exemption | None:
        for exemption in self._t.exemptions.get((use, owner_type), ()):
            if exemption.first_year <= year <= exemption.last_year:
                return exemption
        return None

    def _part(
        self, year: int, use: str, owner_type: str, vacant_years: int, base: float
    ) -> tuple[float, list[Step]]:
        """Tax before reduction of one use's base, and its steps."""
        steps: list[Step] = []
        effective = self._effective_use(use, owner_type)
        if effective != use:
            steps.append(
                Step(
                    f"Juristic owner: taxed as {effective} (sub-cases a/b need an individual)",
                    f"นิติบุคคล: คิดภาษีแบบ{self._t.uses[effective].label_th}",
                    base,
                )
            )
        exemption = self._exemption(year, effective, owner_type)
        exempt = min(base, exemption.exempt_baht) if exemption is not None else 0.0
        if exemption is not None:
            steps.append(
                Step(f"Exemption: {exemption.label_en}", f"ยกเว้น: {exemption.label_th}", -exempt)
            )
        taxable = base - exempt
        steps.append(Step("Taxable value", "มูลค่าที่ต้องเสียภาษี", taxable))

        bands = self._t.bands[(self._t.years[year].schedule, effective)]
        increment = self._increment(vacant_years) if effective == "vacant" else 0.0
        gross = 0.0
        if increment and self._t.vacant_mode == "whole-base":
            band = _reached_band(bands, taxable)
            rate = min(band.rate_percent + increment, self._t.vacant_max)
            gross = taxable * (rate / 100.0)
            steps.append(
                Step(
                    f"{_baht(taxable)} at {rate:g}% ({band.rate_percent:g}% + {increment:g} pp "
                    f"vacant {vacant_years} years, whole base)",
                    f"{_baht(taxable)} บาท อัตรา {rate:g}% (ทิ้งว่างเปล่า {vacant_years} ปี)",
                    gross,
                )
            )
            return gross, steps
        for band in bands:
            piece = min(max(taxable - band.lower, 0.0), band.upper - band.lower)
            if piece <= 0:
                continue
            rate = (
                min(band.rate_percent + increment, self._t.vacant_max)
                if increment
                else band.rate_percent
            )
            amount = piece * (rate / 100.0)
            gross += amount
            top = "and above" if band.upper == math.inf else f"to {_baht(band.upper)}"
            top_th = "ขึ้นไป" if band.upper == math.inf else f"ถึง {_baht(band.upper)}"
            extra = (
                f" ({band.rate_percent:g}% + {increment:g} pp, vacant {vacant_years} years)"
                if increment
                else ""
            )
            extra_th = f" (ทิ้งว่างเปล่า {vacant_years} ปี)" if increment else ""
            steps.append(
                Step(
                    f"{_baht(piece)} in the band {_baht(band.lower)} {top} at {rate:g}%{extra}",
                    f"{_baht(piece)} บาท ในช่วง {_baht(band.lower)} {top_th} "
                    f"อัตรา {rate:g}%{extra_th}",
                    amount,
                )
            )
        return gross, steps

    def _pay(self, info: Year) -> float:
        return (100.0 - info.reduction_percent) / 100.0

    def _reduce(
        self, info: Year, gross: float, steps: list[Step], *, rounded: bool = True
    ) -> float:
        steps.append(Step("Tax before reduction", "ภาษีก่อนลด", gross))
        net = gross * self._pay(info)
        if info.reduction_percent:
            steps.append(
                Step(
                    f"Reduction {info.reduction_percent:g}% ({info.reduction_en})",
                    f"ลดภาษีร้อยละ {info.reduction_percent:g} ({info.reduction_th})",
                    net - gross,
                )
            )
        if not rounded:
            steps.append(Step("Tax after reduction", "ภาษีหลังลด", net))
            return net
        tax = round_baht(net)
        steps.append(Step("Tax", "ภาษีที่ต้องชำระ", tax))
        return tax

    # -- vectorised helpers -----------------------------------------------------------------

    def _year_index(self, frame: pd.DataFrame) -> np.ndarray:
        values = pd.to_numeric(frame["tax_year"], errors="coerce").to_numpy(dtype="float64")
        known = np.array(self.supported_years, dtype="float64")
        ok = np.isin(values, known)
        _first_bad(
            frame,
            ~ok,
            "tax_year",
            f"expected one of {_years_text(self.supported_years)}",
            TaxRuleError,
        )
        return np.searchsorted(known, values)

    def _owner_codes(self, frame: pd.DataFrame) -> np.ndarray:
        if "owner_type" not in frame:
            return np.zeros(len(frame), dtype=np.int64)
        # Missing or empty means individual (the register convention).
        codes = _codes(frame["owner_type"], (*OWNER_TYPES, ""), missing=0)
        codes[codes == len(OWNER_TYPES)] = 0
        _first_bad(
            frame,
            codes < 0,
            "owner_type",
            f"expected one of {', '.join(OWNER_TYPES)}",
            TaxRuleError,
        )
        return codes

    def _expand_mixed(
        self,
        frame: pd.DataFrame,
        mixed: np.ndarray,
        years: np.ndarray,
        owners: np.ndarray,
        vacant: np.ndarray,
        base: np.ndarray,
        use_codes: np.ndarray,
    ) -> tuple[np.ndarray, ...]:
        """Replace each mixed row by one row per part (a loop over mixed rows only)."""
        if "parts" not in frame:
            label = _label(frame, int(np.flatnonzero(mixed)[0]))
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
            context = f"compute_many: row {_label(frame, pos)!r}, field 'parts'"
            for use, share in _check_parts(parts_column[pos], self.uses, context=context):
                extra_row.append(int(pos))
                extra_use.append(self.uses.index(use))
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
        self,
        years: np.ndarray,
        use_codes: np.ndarray,
        owners: np.ndarray,
        vacant: np.ndarray,
        base: np.ndarray,
    ) -> np.ndarray:
        """Tax before reduction, grouped by (year, use, owner) and banded with numpy."""
        n_uses = len(self.uses)
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
            use = self.uses[(k // len(OWNER_TYPES)) % n_uses]
            year = self.supported_years[k // len(OWNER_TYPES) // n_uses]
            gross[idx] = self._bands_many(year, use, owner, base[idx], vacant[idx])
        return gross

    def _bands_many(
        self, year: int, use: str, owner: str, base: np.ndarray, vacant: np.ndarray
    ) -> np.ndarray:
        exemption = self._exemption(year, use, owner)
        taxable = base - np.minimum(base, exemption.exempt_baht) if exemption is not None else base
        bands = self._t.bands[(self._t.years[year].schedule, use)]
        increment = (
            self._t.vacant_step * (vacant // self._t.vacant_every)
            if use == "vacant"
            else np.zeros(len(base))
        )
        escalated = increment > 0
        out = np.zeros(len(base))
        if self._t.vacant_mode == "whole-base" and escalated.any():
            reached = np.array([b.rate_percent for b in bands])[
                np.clip(
                    np.searchsorted([b.upper for b in bands], taxable, side="left"),
                    0,
                    len(bands) - 1,
                )
            ]
            whole = taxable * (np.minimum(reached + increment, self._t.vacant_max) / 100.0)
            out[escalated] = whole[escalated]
            if escalated.all():
                return out
        for band in bands:
            piece = np.clip(taxable - band.lower, 0.0, band.upper - band.lower)
            rate = np.where(
                escalated,
                np.minimum(band.rate_percent + increment, self._t.vacant_max),
                band.rate_percent,
            )
            banded = piece * (rate / 100.0)
            if self._t.vacant_mode == "whole-base":
                banded[escalated] = 0.0
            out += banded
        return out


# ---------------------------------------------------------------------------------------------
# Building valuation


@dataclasses.dataclass(frozen=True)
class _BuildingTables:
    prices: dict[str, dict[str, float]]  # province -> code -> baht per m2
    depreciation: np.ndarray  # [structure, age] -> percent deducted; last column holds the cap


@functools.cache
def _building_tables(directory: Path) -> _BuildingTables:
    prices: dict[str, dict[str, float]] = {}
    path = directory / "building_prices.csv"
    for n, r in table_rows(path):
        prices.setdefault(r["province"], {})[r["code"]] = table_number(
            path, n, r, "price_baht_per_m2"
        )
    by_structure: dict[str, dict[int, float]] = {s: {0: 0.0} for s in STRUCTURES}
    path = directory / "depreciation.csv"
    for n, r in table_rows(path):
        if r["structure"] not in by_structure:
            msg = (
                f"{where(path, row=n, field='structure')}: expected one of {', '.join(STRUCTURES)}"
            )
            raise TaxRuleError(msg)
        by_structure[r["structure"]][int(table_number(path, n, r, "age_years"))] = table_number(
            path, n, r, "percent"
        )
    width = max(max(ages) for ages in by_structure.values()) + 1
    table = np.zeros((len(STRUCTURES), width))
    for i, structure in enumerate(STRUCTURES):
        ages = by_structure[structure]
        if sorted(ages) != list(range(len(ages))):
            msg = f"{path}: ages of {structure!r} must run 1, 2, 3, ... without gaps"
            raise TaxRuleError(msg)
        values = [ages[a] for a in range(len(ages))]
        table[i] = values + [values[-1]] * (width - len(values))  # past the table: the cap
    return _BuildingTables(prices, table)


def building_value(
    floor_area_m2: float,
    building_type: str | int,
    structure: str,
    age_years: int,
    *,
    province: str = DEFAULT_PROVINCE,
) -> float:
    """Estimate a building's value: floor area × Treasury price per m² × (1 − depreciation).

    Parameters
    ----------
    floor_area_m2
        Total floor area (footprint × floors), m².
    building_type
        Treasury building type code, e.g. ``"105"`` or ``"520/1"``.
    structure
        ``"masonry"``, ``"half"`` (half masonry, half wood) or ``"wood"``.
    age_years
        Whole years since completion; gisrev uses tax year − year built (UNVERIFIED, THAI_LBT §2.3).
    province
        Changwat code of the price column (default ``"50"``, Chiang Mai; ``"10"`` is Bangkok).

    Returns
    -------
    float
        Value in baht after depreciation, rounded to 0.01.

    Examples
    --------
    >>> building_value(300, "105", "masonry", 12, province="10")
    2205900.0
    """
    frame = pd.DataFrame(
        {
            "floor_area_m2": [floor_area_m2],
            "building_type": [str(building_type)],
            "structure": [structure],
            "age_years": [age_years],
        }
    )
    value = _building_values(frame, province=province, errors="raise", context="building_value")
    return float(value.iloc[0])


def building_values(
    frame: pd.DataFrame,
    *,
    province: str = DEFAULT_PROVINCE,
    errors: Literal["raise", "coerce"] = "raise",
) -> pd.Series:
    """Vectorised :func:`building_value` over a frame.

    Parameters
    ----------
    frame
        Columns ``floor_area_m2``, ``building_type``, ``structure``, ``age_years``.
    province
        Changwat code of the price column (default ``"50"``, Chiang Mai).
    errors
        ``"raise"``: a row that cannot be valued (a type code without a price, an unknown
        structure, a negative or missing area or age) raises an error naming it; ``"coerce"``:
        such rows get NaN, as in :func:`pandas.to_numeric`.

    Returns
    -------
    pandas.Series
        Baht after depreciation, rounded to 0.01, on the frame's index.
    """
    return _building_values(frame, province=province, errors=errors, context="building_values")


def _building_values(
    frame: pd.DataFrame, *, province: str, errors: Literal["raise", "coerce"], context: str
) -> pd.Series:
    tables = _building_tables(TABLES_DIR)
    if province not in tables.prices:
        msg = (
            f"{context}: no building prices for province {province!r}; "
            f"tables have {', '.join(sorted(tables.prices))}"
        )
        raise TaxRuleError(msg)
    if errors not in ("raise", "coerce"):
        msg = f"{context}: errors={errors!r}; expected 'raise' or 'coerce'"
        raise ValueError(msg)
    prices = tables.prices[province]
    codes = frame["building_type"]
    if pd.api.types.is_numeric_dtype(codes):  # 105.0 is code '105'; 105.5 is no code
        numbers = codes.astype("float64")
        codes = numbers.where(np.isfinite(numbers) & (numbers == np.floor(numbers))).astype("Int64")
    area = pd.to_numeric(frame["floor_area_m2"], errors="coerce").to_numpy(dtype="float64")
    price = codes.astype(str).map(prices).to_numpy(dtype="float64", na_value=np.nan)
    structure = _codes(frame["structure"], STRUCTURES)
    age = pd.to_numeric(frame["age_years"], errors="coerce").to_numpy(dtype="float64")
    checks = [
        (~(area >= 0), "floor_area_m2", "expected a floor area of 0 m² or more", InputError),
        (
            np.isnan(price),
            "building_type",
            f"expected a type code priced for province {province} ({', '.join(prices)})",
            TaxRuleError,
        ),
        (structure < 0, "structure", f"expected one of {', '.join(STRUCTURES)}", InputError),
        (~(age >= 0), "age_years", "expected an age of 0 years or more", InputError),
    ]
    invalid = np.zeros(len(frame), dtype=bool)
    for bad, field, expected, error in checks:
        if errors == "raise":
            _first_bad(frame, bad, field, expected, error, context=context)
        invalid |= bad
    ages = np.where(invalid, 0, np.minimum(age, tables.depreciation.shape[1] - 1))
    percent = tables.depreciation[np.where(invalid, 0, structure), ages.astype(np.int64)]
    value = area * price * ((100.0 - percent) / 100.0)
    value = np.where(invalid, np.nan, np.floor(value * 100.0 + 0.5) / 100.0)
    return pd.Series(value, index=frame.index, name="building_value", dtype="float64")


# ---------------------------------------------------------------------------------------------
# Small helpers


def _first_bad(
    frame: pd.DataFrame,
    bad: np.ndarray,
    field: str,
    expected: str,
    error: type[Exception],
    *,
    context: str = "compute_many",
) -> None:
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        value = frame[field].iloc[pos]
        value = value.item() if isinstance(value, np.generic) else value
        label = _label(frame, pos)
        msg = f"{context}: row {label!r}, field {field!r}: got {value!r}; {expected}"
        if bad.sum() > 1:
            msg += f" ({int(bad.sum())} rows like this)"
        raise error(msg)


def _for_display(steps: list[Step]) -> list[Step]:
    """Round each step to 0.01 baht; the tax itself is computed from the unrounded amounts."""
    return [dataclasses.replace(step, amount=round_baht(step.amount)) for step in steps]


def _codes(values: pd.Series, categories: Sequence[str], *, missing: int = -1) -> np.ndarray:
    """Position of each value in ``categories``; -1 for anything else, ``missing`` for NA."""
    codes, uniques = pd.factorize(values)  # fast on Arrow strings; codes -1 for NA
    lookup = np.append(pd.Index(list(categories)).get_indexer(uniques), missing)
    return lookup[codes].astype(np.int64)


def _label(frame: pd.DataFrame, pos: int) -> Any:
    """Return the index label of a row as a plain Python value, for messages."""
    label = frame.index[pos]
    return label.item() if isinstance(label, np.generic) else label


def _money_column(frame: pd.DataFrame, field: str, *, required: bool) -> np.ndarray:
    if field not in frame:
        return np.zeros(len(frame))
    values = pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if required:
        _first_bad(frame, ~np.isfinite(values), field, "expected an amount in baht", InputError)
    else:
        values = np.where(np.isnan(values), 0.0, values)
    _first_bad(
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
    _first_bad(
        frame,
        ~((values >= 0) & (values == np.floor(values)) & np.isfinite(values)),
        "vacant_years",
        "expected a whole number of years, 0 or more",
        InputError,
    )
    return values.astype(np.int64)


def _amount(value: float, field: str) -> float:
    amount = float(value)
    if not math.isfinite(amount) or amount < 0:
        msg = f"field {field!r}: got {value!r}; expected an amount of 0 baht or more"
        raise InputError(msg)
    return amount


def _vacant_years(value: int) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or value < 0:
        msg = f"field 'vacant_years': got {value!r}; expected a whole number of years, 0 or more"
        raise InputError(msg)
    return int(value)


def _check_parts(parts: Any, uses: tuple[str, ...], *, context: str) -> list[tuple[str, float]]:
    if not isinstance(parts, Mapping) or not parts:
        msg = (
            f"{context}: expected parts as a mapping use -> share, "
            "e.g. {'other': 0.25, 'residential-primary': 0.75}"
        )
        raise TaxRuleError(msg)
    out: list[tuple[str, float]] = []
    for use, share in parts.items():
        if use not in uses:
            msg = f"{context}: unknown part use {use!r}; expected one of {', '.join(uses)}"
            raise TaxRuleError(msg)
        share = float(share)
        if not 0.0 <= share <= 1.0:
            msg = f"{context}: share of {use!r} is {share}; expected a share between 0 and 1"
            raise TaxRuleError(msg)
        out.append((use, share))
    total = sum(share for _, share in out)
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        msg = f"{context}: shares sum to {total:g}; expected 1"
        raise TaxRuleError(msg)
    return out


def _reached_band(bands: tuple[Band, ...], taxable: float) -> Band:
    for band in bands:
        if taxable <= band.upper:
            return band
    return bands[-1]


def _years_text(years: tuple[int, ...]) -> str:
    return ", ".join(str(y) for y in years) + " (CE; 2566 BE = 2023 CE)"


def _baht(amount: float) -> str:
    return f"{amount:,.2f}"
