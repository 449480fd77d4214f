"""Revenue recovered from planted findings of year Y and register rows of Y + 1."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from town import Town, rect

from gisrev.errors import InputError
from gisrev.outputs.recovery import revenue_recovered


def analysed(engine, year: int) -> int:
    with engine.begin() as conn:
        return int(conn.execute(sa.text(
            "INSERT INTO analysis_runs (lgu_code, tax_year) VALUES ('000000', :y) RETURNING id"
        ), {"y": year}).scalar_one())


def finding(engine, parcel_id: int, code: str, flags: list[str], *, assessed: float,
            gap: float, year: int = 2023) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO findings (lgu_code, tax_year, parcel_id, parcel_code, flags, tax_assessed,"
            " gap) VALUES ('000000', :y, :p, :c, :f, :a, :g)"
        ), {"y": year, "p": parcel_id, "c": code, "f": flags, "a": assessed, "g": gap})


def matched(engine, register_id: int, parcel_id: int, year: int = 2024) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO matches (lgu_code, tax_year, register_id, parcel_id, method, confidence)"
            " VALUES ('000000', :y, :r, :p, 'exact', 1)"
        ), {"y": year, "r": register_id, "p": parcel_id})


@pytest.fixture
def town(clean_db):
    town = Town(clean_db)
    ids = {code: town.parcel(code, rect(i * 30, 0, 20, 20))
           for i, code in enumerate(("NEW", "FIXED", "SAME", "STILL", "LOWER", "ARR"))}
    analysed(clean_db, 2023)
    analysed(clean_db, 2024)
    finding(clean_db, ids["NEW"], "NEW", ["UNREGISTERED"], assessed=0, gap=1500)
    finding(clean_db, ids["FIXED"], "FIXED", ["USE_MISMATCH", "UNDERPAID"], assessed=200, gap=900)
    finding(clean_db, ids["SAME"], "SAME", ["UNDERPAID"], assessed=300, gap=700)
    finding(clean_db, ids["STILL"], "STILL", ["UNREGISTERED"], assessed=0, gap=400)
    finding(clean_db, ids["LOWER"], "LOWER", ["AREA_MISMATCH"], assessed=500, gap=0)
    finding(clean_db, ids["ARR"], "ARR", ["ARREARS"], assessed=500, gap=500)
    # 2024: SAME's tax rose with the year's values but it is still underpaid: not corrected
    finding(clean_db, ids["SAME"], "SAME", ["UNDERPAID"], assessed=320, gap=680, year=2024)
    # FIXED got a second account in 2024 (a new problem); its first account's tax counts
    finding(clean_db, ids["FIXED"], "FIXED", ["DUPLICATE_RECORD"], assessed=1100.5, gap=0,
            year=2024)
    for code, assessed in (("NEW", 1450.0), ("FIXED", 1100.5), ("SAME", 320.0),
                           ("LOWER", 450.0), ("ARR", 600.0), ("FIXED", 99.5)):
        matched(clean_db, town.register(code, tax_year=2024, tax_assessed=assessed), ids[code])
    return town


def test_registered_and_corrected_parcels_recover_the_rise_in_their_tax(town):
    frame = revenue_recovered(town.engine, year=2023, lgu_code="000000")
    assert frame[["parcel_code", "how", "tax_assessed_before", "tax_assessed_after",
                  "recovered"]].values.tolist() == [
        ["NEW", "registered", 0.0, 1450.0, 1450.0],
        ["FIXED", "corrected", 200.0, 1100.5, 900.5],
        ["LOWER", "corrected", 500.0, 450.0, 0.0],  # a correction that lowers the tax
    ]
    assert frame.attrs["total"] == 2350.5
    assert frame.loc[1, "flags"] == "USE_MISMATCH;UNDERPAID"


def test_recovered_parcels_show_their_latest_survey_visit(town):
    with town.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO survey_visits (lgu_code, parcel_code, parcel_code_norm, visited_at,"
            " outcome, content_key)"
            " VALUES ('000000', 'NEW', 'NEW', '2023-08-14', 'registered', 'k')"
        ))
    frame = revenue_recovered(town.engine, year=2023, lgu_code="000000")
    assert frame.loc[0, "outcome"] == "registered"
    assert str(frame.loc[0, "visited_at"]) == "2023-08-14"
    assert pd.isna(frame.loc[1, "outcome"])


def test_another_municipality_must_be_analysed_too(town):
    with pytest.raises(InputError, match="municipality 111111"):
        revenue_recovered(town.engine, year=2023, lgu_code="111111")


def test_next_year_must_be_analysed_first(clean_db):
    analysed(clean_db, 2023)
    with pytest.raises(InputError, match=r"tax year 2567 has not been analysed.*--year 2567"):
        revenue_recovered(clean_db, year=2023, lgu_code="000000")
