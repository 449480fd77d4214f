"""Thai national ID numbers found by their value, so that no load stores them in ``attrs``.

Loads keep a source's unmapped columns in ``attrs``, which maps, exports and a read-only
role may read. Under PDPA an owner's identity number is personal data: a column whose
header names an ID is withheld by the register load, and any cell that *is* an ID
number, whatever its header, is withheld here. An ID number is 13 digits (Thai or
Arabic, spaces and dashes between them ignored) whose last digit is the check digit of
the first twelve. One rule, :func:`thai_id_check_digit`, serves the sample town's fake
numbers too.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gisrev.load.normalise import thai_to_arabic_digits

_ID_WEIGHTS = np.arange(13, 1, -1)  # 13, 12, ..., 2 for the first twelve digits
#: Ignored between an ID's digits, as literal characters so that Python's ``re`` and
#: Arrow's RE2 read the class alike: whitespace, no-break and zero-width spaces, the
#: hyphen and the dashes and minus sign word processors put in its place.
ID_SEPARATORS = "[\t\n\v\f\r \xa0\u2007\u200b\u202f\\-\u2010-\u2015\u2212]+"
_ID_DROP = re.compile(ID_SEPARATORS)
_ID_LENGTH = 13
_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"


def thai_id_check_digit(first12: np.ndarray) -> np.ndarray:
    """Check digit of Thai 13-digit identification numbers.

    Parameters
    ----------
    first12
        Integer array of shape (n, 12): the first twelve digits.

    Returns
    -------
    numpy.ndarray
        The thirteenth digit: ``(11 - sum(d_i * (14 - i)) mod 11) mod 10``.

    Examples
    --------
    >>> int(thai_id_check_digit(np.array([[1, 1, 0, 1, 7, 0, 0, 2, 3, 4, 5, 6]]))[0])
    8
    """
    return (11 - (first12 @ _ID_WEIGHTS) % 11) % 10


def thai_id_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Return True where a text value is a Thai national ID number (vectorised).

    Parameters
    ----------
    values
        Text (``string`` or ``large_string``); nulls are not ID numbers.

    Returns
    -------
    numpy.ndarray
        Booleans, one per value.

    Examples
    --------
    >>> thai_id_mask(pa.array(["3-1005-01234-56-7", "๑๑๐๑๗๐๐๒๓๔๕๖๘", "1101700234567", None]))
    array([False,  True, False, False])
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    mask = np.zeros(len(values), dtype=bool)
    # Most cells of most columns are shorter than an ID: only the rest go through the regex.
    long_enough = _fill(pc.greater_equal(pc.utf8_length(values), _ID_LENGTH))
    where = np.flatnonzero(long_enough)
    if not len(where):
        return mask
    text = _arabic(values.take(pa.array(where))).cast(pa.string())
    digits = pc.replace_substring_regex(text, ID_SEPARATORS, "")
    thirteen = _fill(pc.match_substring_regex(digits, r"^\d{13}$"))  # RE2: \d is ASCII
    where = where[thirteen]
    if not len(where):
        return mask
    candidates = digits.filter(pa.array(thirteen))
    # Each candidate is 13 ASCII bytes back to back in the data buffer: a (k, 13) matrix.
    offsets = np.frombuffer(candidates.buffers()[1], np.int32)
    start, end = offsets[candidates.offset], offsets[candidates.offset + len(candidates)]
    data = np.frombuffer(candidates.buffers()[2], np.uint8)[start:end]
    matrix = (data - ord("0")).reshape(-1, _ID_LENGTH).astype(np.int64)
    mask[where] = thai_id_check_digit(matrix[:, :12]) == matrix[:, 12]
    return mask


def thai_id_number_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Return True where a number is a Thai national ID number (a DBF number field's).

    A whole number from 10^12 up to 10^13 whose last digit is the check digit of the
    twelve before it; nulls and fractions are not.

    Examples
    --------
    >>> thai_id_number_mask(pa.array([1101700234568, 1101700234567, 12, None]))
    array([ True, False, False, False])
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    number = np.asarray(pc.fill_null(values, 0).to_numpy(zero_copy_only=False), dtype=np.float64)
    candidate = (number >= 1e12) & (number < 1e13) & (number == np.floor(number))
    mask = np.zeros(len(number), dtype=bool)
    if candidate.any():
        whole = number[candidate].astype(np.int64)
        digits = whole[:, None] // 10 ** np.arange(_ID_LENGTH - 1, -1, -1, dtype=np.int64) % 10
        mask[candidate] = thai_id_check_digit(digits[:, :12]) == digits[:, 12]
    return mask


def is_thai_id(value: Any) -> bool:
    """Return True when one cell is a Thai national ID number (text or a whole number).

    The per-row twin of :func:`thai_id_mask`, for the register's per-row parser; a
    spreadsheet cell holding the number itself counts too.

    Examples
    --------
    >>> is_thai_id("1 1017 00234 56 8"), is_thai_id(1101700234568), is_thai_id("1101700234567")
    (True, True, False)
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or len(value) < _ID_LENGTH:
        return False
    digits = _ID_DROP.sub("", thai_to_arabic_digits(value))
    if not (len(digits) == _ID_LENGTH and digits.isascii() and digits.isdigit()):
        return False
    d = np.frombuffer(digits.encode("ascii"), np.uint8).astype(np.int64) - ord("0")
    return bool(thai_id_check_digit(d[None, :12])[0] == d[12])


#: A run of digits that may hold an ID with its separators, for Arrow's RE2 (a pre-filter).
_DIGIT_RUN_RE2 = f"[0-9{_THAI_DIGITS}](?:{ID_SEPARATORS[:-1]}*[0-9{_THAI_DIGITS}]){{12}}"
#: The digit groups of one run of digits and separators, for Python's re.
_RUN = re.compile(f"[0-9{_THAI_DIGITS}]+(?:{ID_SEPARATORS}[0-9{_THAI_DIGITS}]+)*")
_GROUP = re.compile(f"[0-9{_THAI_DIGITS}]+")


def mask_embedded_ids(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Mask the Thai national ID numbers written inside longer text with ``x``.

    "โทร 081-234-5678 บัตร 1-1017-00234-56-8" becomes "โทร 081-234-5678 บัตร
    x-xxxx-xxxxx-xx-x": thirteen digits in a row of digit groups (spaces or dashes
    between them) whose check digit is valid. A value that is an ID number and
    nothing else is left to :func:`thai_id_mask`, which leaves the whole cell out.

    Returns
    -------
    tuple
        The text, and True for each value that had an ID number masked.

    Examples
    --------
    >>> text, masked = mask_embedded_ids(pa.array(["บัตร 1101700234568 ค่ะ", "ref 1101700234567"]))
    >>> text.to_pylist(), masked.tolist()
    (['บัตร xxxxxxxxxxxxx ค่ะ', 'ref 1101700234567'], [True, False])
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    # Only values with thirteen digits in a row (separators allowed) go through Python.
    mask = np.zeros(len(values), dtype=bool)
    where = np.flatnonzero(_fill(pc.match_substring_regex(values, _DIGIT_RUN_RE2)))
    if len(where):  # a value that is an ID and nothing else is thai_id_mask's, not ours
        where = where[~thai_id_mask(values.take(pa.array(where)))]
    if not len(where):
        return values, mask
    masked = [mask_text(text) for text in values.take(pa.array(where)).to_pylist()]
    changed = np.array([new is not None for new in masked], dtype=bool)
    if not changed.any():
        return values, mask
    mask[where[changed]] = True
    replacements = pa.array([new for new in masked if new is not None], values.type)
    return pc.replace_with_mask(values, pa.array(mask), replacements), mask


def mask_text(text: str) -> str | None:
    """Return ``text`` with the ID numbers inside it masked, or None when it holds none.

    The per-cell twin of :func:`mask_embedded_ids`, for the register's per-row parser.
    """
    out = text
    for run in _RUN.finditer(text):
        groups = list(_GROUP.finditer(run.group()))
        sizes = [len(g.group()) for g in groups]
        for first in range(len(groups)):  # groups first..last holding exactly 13 digits
            total = 0
            for last in range(first, len(groups)):
                total += sizes[last]
                if total >= _ID_LENGTH:
                    break
            if total != _ID_LENGTH:
                continue
            start = run.start() + groups[first].start()
            end = run.start() + groups[last].end()
            if is_thai_id(text[start:end]):
                out = (
                    out[:start]
                    + _GROUP.sub(lambda g: "x" * len(g.group()), out[start:end])
                    + out[end:]
                )
    return None if out == text else out


def withheld_warning(source: str, column: str, count: int) -> str:
    """Return the load warning for a column's ID numbers that were not stored (no values)."""
    if count == 1:
        values, them = "value that looks like a national ID number", "it was"
    else:
        values, them = "values that look like national ID numbers", "they were"
    return (
        f"{source}: column {column!r} held {count} {values} (13 digits with a valid check "
        f"digit); {them} not stored"
    )


def masked_warning(source: str, column: str, count: int) -> str:
    """Return the load warning for a column's text that had ID numbers masked (no values)."""
    values = "value" if count == 1 else "values"
    return (
        f"{source}: column {column!r} held {count} {values} with a national ID number inside "
        "the text; the number was stored as x's"
    )


def _fill(mask: pa.Array) -> np.ndarray:
    return np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _arabic(text: pa.Array) -> pa.Array:
    """Return the text with Thai digits replaced by Arabic ones (skipped when none)."""
    if not pc.any(pc.match_substring_regex(text, f"[{_THAI_DIGITS}]")).as_py():
        return text
    for arabic, thai in enumerate(_THAI_DIGITS):
        text = pc.replace_substring(text, thai, str(arabic))
    return text
