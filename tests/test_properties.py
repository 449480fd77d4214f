"""Properties (hypothesis) of the parcel-code normaliser and the register parser.

The normaliser must make the codes two offices write for one parcel equal, and
keep different parcels different. The register parser must turn any row a
spreadsheet can hold into canonical values or one reject that names the field:
never another exception, never a negative sum, never an ID that is not 13 digits.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from gisrev.config import Settings
from gisrev.errors import InputError
from gisrev.load import load_register
from gisrev.load._register_read import csv_rows
from gisrev.load._register_row import Rejected, RowParser
from gisrev.load.normalise import normalise_parcel_code, parse_number
from gisrev.years import to_ce_year

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
CODE_CHARS = "ABCDEFGHJKMNPQRSTUVWXYZ0123456789กขคงจชซดตนบปผพมยรลวสหอ"
# What offices put between the parts of one code: spaces, hyphens, dots, and the
# invisible or look-alike ones spreadsheets and Thai word processors insert.
SEPARATORS = [" ", "-", ".", "\u00a0", "\u200b", "\u2013", "\u2010", "\u2212", "\t", "\ufeff"]

bare_codes = st.text(alphabet=CODE_CHARS, min_size=1, max_size=14)


@st.composite
def spellings(draw: st.DrawFn, code: str) -> str:
    """One way an office might write ``code``: case, Thai digits, separators, padding."""
    out = []
    for ch in code:
        if ch.isdigit() and draw(st.booleans()):
            ch = THAI_DIGITS[int(ch)]
        elif ch.isascii() and ch.isalpha() and draw(st.booleans()):
            ch = ch.lower()
        out.append(ch)
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
    pad = st.text(alphabet=" \t\u00a0", max_size=2)
    return draw(pad) + "".join(out) + draw(pad)


# ------------------------------------------------------------ the code normaliser

@settings(max_examples=400, deadline=None)
@given(st.data(), bare_codes)
def test_every_spelling_of_a_code_normalises_to_the_same_code(data: st.DataObject,
                                                              code: str) -> None:
    a, b = data.draw(spellings(code)), data.draw(spellings(code))
    assert normalise_parcel_code(a) == normalise_parcel_code(b) == code


@settings(max_examples=400, deadline=None)
@given(bare_codes, bare_codes)
def test_different_codes_stay_different(a: str, b: str) -> None:
    assume(a != b)
    assert normalise_parcel_code(a) != normalise_parcel_code(b)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=30))
def test_normalising_any_text_is_idempotent_and_leaves_no_separator(text: str) -> None:
    once = normalise_parcel_code(text)
    assert normalise_parcel_code(once) == once
    assert not any(sep in once for sep in SEPARATORS)
    assert not any(d in once for d in THAI_DIGITS)


# ------------------------------------------------------------ the register parser

HEADER = ["parcel_code", "tax_year", "owner_id", "owner_type", "declared_use",
          "declared_area_rai", "declared_area_ngan", "declared_area_wah", "land_value",
          "tax_assessed", "tax_paid", "paid_date"]
PARSER = RowParser({h: h for h in HEADER}, HEADER, mapping=None, year=None)
NEXT_YEAR = dt.date.today().year + 1


def thai(text: str) -> str:
    return text.translate(str.maketrans("0123456789", THAI_DIGITS))


@st.composite
def money(draw: st.DrawFn) -> tuple[Any, float]:
    """A sum of baht as a spreadsheet cell might hold it, and its value."""
    satang = draw(st.integers(0, 10**11))
    value = satang / 100
    form = draw(st.sampled_from(["float", "int", "plain", "commas", "thai", "spaced"]))
    if form == "float":
        return value, value
    if form == "int":
        return satang // 100, float(satang // 100)
    text = {"plain": f"{value:.2f}", "commas": f"{value:,.2f}", "thai": thai(f"{value:,.2f}"),
            "spaced": f" {value:.2f} "}[form]
    return text, float(f"{value:.2f}")


@st.composite
def good_rows(draw: st.DrawFn) -> tuple[list[Any], dict[str, Any]]:
    """A valid register row and the canonical values it must give."""
    ce = draw(st.integers(1990, NEXT_YEAR))
    year = draw(st.sampled_from([ce, ce + 543, str(ce + 543), thai(str(ce + 543))]))
    digits = draw(st.text(alphabet="0123456789", min_size=13, max_size=13))
    owner_id = draw(st.sampled_from([
        digits, f"{digits[0]}-{digits[1:5]}-{digits[5:10]}-{digits[10:12]}-{digits[12]}",
        thai(digits), f"{digits[:4]} {digits[4:]}"]))
    use, canonical_use = draw(st.sampled_from([
        ("ที่อยู่อาศัย", "residential"), ("เกษตรกรรม", "agriculture"), ("Other", "other"),
        (" vacant ", "vacant"), ("อื่นๆ", "other")]))
    rai, ngan, wah = draw(st.integers(0, 500)), draw(st.integers(0, 3)), draw(st.integers(0, 99))
    land, assessed, paid = draw(money()), draw(money()), draw(money())
    day = draw(st.dates(dt.date(2000, 1, 1), dt.date.today()))
    paid_date = draw(st.sampled_from([day, f"{day.day}/{day.month}/{day.year + 543}",
                                      day.isoformat()]))
    row = [draw(bare_codes), year, owner_id, draw(st.sampled_from(["", "individual", "juristic"])),
           use, str(rai), thai(str(ngan)), wah, land[0], assessed[0], paid[0], paid_date]
    want = {"tax_year": ce, "owner_id": digits, "declared_use": canonical_use,
            "declared_area_sqwah": rai * 400.0 + ngan * 100.0 + wah, "land_value": land[1],
            "tax_assessed": assessed[1], "tax_paid": paid[1], "paid_date": day}
    return row, want


@settings(max_examples=300, deadline=None)
@given(good_rows())
def test_valid_rows_give_their_canonical_values(case: tuple[list[Any], dict[str, Any]]) -> None:
    row, want = case
    got = PARSER.parse(row)
    assert {k: got[k] for k in want} == want
    assert got["parcel_code_norm"] == normalise_parcel_code(str(row[0]))
    assert got["owner_type"] in ("individual", "juristic")


cells = st.one_of(
    st.none(), st.text(max_size=12), st.integers(-10**15, 10**15),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.dates(), st.datetimes(), st.sampled_from(["", " ", "-", "๒๕๖๖", "2566", "1,000", "=A1"]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(cells, min_size=0, max_size=len(HEADER) + 2))
def test_any_row_parses_or_is_rejected_with_its_field(row: list[Any]) -> None:
    try:
        got = PARSER.parse(row)
    except Rejected as bad:
        assert bad.field in {*HEADER, "declared_area_sqwah"}
        assert bad.fix and "\n" not in bad.fix + bad.problem
        return
    assert got["parcel_code"] and got["parcel_code"] == got["parcel_code"].strip()
    assert 1900 <= got["tax_year"] <= NEXT_YEAR
    assert got["owner_id"] is None or (len(got["owner_id"]) == 13 and got["owner_id"].isdigit())
    for field in ("declared_area_sqwah", "land_value", "tax_assessed", "tax_paid"):
        assert got[field] is None or got[field] >= 0.0
    assert got["declared_use"] in ("agriculture", "residential", "other", "vacant", "mixed",
                                   "residential-primary", "residential-primary-building",
                                   "residential-other")


csv_text = st.text(alphabet=st.characters(codec="cp874", exclude_characters="\r\x00"),
                   max_size=15)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(csv_text, min_size=3, max_size=3), max_size=6),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp874"]),
       delimiter=st.sampled_from([",", ";", "\t", "|"]))
def test_csv_cells_come_back_exactly_in_every_encoding_and_delimiter(
    rows: list[list[str]], encoding: str, delimiter: str
) -> None:
    header = ["รหัสแปลง", "ปีภาษี", "ชื่อเจ้าของ"]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows([header, *rows])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        path.write_bytes(buffer.getvalue().encode(encoding))
        back = [cells for _, cells in csv_rows(str(path), None)]
    assert back == [header, *rows]


def test_numbers_and_years_round_trip_through_their_written_forms() -> None:
    @given(st.integers(0, 10**12), st.integers(1900, 2200))
    @settings(max_examples=300, deadline=None)
    def check(satang: int, ce: int) -> None:
        value = satang / 100
        for text in (f"{value:,.2f}", thai(f"{value:,.2f}"), f"฿{value:.2f}"):
            assert parse_number(text) == pytest.approx(value, abs=0.005)
        assert to_ce_year(ce) == to_ce_year(ce + 543) == to_ce_year(thai(str(ce + 543))) == ce

    check()


# ------------------------------------------------------------ the whole load, in PostGIS

def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.one_of(good_rows().map(lambda case: case[0]),
                          st.lists(cells, min_size=len(HEADER), max_size=len(HEADER))),
                min_size=1, max_size=8))
def test_every_row_is_loaded_or_rejected_and_loaded_rows_are_exact(
    engine: Engine, rows: list[list[Any]]
) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE rejects, register, load_runs RESTART IDENTITY CASCADE"))
    text_rows = [[_csv_cell(v) for v in row] for row in rows]
    expected, n_rejected, n_totals = [], 0, 0
    last = max((i for i, row in enumerate(text_rows, start=2) if any(v.strip() for v in row)),
               default=0)
    for row_no, row in enumerate(text_rows, start=2):
        if all(not v.strip() for v in row):
            continue  # blank lines are skipped, not rejected
        if PARSER.is_totals(row, last=row_no == last):
            n_totals += 1  # a last row of numbers with no parcel code: skipped and counted
            continue
        try:
            got = PARSER.parse(row)
        except Rejected:
            n_rejected += 1
            continue
        expected.append((row_no, got["parcel_code"], got["tax_year"], got["owner_id"],
                         got["tax_paid"]))
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([HEADER, *text_rows])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        try:
            report = load_register(engine, path, settings=Settings(lgu_code="P"))
        except InputError as exc:
            assert not expected and "no register row could be loaded" in str(exc)
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM load_runs")).scalar_one() == 0
            return
    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text(
            "SELECT source_row, parcel_code, tax_year, owner_id, tax_paid FROM register "
            "ORDER BY source_row"))]
        n_rejects = conn.execute(sa.text("SELECT count(*) FROM rejects")).scalar_one()
    assert stored == expected
    assert (report.n_loaded, report.n_rejected, n_rejects) == (len(expected), n_rejected,
                                                               n_rejected)
    assert report.n_skipped == n_totals


def test_the_vectorised_normaliser_agrees_with_the_python_one() -> None:
    import pyarrow as pa

    from gisrev.load._attributes import normalised_codes as arrow

    # Codes as offices write them (upper-casing of letters such as 'ß' may differ; no
    # parcel code holds them).
    written = st.text(alphabet=CODE_CHARS + "abcxyz" + THAI_DIGITS + "".join(SEPARATORS),
                      max_size=14)

    @given(st.lists(written, min_size=1, max_size=20))
    @settings(max_examples=200, deadline=None)
    def check(codes: list[str]) -> None:
        got = [code or None for code in arrow(pa.array(codes)).to_pylist()]
        want = [normalise_parcel_code(c) or None for c in codes]
        assert got == want

    check()
