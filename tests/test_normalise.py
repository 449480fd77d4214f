from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gisrev.load.normalise import (
    mask_id,
    normalise_parcel_code,
    parse_number,
    sqwah_from_rai_ngan_wah,
)
from gisrev.years import thai_to_arabic_digits, to_ce_year


def test_thai_digits_become_arabic() -> None:
    assert thai_to_arabic_digits("โฉนด ๑๒๓๔๕") == "โฉนด 12345"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" ab-๐๑.23 4 ", "AB01234"), ("50-1004-0012", "5010040012"), ("ก.ข-๙", "กข9")],
)
def test_parcel_codes_match_after_normalising(raw: str, expected: str) -> None:
    assert normalise_parcel_code(raw) == expected


@given(st.text(alphabet="0123456789ABab -.", min_size=1, max_size=12))
def test_normalising_is_idempotent(code: str) -> None:
    once = normalise_parcel_code(code)
    assert normalise_parcel_code(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2566", 2023), ("๒๕๖๖", 2023), (2024, 2024), (2567.0, 2024), (" 2,566 ", 2023)],
)
def test_be_years_become_ce(raw: object, expected: int) -> None:
    assert to_ce_year(raw) == expected


@pytest.mark.parametrize("raw", ["25x6", "", "66", 2566.5])
def test_bad_years_say_what_was_expected(raw: object) -> None:
    with pytest.raises(ValueError, match="a year such as 2566"):
        to_ce_year(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234,567.50", 1234567.5),
        ("๑,๒๓๔", 1234.0),
        (" 12 500 ", 12500.0),
        (7, 7.0),
        ("", None),
        (None, None),
        (float("nan"), None),
        ("฿1,000", 1000.0),
    ],
)
def test_numbers_as_exports_write_them(raw: object, expected: float | None) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["12a", "1.2.3", "--5", True])
def test_non_numbers_are_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="number"):
        parse_number(raw)


def test_rai_ngan_wah_to_square_wah() -> None:
    assert sqwah_from_rai_ngan_wah(1, 2, "๓๕.๕") == 400 + 200 + 35.5
    assert sqwah_from_rai_ngan_wah("", None, "") is None
    assert sqwah_from_rai_ngan_wah(None, None, 50) == 50
    with pytest.raises(ValueError, match="non-negative"):
        sqwah_from_rai_ngan_wah(-1, 0, 0)


def test_owner_ids_are_masked_to_their_last_four_characters() -> None:
    masked = mask_id("3100600123456")
    assert masked == "*********3456"
    assert "31006" not in masked


@given(
    st.lists(
        st.one_of(st.none(), st.text(alphabet="0123456789๐๑๒๓๔๕๖๗๘๙ABabกข -.\t", max_size=10)),
        max_size=20,
    )
)
def test_the_vectorised_loader_normalises_codes_exactly_like_the_function(
    codes: list[str | None],
) -> None:
    import pyarrow as pa

    from gisrev.load._attributes import normalised_codes

    got = normalised_codes(pa.array(codes, pa.string())).to_pylist()
    expected = [None if c is None or not c.strip() else normalise_parcel_code(c) for c in codes]
    assert got == expected
