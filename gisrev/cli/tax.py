"""``gisrev tax``: the tax of one property, step by step; needs no database."""

from __future__ import annotations

import json
import math
from typing import Any

import click

from gisrev.cli._context import TAX_YEAR, CliContext
from gisrev.errors import InputError
from gisrev.tax import Property, TaxResult, get_regime
from gisrev.years import be


class _OneLineErrors(click.Command):
    """A command whose bad arguments become one-line InputErrors (exit 2 via gisrev.cli.main)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            msg = f"tax {self.name}: {exc.format_message()} (see 'gisrev tax {self.name} --help')"
            raise InputError(msg) from exc
        except InputError as exc:  # a bad --year: gisrev's own message, named after the command
            msg = f"tax {self.name}: {exc}"
            raise InputError(msg) from exc


class _Baht(click.ParamType):
    """An amount in baht; thousands separators (``54,000,000``) and underscores are accepted."""

    name = "BAHT"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        text = str(value).replace(",", "").replace("_", "").strip()
        try:
            amount = float(text)
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount) or amount < 0:
            self.fail(
                f"{value!r} is not an amount in baht (0 or more, e.g. 54000000 or 54,000,000)"
            )
        return amount


@click.group()
def tax() -> None:
    """Work out the Land and Building Tax of one property."""


@tax.command("estimate", cls=_OneLineErrors)
@click.option("--year", "tax_year", type=TAX_YEAR, required=True, help="Tax year, BE or CE.")
@click.option(
    "--use",
    required=True,
    metavar="USE",
    help="agriculture, residential-primary, residential-primary-building, "
    "residential-other, other or vacant.",
)
@click.option("--land-value", type=_Baht(), required=True, help="Appraised land value, baht.")
@click.option(
    "--building-value", type=_Baht(), default=0.0, show_default=True, help="Building value, baht."
)
@click.option(
    "--owner",
    "owner_type",
    type=click.Choice(["individual", "juristic"]),
    default="individual",
    show_default=True,
    help="Owner type.",
)
@click.option(
    "--vacant-years",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Consecutive years already vacant before this tax year.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (tax in baht, steps) instead.")
@click.pass_context
def estimate(
    ctx: click.Context,
    tax_year: int,
    use: str,
    land_value: float,
    building_value: float,
    owner_type: str,
    vacant_years: int,
    as_json: bool,
) -> None:
    """Print the tax of one property, step by step (or as JSON with --json).

    Example: gisrev tax estimate --year 2567 --use other --land-value 48,000,000
    """
    obj = ctx.find_object(CliContext)
    regime = get_regime(obj.settings.regime if obj is not None else "thai")
    if tax_year not in regime.supported_years:
        first, last = regime.supported_years[0], regime.supported_years[-1]
        msg = (
            f"tax estimate: --year {be(tax_year)} BE ({tax_year} CE) is not supported; "
            f"expected {be(first)}-{be(last)} BE or {first}-{last} CE"
        )
        raise InputError(msg)
    if use not in regime.uses:
        msg = f"tax estimate: --use {use!r} is not a use; expected one of {', '.join(regime.uses)}"
        raise InputError(msg)
    result = regime.compute(
        Property(
            tax_year=tax_year,
            use=use,
            land_value=land_value,
            building_value=building_value,
            owner_type=owner_type,
            vacant_years=vacant_years,
        )
    )
    if as_json:
        click.echo(
            json.dumps({"regime": regime.name, **result.to_dict()}, ensure_ascii=False, indent=2)
        )
    else:
        click.echo(_breakdown(result, regime.name))


def _breakdown(result: TaxResult, regime: str) -> str:
    """Format the breakdown: amounts right-aligned first, so Thai labels need no column width."""
    prop = result.property
    year_be = be(prop.tax_year)
    lines = [
        f"Land and Building Tax ({regime}), tax year {year_be} BE ({prop.tax_year} CE)"
        f" · ปีภาษี {year_be}",
        f"use {prop.use}, owner {prop.owner_type}"
        + (f", vacant {prop.vacant_years} years" if prop.vacant_years else ""),
        "",
    ]
    width = max(len(f"{step.amount:,.2f}") for step in result.steps)
    for step in result.steps:
        lines.append(f"  {step.amount:>{width},.2f}  {step.label_en} · {step.label_th}")
    lines += ["", f"Tax: {result.tax:,.2f} baht · ภาษี {result.tax:,.2f} บาท"]
    return "\n".join(lines)
