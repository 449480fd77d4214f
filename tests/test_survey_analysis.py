"""The next analysis uses what surveyors found (use, buildings) and marks visited parcels."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from town import Town, rect

from gisrev.analyze import run_analysis
from gisrev.config import Settings
from gisrev.survey import import_survey
from gisrev.tax import Property, get_regime

YEAR = 2023  # 2566 BE
SETTINGS = Settings(lgu_code="000000")
PRICE = 10_000.0
LAND = 400 * PRICE  # every parcel is 40 m x 40 m = 400 sq wah


def tax(use: str, land: float, building: float = 0.0) -> float:
    prop = Property(tax_year=YEAR, use=use, land_value=land, building_value=building,
                    owner_type="individual")
    return get_regime("thai").compute(prop).tax


@pytest.fixture
def town(clean_db) -> Town:
    town = Town(clean_db, tax_year=YEAR)
    town.zone(rect(-1000, -1000, 5000, 5000), price_per_sqwah=PRICE)
    # FARM: declared farmland, nothing on the map: clean until a surveyor finds two shops
    town.parcel("FARM", rect(0, 0, 40, 40))
    town.register("FARM", declared_use="agriculture", declared_area_sqwah=400, building_value=0,
                  tax_assessed=tax("agriculture", LAND), tax_paid=tax("agriculture", LAND))
    # GONE: the map still shows a house the surveyor found demolished; declared vacant
    town.parcel("GONE", rect(100, 0, 40, 40))
    town.building(rect(105, 5, 10, 10), use="residential", value=1_000_000)
    town.register("GONE", declared_use="vacant", declared_area_sqwah=400, building_value=0,
                  tax_assessed=tax("vacant", LAND), tax_paid=tax("vacant", LAND))
    return town


def flags(engine) -> dict[str, tuple[list[str], str, str, float]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT parcel_code, flags, reason_th, reason_en, expected_tax FROM findings"
        )).all()
    return {r[0]: (list(r[1]), r[2], r[3], r[4]) for r in rows}


def survey(tmp_path, *rows: str):
    path = tmp_path / "survey.csv"
    path.write_text("parcel_code,visited_at,surveyor,found_use,buildings_count,outcome\n"
                    + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_survey_evidence_changes_use_and_buildings_and_marks_the_visit(town, tmp_path):
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    before = flags(town.engine)
    assert "FARM" not in before
    assert "UNDECLARED_BUILDING" in before["GONE"][0]

    path = survey(tmp_path,
                  "FARM,14/8/2566,สมชาย,commercial,2,corrected",
                  "GONE,2023-08-15,สมชาย,vacant,0,no change")
    assert import_survey(town.engine, path, lgu_code=SETTINGS.lgu_code).n_loaded == 2
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    after = flags(town.engine)

    codes, reason_th, reason_en, expected = after["FARM"]
    assert codes == ["UNDERPAID", "USE_MISMATCH", "UNDECLARED_BUILDING"]
    assert expected == tax("other", LAND)
    assert reason_th.endswith("สำรวจแล้ว 14/8/2566 (แก้ไขข้อมูลแล้ว)")
    assert "2 buildings stand on the parcel" in reason_en
    assert reason_en.endswith("surveyed 2023-08-14 (corrected)")
    # the surveyor found no building and vacant land, as declared: nothing left to flag
    assert "GONE" not in after


def test_visits_after_the_tax_year_do_not_change_it(town, tmp_path):
    path = survey(tmp_path, "FARM,2024-02-01,สมชาย,commercial,2,corrected")
    import_survey(town.engine, path, lgu_code=SETTINGS.lgu_code)
    run_analysis(town.engine, year=YEAR, settings=SETTINGS)
    assert "FARM" not in flags(town.engine)
