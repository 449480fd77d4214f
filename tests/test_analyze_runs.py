"""Matching the register to the map, and what a run records and replaces."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from town import Town, rect

from gisrev.analyze import run_analysis
from gisrev.config import Settings, Thresholds, load_settings
from gisrev.errors import TaxRuleError

YEAR = 2023
SETTINGS = Settings(lgu_code="000000")


@pytest.fixture
def town(clean_db) -> Town:
    town = Town(clean_db, tax_year=YEAR)
    # Cheap land: a vacant parcel of 100 sq wah owes 25.50 baht, below every threshold.
    town.zone(rect(-1000, -1000, 5000, 5000), price_per_sqwah=100)
    return town


def matches(engine) -> dict[str, tuple[str, str, float]]:
    """register parcel_code -> (matched parcel's code, method, confidence)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT r.parcel_code, p.parcel_code, m.method, m.confidence FROM matches AS m "
            "JOIN register AS r ON r.id = m.register_id JOIN parcels AS p ON p.id = m.parcel_id"
        )).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def flags(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT parcel_code, flags FROM findings")).all())


@pytest.mark.parametrize("variant", ["๕๐-๑๒๓", "50 123", "50.123", " 50-123 ", "50123"])
def test_code_variants_match_by_normalised_code(town, variant):
    town.parcel("50-123", rect(0, 0, 20, 20))
    town.register(variant, declared_use="vacant", declared_area_sqwah=100)
    report = run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert matches(town.engine) == {variant: ("50-123", "normalised", 0.9)}
    assert flags(town.engine) == {}
    assert report.matched == {"exact": 0, "normalised": 1, "deed": 0}


def test_lower_case_code_matches_upper_case_parcel(town):
    town.parcel("AB-12", rect(0, 0, 20, 20))
    town.register("ab 12", declared_use="vacant", declared_area_sqwah=100)
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert matches(town.engine) == {"ab 12": ("AB-12", "normalised", 0.9)}


def test_exact_code_wins_and_deed_number_is_the_last_resort(town):
    town.parcel("A1", rect(0, 0, 20, 20), deed_no="1111")
    town.parcel("B2", rect(100, 0, 20, 20), deed_no="2222")
    town.parcel("C3", rect(200, 0, 20, 20), deed_no="9999")
    town.parcel("D4", rect(300, 0, 20, 20), deed_no="9999")  # a deed on two parcels: ambiguous
    town.register("A1", deed_no="2222", declared_use="vacant", declared_area_sqwah=100)
    town.register("OLD-CODE", deed_no="2222", declared_use="vacant", declared_area_sqwah=100)
    town.register("OLD-9", deed_no="9999", declared_use="vacant", declared_area_sqwah=100)
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert matches(town.engine) == {
        "A1": ("A1", "exact", 1.0),
        "OLD-CODE": ("B2", "deed", 0.7),
    }
    f = flags(town.engine)
    assert f["OLD-9"] == ["ORPHAN_RECORD"]
    assert f["C3"] == ["UNREGISTERED"] and f["D4"] == ["UNREGISTERED"]


def test_register_rows_of_other_years_and_municipalities_are_ignored(town):
    town.parcel("P1", rect(0, 0, 20, 20))
    town.register("P1", tax_year=2022, declared_use="vacant")
    Town(town.engine, lgu_code="999999", tax_year=YEAR).register("P1", declared_use="vacant")
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert flags(town.engine) == {"P1": ["UNREGISTERED"]}


def test_rerun_replaces_the_years_findings_and_records_each_run(town):
    town.parcel("P1", rect(0, 0, 20, 20))
    first = run_analysis(town.engine, year=2566, settings=SETTINGS)
    town.register("P1", declared_use="vacant", declared_area_sqwah=100)
    second = run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert first.counts["UNREGISTERED"] == 1 and second.n_findings == 0
    with town.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM findings")).scalar_one() == 0
        runs = conn.execute(sa.text(
            "SELECT tax_year, counts, settings, duration_s FROM analysis_runs ORDER BY id"
        )).all()
    assert [r.tax_year for r in runs] == [YEAR, YEAR]
    assert runs[0].counts["UNREGISTERED"] == 1 and runs[0].counts["parcels"] == 1
    assert runs[1].counts["UNREGISTERED"] == 0 and runs[1].counts["matched"]["exact"] == 1
    assert runs[1].settings["thresholds"]["area_tolerance"] == 0.10
    assert all(r.duration_s > 0 for r in runs)


def evidence(engine, year: int) -> dict[str, tuple]:
    """parcel_code -> (analysis run, use, registered, land value, expected tax) for a year."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT parcel_code, analysis_run_id, use, registered, land_value, expected_tax"
            " FROM parcel_evidence WHERE tax_year = :year"
        ), {"year": year}).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_every_parcel_keeps_its_evidence_and_a_rerun_replaces_the_years(town):
    for code, x in (("P1", 0), ("P2", 30), ("P3", 60)):
        town.parcel(code, rect(x, 0, 20, 20))  # 100 sq wah at 100 baht: 10,000 baht of land
    town.register("P2", declared_use="vacant", declared_area_sqwah=100)
    first = run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    other = run_analysis(town.engine, year=2024, settings=SETTINGS)
    # one row per parcel, flagged (P1, P3 unregistered) or not (P2); nothing declared or
    # seen on P1 and P3: vacant land, 25.50 baht after 2023's 15 % reduction
    assert evidence(town.engine, YEAR) == {
        "P1": (first.run_id, "vacant", False, 10_000.0, 25.5),
        "P2": (first.run_id, "vacant", True, 10_000.0, 25.5),
        "P3": (first.run_id, "vacant", False, 10_000.0, 25.5),
    }
    town.register("P1", declared_use="vacant", declared_area_sqwah=100)
    second = run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert evidence(town.engine, YEAR) == {
        "P1": (second.run_id, "vacant", True, 10_000.0, 25.5),
        "P2": (second.run_id, "vacant", True, 10_000.0, 25.5),
        "P3": (second.run_id, "vacant", False, 10_000.0, 25.5),
    }
    # another year's rows are its own; deleting a run deletes its evidence
    assert {v[0] for v in evidence(town.engine, 2024).values()} == {other.run_id}
    assert len(evidence(town.engine, 2024)) == 3
    with town.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM analysis_runs WHERE id = :id"), {"id": other.run_id})
    assert evidence(town.engine, 2024) == {}
    assert len(evidence(town.engine, YEAR)) == 3


def test_concurrent_runs_of_one_year_are_serialised(town):
    for i in range(20):
        town.parcel(f"P{i}", rect(30 * i, 0, 20, 20))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            run_analysis(town.engine, year=YEAR, settings=SETTINGS)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with town.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM findings")).scalar_one() == 20
        priorities = conn.execute(sa.text("SELECT priority FROM findings ORDER BY 1")).scalars()
        assert list(priorities) == list(range(1, 21))


def test_thresholds_come_from_gisrev_toml(town, tmp_path):
    town.parcel("P1", rect(0, 0, 20, 20))  # 100 sq wah
    town.register("P1", declared_use="vacant", declared_area_sqwah=85)  # 15 % short
    assert flags_after(town, SETTINGS) == {"P1": ["AREA_MISMATCH"]}
    toml = tmp_path / "gisrev.toml"
    toml.write_text('[project]\nlgu_code = "000000"\n[thresholds]\narea_tolerance = 0.2\n')
    settings = load_settings(toml, env={})
    assert settings.thresholds == Thresholds(area_tolerance=0.2)
    assert flags_after(town, settings) == {}


def flags_after(town: Town, settings: Settings) -> dict[str, list[str]]:
    run_analysis(town.engine, year=YEAR, settings=settings)
    return flags(town.engine)


def test_priority_follows_the_gap_with_ties_by_parcel_code(town):
    for code, side in (("B", 100), ("A", 100), ("C", 200), ("D", 10)):
        town.parcel(code, rect(ord(code) * 300, 0, side, side), price_per_sqwah=50_000)
    run_analysis(town.engine, year=YEAR, settings=SETTINGS.replace(priority_weights={}))
    with town.engine.connect() as conn:
        sql = "SELECT parcel_code, gap FROM findings ORDER BY priority"
        order = conn.execute(sa.text(sql)).all()
    assert [c for c, _ in order] == ["C", "A", "B", "D"]
    assert order[0][1] > order[1][1] == order[2][1] >= order[3][1]


def test_unknown_tax_year_is_a_one_line_tax_rule_error(town):
    expected = r"tax year 2560 \(2017\) has no tax rules.*2563 \(2020\)"
    with pytest.raises(TaxRuleError, match=expected):
        run_analysis(town.engine, year=2560, settings=SETTINGS)
