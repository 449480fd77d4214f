"""Owners: fake Thai names and 13-digit identification numbers with a valid check digit."""

from __future__ import annotations

import numpy as np

from gisrev.load._personal import thai_id_check_digit
from gisrev.sample import _names


def fake_ids(rng: np.random.Generator, n: int, *, juristic: np.ndarray) -> np.ndarray:
    """Fake identification numbers: citizens start 1-5, Chiang Mai companies 0505."""
    digits = rng.integers(0, 10, size=(n, 12))
    digits[:, 0] = rng.integers(1, 6, size=n)
    digits[juristic, :4] = [0, 5, 0, 5]
    full = np.column_stack([digits, thai_id_check_digit(digits)])
    return np.array(["".join(map(str, row)) for row in full], dtype=object)


def fake_names(rng: np.random.Generator, n: int, *, juristic: np.ndarray) -> np.ndarray:
    """Fake owner names: title, given name and surname, or a company name."""
    female = rng.random(n) < 0.5
    male_given = np.array(_names.MALE_GIVEN, dtype=object)
    female_given = np.array(_names.FEMALE_GIVEN, dtype=object)
    given = np.where(
        female,
        female_given[rng.integers(0, len(female_given), n)],
        male_given[rng.integers(0, len(male_given), n)],
    )
    title = np.where(female, np.where(rng.random(n) < 0.6, "นาง", "นางสาว"), "นาย")
    surname = np.array(_names.SURNAMES, dtype=object)[rng.integers(0, len(_names.SURNAMES), n)]
    person = title + given + " " + surname
    words = np.array(_names.COMPANY_WORDS, dtype=object)
    word = words[rng.integers(0, len(words), n)]
    trade = np.array(_names.COMPANY_TRADES, dtype=object)[
        rng.integers(0, len(_names.COMPANY_TRADES), n)
    ]
    company = np.where(
        rng.random(n) < 0.7, "บริษัท " + word + trade + " จำกัด", "ห้างหุ้นส่วนจำกัด " + word + trade
    )
    return np.where(juristic, company, person)
