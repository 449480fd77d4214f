"""``gisrev tax estimate``: the CLI contract, and its JSON agrees with the Python API.

The tax command needs no database, so these tests call ``gisrev.cli.main`` in-process
themselves instead of using the database-backed ``gisrev_cli`` fixture.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from gisrev.cli import main
from gisrev.tax import Property, get_regime


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["tax", "estimate", *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


CASES = [
    Property(2024, "residential-primary", 54_000_000.0, 2_205_900.0),
    Property(2023, "agriculture", 120_000_000.0),
    Property(2022, "agriculture", 120_000_000.0),
    Property(2025, "other", 48_000_000.0, 8_142_000.0, owner_type="juristic"),
    Property(2021, "residential-other", 8_000_000.0),
    Property(2026, "vacant", 45_000_000.0, owner_type="juristic", vacant_years=6),
    Property(2024, "vacant", 60_000_000.0, vacant_years=3),
    Property(2024, "residential-primary-building", 76_000_000.0),
    Property(2020, "residential-primary", 60_000_000.0, owner_type="juristic"),
]


def args_for(prop: Property, *, be: bool = False) -> list[str]:
    return [
        "--year",
        str(prop.tax_year + (543 if be else 0)),
        "--use",
        prop.use,
        "--land-value",
        str(prop.land_value),
        "--building-value",
        str(prop.building_value),
        "--owner",
        prop.owner_type,
        "--vacant-years",
        str(prop.vacant_years),
    ]


@pytest.mark.parametrize("prop", CASES, ids=lambda p: f"{p.tax_year}-{p.use}-{p.owner_type}")
def test_json_equals_the_python_api(prop: Property) -> None:
    expected = get_regime().compute(prop)
    for be in (False, True):
        code, out, err = run(*args_for(prop, be=be), "--json")
        assert (code, err) == (0, "")
        data = json.loads(out)
        assert data["tax"] == expected.tax
        assert data["tax_year"] == prop.tax_year and data["tax_year_be"] == prop.tax_year + 543
        assert [(s["label_en"], s["amount"]) for s in data["steps"]] == [
            (s.label_en, s.amount) for s in expected.steps
        ]


def test_readable_breakdown() -> None:
    code, out, err = run(
        "--year",
        "2567",
        "--use",
        "residential-primary",
        "--land-value",
        "54,000,000",
        "--building-value",
        "2,205,900",
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Land and Building Tax (thai), tax year 2567 BE (2024 CE)")
    assert "ปีภาษี 2567" in lines[0]
    assert any("-50,000,000.00  Exemption: primary residence" in line for line in lines)
    assert any(
        "1,861.77  6,205,900.00 in the band 0.00 to 25,000,000.00 at 0.03%" in line
        for line in lines
    )
    assert lines[-1] == "Tax: 1,861.77 baht · ภาษี 1,861.77 บาท"


def test_year_in_thai_digits_is_read_like_the_register_reads_it() -> None:
    code, out, err = run("--year", "๒๕๖๔", "--use", "residential-other", "--land-value", "8000000",
                         "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["tax_year"], data["tax_year_be"], data["tax"]) == (2021, 2564, 160.0)


def test_defaults_are_no_building_individual_not_vacant() -> None:
    code, out, _ = run(
        "--year", "2021", "--use", "residential-other", "--land-value", "8000000", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["tax"] == 160.0
    assert (data["building_value"], data["owner_type"], data["vacant_years"]) == (
        0.0,
        "individual",
        0,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--year", "2019", "--use", "other", "--land-value", "1"],
            "--year 2562 BE (2019 CE) is not supported; expected 2563-2569 BE or 2020-2026 CE",
        ),
        (
            ["--year", "next", "--use", "other", "--land-value", "1"],
            "tax year next: expected a year such as 2566 (BE) or 2023 (CE)",
        ),
        (
            ["--year", "2024", "--use", "shop", "--land-value", "1"],
            "--use 'shop' is not a use; expected one of agriculture, residential-primary",
        ),
        (
            ["--year", "2024", "--use", "other", "--land-value", "-5"],
            "'-5' is not an amount in baht",
        ),
        (
            ["--year", "2024", "--use", "other", "--land-value", "lots"],
            "'lots' is not an amount in baht",
        ),
        (["--year", "2024", "--use", "other"], "Missing option '--land-value'"),
        (
            ["--year", "2024", "--use", "other", "--land-value", "1", "--owner", "company"],
            "'company' is not one of 'individual', 'juristic'",
        ),
        (
            ["--year", "2024", "--use", "other", "--land-value", "1", "--vacant-years", "-1"],
            "--vacant-years",
        ),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("gisrev: error: tax estimate: ")
    assert message in err
