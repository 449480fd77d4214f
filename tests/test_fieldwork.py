"""Field work and desk work: which planted findings a surveyor visits and which the office settles.

Findings are planted straight into the tables (as the analysis would write them) for a
tiny town of 20 m parcels in a row, so each expectation is read off the planted gap,
codes, survey visit and the previous year's findings.
"""

from __future__ import annotations

import csv

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from town import Town, rect

from gisrev.db.fieldwork import Work, classify, read_work
from gisrev.load.normalise import normalise_parcel_code
from gisrev.outputs.maps import make_maps

LGU = "000000"  # the municipality of town.Town's rows
YEAR = 2024  # CE: tax year 2567; the previous year is 2566 (2023)


class Planted:
    """A town whose findings are planted per test: ``finding(code, flags, gap)`` and visits."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.town = Town(engine, tax_year=YEAR)
        self.ids: dict[str, int] = {}
        self.runs: dict[int, int] = {}

    def run(self, year: int, *, started: str = "2024-03-01") -> int:
        if year not in self.runs:
            with self.engine.begin() as conn:
                self.runs[year] = conn.execute(sa.text(
                    "INSERT INTO analysis_runs (lgu_code, tax_year, started_at)"
                    " VALUES (:lgu, :y, CAST(:t AS timestamptz)) RETURNING id"
                ), {"lgu": LGU, "y": year, "t": started}).scalar_one()
        return self.runs[year]

    def finding(self, code: str, flags: list[str], gap: float | None, *,
                year: int = YEAR) -> int:
        if code not in self.ids:
            self.ids[code] = self.town.parcel(code, rect(30 * len(self.ids), 0, 20, 20))
        with self.engine.begin() as conn:
            return int(conn.execute(sa.text(
                "INSERT INTO findings (lgu_code, tax_year, analysis_run_id, parcel_id, parcel_code,"
                " flags, gap, priority, reason_th) VALUES (:lgu, :y, :run, :pid, :code, :flags,"
                " :gap, 1, 'planted') RETURNING id"
            ), {"lgu": LGU, "y": year, "run": self.run(year), "pid": self.ids[code],
                "code": code, "flags": flags, "gap": gap}).scalar_one())

    def visit(self, code: str, outcome: str, day: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO survey_visits (lgu_code, parcel_code, parcel_code_norm, visited_at,"
                " outcome, content_key) VALUES (:lgu, :code, :norm, CAST(:day AS date), :outcome,"
                " :key)"
            ), {"lgu": LGU, "code": code, "norm": normalise_parcel_code(code), "day": day,
                "outcome": outcome, "key": f"{code}/{day}/{outcome}"})

    def min_gap(self, baht: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO municipalities (lgu_code, field_min_gap) VALUES (:lgu, :gap)"
            ), {"lgu": LGU, "gap": baht})

    def work(self) -> dict[int, Work]:
        with self.engine.connect() as conn:
            return read_work(conn, lgu_code=LGU, year=YEAR)


@pytest.fixture
def planted(clean_db: Engine) -> Planted:
    return Planted(clean_db)


def test_desk_codes_alone_never_make_a_field_stop_however_large_the_gap() -> None:
    for code in ("ARREARS", "DUPLICATE_RECORD", "ORPHAN_RECORD"):
        assert classify([code], 1_000_000.0, field_min_gap=200) == Work(False, (code,))
    assert classify(["ARREARS", "DUPLICATE_RECORD"], 9e9, field_min_gap=200) == Work(
        False, ("ARREARS", "DUPLICATE_RECORD"))
    # A parcel that is both: a field stop, and on the desk list for its desk code.
    assert classify(["UNDERPAID", "ARREARS"], 5000.0, field_min_gap=200) == Work(
        True, ("ARREARS",))
    # Unregistered and undeclared buildings are visited whatever the gap, unknown too.
    assert classify(["UNREGISTERED"], None, field_min_gap=200) == Work(True, ())
    assert classify(["UNDECLARED_BUILDING"], 0.0, field_min_gap=200) == Work(True, ())
    assert classify(["USE_MISMATCH"], None, field_min_gap=200) == Work(False, ("SMALL_GAP",))


def test_the_200_baht_boundary_with_the_default_minimum(planted: Planted) -> None:
    under = planted.finding("G-199", ["UNDERPAID"], 199.0)
    at = planted.finding("G-200", ["UNDERPAID"], 200.0)
    rounded = planted.finding("G-19999", ["AREA_MISMATCH"], 199.995)  # shown as 200.00
    just = planted.finding("G-19998", ["AREA_MISMATCH"], 199.994)  # shown as 199.99
    work = planted.work()
    assert work[under] == Work(False, ("SMALL_GAP",))
    assert work[at] == Work(True, ())
    assert (work[rounded].field, work[just].field) == (True, False)


def test_a_municipality_s_own_field_min_gap_comes_from_the_municipalities_table(
    planted: Planted,
) -> None:
    small = planted.finding("G-150", ["UNDERPAID"], 150.0)
    mid = planted.finding("G-199", ["UNDERPAID"], 199.0)
    big = planted.finding("G-500", ["UNDERPAID"], 500.0)
    planted.min_gap(150)
    assert [planted.work()[i].field for i in (small, mid, big)] == [True, True, True]
    with planted.engine.begin() as conn:
        conn.execute(sa.text("UPDATE municipalities SET field_min_gap = 501"))
    assert [planted.work()[i].field for i in (small, mid, big)] == [False, False, False]


def test_a_parcel_a_survey_resolved_stays_off_until_flagged_for_a_new_code(
    planted: Planted,
) -> None:
    planted.run(YEAR - 1, started="2023-06-01")  # the previous year's findings were made then
    for code, flags in (("R-1", ["UNREGISTERED"]), ("R-2", ["UNDERPAID"]),
                        ("R-3", ["UNDERPAID", "ARREARS"]), ("N-1", ["UNREGISTERED"]),
                        ("E-1", ["UNREGISTERED"])):
        planted.finding(code, flags, 5000.0, year=YEAR - 1)
    planted.visit("R-1", "registered", "2023-08-14")
    planted.visit("R-2", "corrected", "2023-06-01")  # the day the findings were made counts
    planted.visit("R-3", "corrected", "2023-09-01")
    planted.visit("N-1", "no_change", "2023-08-14")  # not resolved: nothing was put right
    planted.visit("E-1", "registered", "2023-05-31")  # before last year's findings existed
    same = planted.finding("R-1", ["UNREGISTERED"], 5000.0)
    new_code = planted.finding("R-2", ["UNDERPAID", "USE_MISMATCH"], 5000.0)
    desk_too = planted.finding("R-3", ["UNDERPAID", "ARREARS"], 5000.0)
    no_change = planted.finding("N-1", ["UNREGISTERED"], 5000.0)
    early = planted.finding("E-1", ["UNREGISTERED"], 5000.0)
    never = planted.finding("F-1", ["UNREGISTERED"], 5000.0)  # not flagged last year
    work = planted.work()
    assert work[same] == Work(False, ("RESOLVED",))
    assert work[new_code] == Work(True, ())  # back: USE_MISMATCH is new
    assert work[desk_too] == Work(False, ("ARREARS", "RESOLVED"))
    assert [work[i].field for i in (no_change, early, never)] == [True, True, True]
    # A later visit that found nothing put right makes it a field stop again.
    planted.visit("R-1", "no_change", "2024-02-01")
    assert planted.work()[same] == Work(True, ())


def test_maps_and_forms_hold_the_field_list_and_the_desk_list_the_rest(
    planted: Planted, tmp_path
) -> None:
    from gisrev.survey import write_survey_forms

    planted.run(YEAR - 1, started="2023-06-01")
    planted.finding("R-1", ["UNREGISTERED"], 5000.0, year=YEAR - 1)
    planted.visit("R-1", "registered", "2023-08-14")
    for code, flags, gap in (("R-1", ["UNREGISTERED"], 5000.0),
                             ("U-1", ["UNDERPAID", "ARREARS"], 5000.0),
                             ("A-1", ["ARREARS"], 8000.0), ("S-1", ["UNDERPAID"], 199.0),
                             ("B-1", ["UNDECLARED_BUILDING"], 10.0)):
        planted.finding(code, flags, gap)
    report = make_maps(planted.engine, tmp_path / "maps", year=YEAR, lgu_code=LGU)
    stops = [r["parcel_code"] for p in report.packages
             for r in csv.DictReader(p.csv.read_text(encoding="utf-8-sig").splitlines())]
    assert sorted(stops) == ["B-1", "U-1"] and report.n_field == 2
    sheet = openpyxl.load_workbook(report.desk_list).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"R-1", "U-1", "A-1", "S-1"} and report.n_desk == 4
    todo = [c.value for c in sheet[1]].index("สิ่งที่ต้องทำ (อังกฤษ) / what to do")
    assert rows["R-1"][todo] == "resolved by survey, awaiting the register"
    assert rows["U-1"][todo] == "follow up the payment" and rows["U-1"][-1] == 1  # package 1
    assert rows["S-1"][todo] == "gap below the field minimum: check from the papers"
    [form] = write_survey_forms(planted.engine, tmp_path / "forms", year=YEAR, lgu_code=LGU)
    with form.csv.open(encoding="utf-8-sig") as fh:
        assert sorted(r["parcel_code"] for r in csv.DictReader(fh)) == ["B-1", "U-1"]
