"""The Thai tax of one property, step by step: the path behind ``ThaiRegime.compute``.

Each step is a line a taxpayer can check (value, exemption, each band at its rate, reduction),
in English and Thai, in the order the law applies them: value -> minus exemption -> marginal
bands -> minus the year's reduction. The vectorised engine (:mod:`gisrev.tax._vectorised`)
gives the same tax without the steps.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from gisrev.errors import TaxRuleError
from gisrev.tax._checks import (
    MIXED,
    check_amount,
    check_owner,
    check_parts,
    check_use,
    check_vacant_years,
    check_year,
)
from gisrev.tax.regime import Property, Step, TaxResult, round_baht
from gisrev.tax.rules import Band, Tables, Year

__all__ = ["explain", "explain_aggregated"]


def explain(tables: Tables, prop: Property) -> TaxResult:
    """Tax one property and explain each step (``ThaiRegime.compute``).

    Parameters
    ----------
    tables
        The tables to apply.
    prop
        The property; ``use="mixed"`` with ``parts`` splits the base by share and taxes each
        part at its own use.

    Returns
    -------
    TaxResult
        ``tax`` in baht rounded to 0.01 and the breakdown.
    """
    year = check_year(tables, prop.tax_year)
    check_owner(prop.owner_type)
    land = check_amount(prop.land_value, "land_value")
    building = check_amount(prop.building_value, "building_value")
    vacant_years = check_vacant_years(prop.vacant_years)
    base = land + building
    steps = [
        Step("Land value", "มูลค่าที่ดิน", land),
        Step("Building value", "มูลค่าสิ่งปลูกสร้าง", building),
        Step("Tax base", "ฐานภาษี", base),
    ]
    gross = 0.0
    for use, share in _parts(tables, prop):
        part_base = base * share if prop.use == MIXED else base
        if prop.use == MIXED:
            spec = tables.uses[use]
            steps.append(
                Step(
                    f"Part used as {use}: {share:.2%} of the base",
                    f"ส่วนที่ใช้เป็น{spec.label_th} ร้อยละ {share * 100:g} ของฐานภาษี",
                    part_base,
                )
            )
        part_tax, part_steps = _part(
            tables, prop.tax_year, use, prop.owner_type, vacant_years, part_base
        )
        steps += part_steps
        gross += part_tax
    tax = _reduce(year, gross, steps)
    return TaxResult(tax=tax, steps=_for_display(steps), property=prop)


def explain_aggregated(tables: Tables, properties: Sequence[Property]) -> list[TaxResult]:
    """Tax one taxpayer's properties together, step by step (``ThaiRegime.compute_aggregated``).

    Parameters
    ----------
    tables
        The tables to apply.
    properties
        Properties of one taxpayer (one owner type) in one local government.

    Returns
    -------
    list of TaxResult
        One per property, in the given order; each property's share of its groups' tax.
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
        check_year(tables, prop.tax_year)
        check_owner(prop.owner_type)
        vacant_years = check_vacant_years(prop.vacant_years)
        base = check_amount(prop.land_value, "land_value") + check_amount(
            prop.building_value, "building_value"
        )
        for use, share in _parts(tables, prop):
            effective = tables.taxed_as(use, prop.owner_type)
            key = (prop.tax_year, effective, vacant_years if effective == "vacant" else 0)
            pieces.append((i, key, base * share if prop.use == MIXED else base))

    groups: dict[tuple[int, str, int], float] = {}
    for _, key, value in pieces:
        groups[key] = groups.get(key, 0.0) + value
    owner = next(iter(owner_types), "individual")
    group_tax: dict[tuple[int, str, int], tuple[float, list[Step]]] = {}
    for key, total in groups.items():
        year, use, vacant_years = key
        gross, steps = _part(tables, year, use, owner, vacant_years, total)
        steps.insert(
            0,
            Step(
                f"Combined base of the taxpayer's {use} property in this local government",
                f"ฐานภาษีรวมของผู้เสียภาษีประเภท{tables.uses[use].label_th}ในท้องถิ่นนี้",
                total,
            ),
        )
        net = _reduce(tables.years[year], gross, steps, rounded=False)
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


def _parts(tables: Tables, prop: Property) -> list[tuple[str, float]]:
    """Split a property into (use, share) parts: its one use, or the parts of a mixed use."""
    if prop.use != MIXED:
        check_use(tables, prop.use)
        if prop.parts:
            msg = f"parts are for use 'mixed' only; got use {prop.use!r} with parts"
            raise TaxRuleError(msg)
        return [(prop.use, 1.0)]
    return check_parts(prop.parts, tuple(tables.uses), context="mixed use")


def _part(
    tables: Tables, year: int, use: str, owner_type: str, vacant_years: int, base: float
) -> tuple[float, list[Step]]:
    """Tax before reduction of one use's base, and its steps."""
    steps: list[Step] = []
    effective = tables.taxed_as(use, owner_type)
    if effective != use:
        steps.append(
            Step(
                f"Juristic owner: taxed as {effective} (sub-cases a/b need an individual)",
                f"นิติบุคคล: คิดภาษีแบบ{tables.uses[effective].label_th}",
                base,
            )
        )
    exemption = tables.exemption(year, effective, owner_type)
    exempt = min(base, exemption.exempt_baht) if exemption is not None else 0.0
    if exemption is not None:
        steps.append(
            Step(f"Exemption: {exemption.label_en}", f"ยกเว้น: {exemption.label_th}", -exempt)
        )
    taxable = base - exempt
    steps.append(Step("Taxable value", "มูลค่าที่ต้องเสียภาษี", taxable))

    bands = tables.bands_of(year, effective)
    increment = tables.vacant_increment(vacant_years) if effective == "vacant" else 0.0
    gross = 0.0
    if increment and tables.vacant_mode == "whole-base":
        band = _reached_band(bands, taxable)
        rate = min(band.rate_percent + increment, tables.vacant_max)
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
            min(band.rate_percent + increment, tables.vacant_max)
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
                f"{_baht(piece)} บาท ในช่วง {_baht(band.lower)} {top_th} อัตรา {rate:g}%{extra_th}",
                amount,
            )
        )
    return gross, steps


def _reduce(info: Year, gross: float, steps: list[Step], *, rounded: bool = True) -> float:
    """Apply the year's general reduction, adding its steps; the tax, rounded unless asked."""
    steps.append(Step("Tax before reduction", "ภาษีก่อนลด", gross))
    net = gross * info.pay_fraction
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


def _reached_band(bands: tuple[Band, ...], taxable: float) -> Band:
    for band in bands:
        if taxable <= band.upper:
            return band
    return bands[-1]


def _for_display(steps: list[Step]) -> list[Step]:
    """Round each step to 0.01 baht; the tax itself is computed from the unrounded amounts."""
    return [dataclasses.replace(step, amount=round_baht(step.amount)) for step in steps]


def _baht(amount: float) -> str:
    return f"{amount:,.2f}"
