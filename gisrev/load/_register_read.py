"""Reading a register file's rows: CSV in any of its encodings, or an XLSX sheet.

Both give the file's records with their spreadsheet row numbers (header = row 1),
read as they go, so a register of any length is never held whole. A CSV's encoding
is settled before the first row is read (a wrong guess never surfaces halfway through
a load); an XLSX formula cell that has no saved result comes back as :class:`Formula`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
from collections import Counter
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from gisrev.errors import InputError

#: A file's numbered records: (spreadsheet row number, cells).
Records = Iterator[tuple[int, list[Any]]]

_BOM = b"\xef\xbb\xbf"
_SCAN_BYTES = 1 << 20
_DELIMITER_LINES = 20  # the header is searched for in as many rows
_XLSX = {".xlsx", ".xlsm"}
_CSV = {".csv", ".txt", ".tsv"}


def is_workbook(source: str) -> bool:
    """Tell whether the register is an XLSX workbook (by its suffix)."""
    return Path(source).suffix.lower() in _XLSX


def register_records(
    source: str, *, sheet: str | None, encoding: str | None
) -> contextlib.AbstractContextManager[Records]:
    """Open a ``.csv`` or ``.xlsx`` register; the context gives its numbered records.

    Raises
    ------
    InputError
        When the suffix is neither (nothing is opened), or, on entering, when the
        file cannot be read.
    """
    suffix = Path(source).suffix.lower()
    if suffix in _XLSX:
        return _xlsx_records(source, sheet)
    if suffix in _CSV:
        return _csv_records(source, encoding)
    msg = f"{source}: unknown register format {suffix!r}; expected .csv or .xlsx"
    raise InputError(msg)


def _csv_encoding(path: str, encoding: str | None) -> tuple[str, bool]:
    """Return the CSV's text encoding and whether to skip a UTF-8 byte-order mark.

    Detection reads the file once in blocks (UTF-8 with or without a BOM, else cp874,
    the Thai Windows code page), so a wrong guess never surfaces halfway through a load.
    """
    if encoding:
        try:
            _scan(path, encoding, skip=0)
        except (LookupError, _Undecodable) as exc:
            msg = f"{path}: cannot decode as {encoding} ({exc}); try --encoding utf-8 or cp874"
            raise InputError(msg) from exc
        return encoding, False
    try:
        _scan(path, "utf-8-sig", skip=0)  # with or without a byte-order mark
        return "utf-8", True
    except _Undecodable:
        pass
    with open(path, "rb") as fh:
        bom = len(_BOM) if fh.read(len(_BOM)) == _BOM else 0  # a BOM on cp874 text
    try:
        _scan(path, "cp874", skip=bom)
    except _Undecodable as exc:
        msg = (
            f"{path}: text is neither UTF-8 nor cp874 (Thai Windows) at byte {exc.start}; "
            "save it as UTF-8 or pass --encoding"
        )
        raise InputError(msg) from exc
    return "cp874", True


class _Undecodable(ValueError):
    """A byte the encoding cannot decode, at its offset in the whole file."""

    def __init__(self, exc: UnicodeDecodeError, offset: int) -> None:
        self.start = offset + exc.start
        byte = exc.object[exc.start : exc.start + 1].hex()
        super().__init__(
            f"{exc.encoding!r} codec can't decode byte 0x{byte} at byte {self.start}: {exc.reason}"
        )


def _scan(path: str, encoding: str, *, skip: int) -> None:
    """Decode the file block by block; raise _Undecodable at the first byte that fails."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(path, "rb") as fh:
        fh.seek(skip)
        while block := fh.read(_SCAN_BYTES):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise _Undecodable(exc, offset) from None
            offset += len(block)
        decoder.decode(b"", final=True)


def csv_rows(path: str, encoding: str | None) -> Records:
    """Yield the CSV's records with their spreadsheet row numbers, reading as it goes."""
    with _csv_records(path, encoding) as rows:
        yield from rows


@contextlib.contextmanager
def _csv_records(path: str, encoding: str | None) -> Iterator[Records]:
    """Open the CSV and give its numbered records as a C-level iterator (no Python per row)."""
    text_encoding, skip_bom = _csv_encoding(path, encoding)
    with _open_text(path, text_encoding, skip_bom=skip_bom) as text:
        delimiter = _delimiter(text)
    with _open_text(path, text_encoding, skip_bom=skip_bom) as text:
        yield enumerate(csv.reader(text, delimiter=delimiter), start=1)


def _delimiter(text: io.TextIOWrapper) -> str:
    """Return the delimiter (, ; tab or |) that splits the top records most consistently.

    The top records, not the first line alone: title rows above the header (a
    municipality's name, a report title) may hold no delimiter, or a comma inside their
    text. The delimiter is the one under which most records have the same number of
    cells, more than one (the header's and each row's), so the thousands separators in
    ``1,234.50`` cannot outvote ``;``; quoted cells are read as the CSV reader reads them.
    """
    top = ""
    while top.count("\n") <= _DELIMITER_LINES and len(top) < _SCAN_BYTES:
        block = text.read(1 << 16)
        if not block:
            break
        top += block
    else:
        top = top[: top.rfind("\n")]  # read on: drop the line the last block cut

    def agreement(delimiter: str) -> tuple[int, int]:
        # (how many records have the most common cell count above one, that count)
        reader = csv.reader(io.StringIO(top, newline=""), delimiter=delimiter)
        counts: Counter[int] = Counter()
        with contextlib.suppress(csv.Error):  # a line cut short: what was read still counts
            counts.update(len(r) for r in itertools.islice(reader, _DELIMITER_LINES) if len(r) > 1)
        return max(((k, n) for n, k in counts.items()), default=(0, 0))

    return max(",;\t|", key=agreement)


@contextlib.contextmanager
def _xlsx_records(path: str, sheet: str | None) -> Iterator[Records]:
    rows = _xlsx_rows(path, sheet)
    try:
        yield rows
    finally:
        rows.close()


def _open_text(path: str, encoding: str, *, skip_bom: bool) -> io.TextIOWrapper:
    raw = open(path, "rb")  # the wrapper closes it
    if not (skip_bom and raw.read(len(_BOM)) == _BOM):
        raw.seek(0)
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def _xlsx_rows(path: str, sheet: str | None) -> Generator[tuple[int, list[Any]], None, None]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        msg = f"{path}: not a readable XLSX workbook ({exc})"
        raise InputError(msg) from exc
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb[names[0]]
        elif sheet in names:
            ws = wb[sheet]
        elif sheet.isdigit() and 1 <= int(sheet) <= len(names):
            ws = wb[names[int(sheet) - 1]]
        else:
            msg = f"{path}: no sheet {sheet!r}; the sheets are {', '.join(names)}"
            raise InputError(msg)
        formulas = _formula_rows(path, ws.title) if _has_formulas(path) else None
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(row)
            if formulas is not None:
                written = next(formulas, ())
                for j, (cell, text) in enumerate(zip(cells, written, strict=False)):
                    if cell is None and isinstance(text, str) and text.startswith("="):
                        cells[j] = Formula(text)
            yield i, cells
    finally:
        wb.close()


class Formula(str):
    """A formula cell the workbook holds no saved result for (never calculated)."""


def _has_formulas(path: str) -> bool:
    """Return True when any worksheet's XML holds a formula element (a cheap test)."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                xml = zf.read(name)
                if b"<f>" in xml or b"<f " in xml:
                    return True
    return False


def _formula_rows(path: str, title: str) -> Iterator[tuple[Any, ...]]:
    """Yield the sheet's rows as written (formulas as text), to find formulas with no result."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        yield from wb[title].iter_rows(values_only=True)
    finally:
        wb.close()

