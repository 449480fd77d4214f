"""Loading the tax register from CSV (UTF-8, UTF-8 with BOM, cp874) or XLSX.

The file is read in chunks of :data:`CHUNK_ROWS` rows and each chunk goes straight
into the database with a binary COPY, so memory stays flat however long the register.
A CSV chunk is checked column-wise (:mod:`gisrev.load._register_vec`); the rows that
check cannot vouch for, and every XLSX row, go through the per-row parser
(:class:`_RowParser`), which is the one definition of what a row means. Every row is
either loaded or rejected with its spreadsheet row number (header = row 1), the field,
the value and what was expected. Owner ID numbers are masked in rejects and never logged.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import itertools
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Engine

from gisrev.config import Settings
from gisrev.db.copy import copy_columns
from gisrev.db.schema import open_tables
from gisrev.errors import InputError, MappingError
from gisrev.load import _register_vec as _vec
from gisrev.load._personal import is_thai_id, mask_text, masked_warning, withheld_warning
from gisrev.load.mapping import ColumnMapping, read_mapping, resolve_columns, value_map
from gisrev.load.normalise import (
    is_blank,
    mask_id,
    normalise_parcel_code,
    parse_number,
    sqwah_from_rai_ngan_wah,
)
from gisrev.load.report import LoadReport, Reject, content_hash, finish_run, start_run
from gisrev.years import be, ce_date, ce_year_number, thai_to_arabic_digits, to_ce_year

DECLARED_USES = ("agriculture", "residential", "other", "vacant", "mixed")
OWNER_TYPES = ("individual", "juristic")
_MONEY = ("land_value", "building_value", "exemption", "tax_assessed", "tax_paid")
_AREA_PARTS = ("declared_area_rai", "declared_area_ngan", "declared_area_wah")
_TEXT = ("account_id", "owner_name")
_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_FROM = (dt.date(1950, 1, 1) - _EXCEL_EPOCH).days
_SERIAL_UNTIL = (dt.date(9999, 12, 31) - _EXCEL_EPOCH).days
_ID_SEPARATORS = re.compile(r"[\s\-]+")


class _Rejected(ValueError):
    """A row's field is not what was expected (becomes a Reject)."""

    def __init__(self, field: str, value: Any, expected: str) -> None:
        super().__init__(expected)
        self.field, self.value, self.expected = field, value, expected


_BOM = b"\xef\xbb\xbf"
_SCAN_BYTES = 1 << 20
CHUNK_ROWS = 20_000  # rows per chunk: ~6 KB each while parsed (measured), so ~130 MB


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


def _csv_rows(path: str, encoding: str | None) -> Iterator[tuple[int, list[Any]]]:
    """Yield the CSV's records with their spreadsheet row numbers, reading as it goes."""
    with _csv_records(path, encoding) as rows:
        yield from rows


@contextlib.contextmanager
def _csv_records(path: str, encoding: str | None) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    """Open the CSV and give its numbered records as a C-level iterator (no Python per row)."""
    text_encoding, skip_bom = _csv_encoding(path, encoding)
    with _open_text(path, text_encoding, skip_bom=skip_bom) as text:
        first = ""
        while "\n" not in first and (block := text.read(1 << 16)):
            first += block
    delimiter = max(",;\t|", key=first.split("\n", 1)[0].count)
    with _open_text(path, text_encoding, skip_bom=skip_bom) as text:
        yield enumerate(csv.reader(text, delimiter=delimiter), start=1)


@contextlib.contextmanager
def _xlsx_records(path: str, sheet: str | None) -> Iterator[Iterator[tuple[int, list[Any]]]]:
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
                        cells[j] = _Formula(text)
            yield i, cells
    finally:
        wb.close()


class _Formula(str):
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


def _parse_date(value: Any) -> dt.date | None:
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return ce_date(value)
    if isinstance(value, int | float):
        # An Excel day serial; a small number is a year typed into the date column (2566 would
        # be 1907) and a huge one overflows: neither is a payment date.
        if not _SERIAL_FROM <= value < _SERIAL_UNTIL:
            raise ValueError(f"a date such as 15/04/2566, not the number {value:g}")
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = thai_to_arabic_digits(str(value)).strip().split(" ")[0]
    match = _DATE.match(text)
    if not match:
        raise ValueError("a date such as 15/04/2566 or 2023-04-15")
    a, b, c = (int(g) for g in match.groups())
    year, month, day = (a, b, c) if a > 31 else (c, b, a)
    year = ce_year_number(year)
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError("a real date such as 15/04/2566 or 2023-04-15") from exc


_PERSONAL_ID_HEADER = re.compile(
    r"ประจำตัว|บัตร|ผู้เสียภาษี|หนังสือเดินทาง|citizen|national.?id|id.?card|tax.?id|passport",
    re.IGNORECASE,
)


class _RowParser:
    """Turns one register row into canonical values, or raises _Rejected."""

    def __init__(
        self,
        columns: dict[str, str],
        headers: Sequence[str],
        *,
        mapping: ColumnMapping | None,
        year: int | None,
    ) -> None:
        self.index = {field: headers.index(column) for column, field in columns.items()}
        unmapped = [(i, h) for i, h in enumerate(headers) if h not in columns and h]
        # Unmapped columns are kept in `attrs`, which maps and exports may show; a second ID
        # column (a taxpayer or passport number beside owner_id) is personal data: not kept.
        self.withheld = [h for _, h in unmapped if _PERSONAL_ID_HEADER.search(h)]
        self.extra = [(i, h) for i, h in unmapped if h not in self.withheld]
        # An ID number under any other header is personal data too: that cell is not kept.
        # Counted per column over the rows parsed (the fast path adds its own).
        self.ids_withheld: Counter[str] = Counter()
        self.ids_masked: Counter[str] = Counter()
        self.year = year
        self.uses = value_map("register", "declared_use", mapping=mapping)
        self.owner_types = value_map("register", "owner_type", mapping=mapping)

    def get(self, row: Sequence[Any], field: str) -> Any:
        i = self.index.get(field)
        return row[i] if i is not None and i < len(row) else None

    def parse(self, row: Sequence[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field, i in self.index.items():
            if i < len(row) and isinstance(row[i], _Formula):
                expected = (
                    "a value, not a formula with no saved result (open the file in "
                    "Excel or LibreOffice and save it, or paste values)"
                )
                raise _Rejected(field, str(row[i]), expected)
        code = self.get(row, "parcel_code")
        if is_blank(code):
            raise _Rejected("parcel_code", code, "a parcel code (the cell is empty)")
        code_text = str(int(code)) if isinstance(code, float) and code.is_integer() else str(code)
        out["parcel_code"] = code_text.strip()
        out["parcel_code_norm"] = normalise_parcel_code(code_text)
        out["tax_year"] = self._year(self.get(row, "tax_year"))
        for field in _TEXT:
            value = self.get(row, field)
            out[field] = None if is_blank(value) else str(value).strip()
        deed = self.get(row, "deed_no")
        out["deed_no"] = None if is_blank(deed) else thai_to_arabic_digits(str(deed).strip())
        out["owner_id"] = self._owner_id(self.get(row, "owner_id"))
        out["owner_type"] = self._code(
            row, "owner_type", self.owner_types, OWNER_TYPES, default="individual"
        )
        out["declared_use"] = self._code(
            row, "declared_use", self.uses, DECLARED_USES, default=None
        )
        out["declared_area_sqwah"] = self._area(row)
        for field in _MONEY:
            out[field] = self._money(field, self.get(row, field))
        paid = self.get(row, "paid_date")
        try:
            out["paid_date"] = _parse_date(paid)
        except ValueError as exc:
            raise _Rejected("paid_date", paid, str(exc)) from exc
        if out["paid_date"] is not None and out["paid_date"] > dt.date.today():
            raise _Rejected("paid_date", paid, "a payment date no later than today")
        extra = {}
        for i, h in self.extra:
            if i >= len(row) or is_blank(row[i]):
                continue
            if is_thai_id(row[i]):
                self.ids_withheld[h] += 1
                continue
            value = _jsonable(row[i])
            if isinstance(value, str) and (masked := mask_text(value)) is not None:
                self.ids_masked[h] += 1  # an ID number inside longer text: masked
                value = masked
            extra[h] = value
        out["attrs"] = json.dumps(extra, ensure_ascii=False) if extra else None
        return out

    @staticmethod
    def _owner_id(value: Any) -> str | None:
        if is_blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a spreadsheet cell holding the number
        digits = _ID_SEPARATORS.sub("", thai_to_arabic_digits(str(value)))
        if not (digits.isascii() and digits.isdigit() and len(digits) == 13):
            raise _Rejected("owner_id", value, "a 13-digit identity or taxpayer number")
        return digits

    def _year(self, value: Any) -> int:
        if is_blank(value):
            if self.year is None:
                raise _Rejected("tax_year", value, "a tax year such as 2566 (or pass --year)")
            return self.year
        try:
            year = to_ce_year(value)
        except ValueError as exc:
            raise _Rejected("tax_year", value, str(exc)) from exc
        if self.year is not None and year != self.year:
            raise _Rejected(
                "tax_year", value, f"tax year {be(self.year)} (as given with --year)"
            )
        latest = dt.date.today().year + 1  # next year's register may be prepared in advance
        if year > latest:
            expected = f"a tax year no later than {be(latest)} (BE)"
            raise _Rejected("tax_year", value, expected)
        return year

    def _code(
        self,
        row: Sequence[Any],
        field: str,
        table: dict[str, str],
        allowed: tuple[str, ...],
        *,
        default: str | None,
    ) -> str | None:
        value = self.get(row, field)
        if is_blank(value):
            if default is None:
                raise _Rejected(field, value, f"one of {', '.join(allowed)}")
            return default
        text = str(value).strip()
        canonical = table.get(text, text.lower())
        if canonical not in allowed:
            raise _Rejected(
                field,
                value,
                f"one of {', '.join(allowed)} (or map it in [register.values.{field}])",
            )
        return canonical

    def _area(self, row: Sequence[Any]) -> float | None:
        value = self.get(row, "declared_area_sqwah")
        if not is_blank(value):
            return self._money("declared_area_sqwah", value)
        parts = [self.get(row, f) for f in _AREA_PARTS]
        try:
            return sqwah_from_rai_ngan_wah(*parts)
        except ValueError as exc:
            for field, part in zip(_AREA_PARTS, parts, strict=True):
                try:
                    number = parse_number(part)
                except ValueError:
                    raise _Rejected(field, part, "a number of " + field.rsplit("_", 1)[1]) from exc
                if number is not None and number < 0:
                    raise _Rejected(field, part, "a non-negative area") from exc
            raise _Rejected("declared_area_sqwah", parts, str(exc)) from exc

    @staticmethod
    def _money(field: str, value: Any) -> float | None:
        try:
            number = parse_number(value)
        except ValueError as exc:
            raise _Rejected(field, value, f"{exc} (baht)" if field in _MONEY else str(exc)) from exc
        if number is not None and number < 0:
            raise _Rejected(field, value, "a non-negative number")
        return number


def _nothing_loaded(
    source: str, headers: Sequence[str], n_read: int, rejects: Sequence[Reject]
) -> str:
    """Return the one line for a register with no loadable row (nothing is changed)."""
    import openpyxl.utils

    msg = f"{source}: no register row could be loaded ({n_read} rows below the header"
    msg += f"; first problem: {rejects[0].describe(Path(source).name)})" if rejects else ")"
    last = max((i for i, h in enumerate(headers) if h), default=-1)
    blank = [openpyxl.utils.get_column_letter(i + 1) for i in range(last) if not headers[i]]
    if blank:
        msg += (
            f"; header row 1 has empty cells in column(s) {', '.join(blank)}: merged header "
            "cells? give each column its own header in row 1"
        )
    return msg + "; nothing was changed"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


def load_register(
    engine: Engine,
    path: str | os.PathLike[str],
    /,
    *,
    settings: Settings,
    sheet: str | None = None,
    mapping: str | os.PathLike[str] | ColumnMapping | None = None,
    year: int | str | None = None,
    strict: bool = False,
    encoding: str | None = None,
) -> LoadReport:
    """Load a tax register, replacing the municipality's rows for the tax years in the file.

    Parameters
    ----------
    engine
        The database (schema initialised).
    path
        A ``.csv`` (UTF-8, UTF-8 with BOM or cp874; delimiter , ; tab or |) or ``.xlsx``.
    settings
        Gives ``lgu_code``.
    sheet
        The XLSX sheet (name, or 1-based number); the first by default.
    mapping
        A mapping file (path or parsed); common LTAX Thai headers need none.
    year
        Tax year (BE or CE) for rows that have none; rows of another year are rejected.
    strict
        Fail the whole load, writing nothing, if any row is rejected.
    encoding
        Force the CSV text encoding instead of detecting it.

    Returns
    -------
    LoadReport

    Raises
    ------
    InputError
        When the file cannot be read, or (with ``strict``) when any row is rejected.
    MappingError
        When the mapping names a column the file lacks, or no column gives parcel_code.
    """
    started = time.perf_counter()
    source = os.fspath(path)
    if not Path(source).is_file():
        msg = f"{source}: file not found"
        raise InputError(msg)
    parsed = read_mapping(mapping) if isinstance(mapping, str | os.PathLike) else mapping
    ce_year = None
    if year is not None:
        try:
            ce_year = to_ce_year(year)
        except ValueError as exc:
            msg = f"--year {year}: expected {exc}"
            raise InputError(msg) from exc
    suffix = Path(source).suffix.lower()
    records: contextlib.AbstractContextManager[Iterator[tuple[int, list[Any]]]]
    if suffix in {".xlsx", ".xlsm"}:
        records = _xlsx_records(source, sheet)
    elif suffix in {".csv", ".txt", ".tsv"}:
        records = _csv_records(source, encoding)
    else:
        msg = f"{source}: unknown register format {suffix!r}; expected .csv or .xlsx"
        raise InputError(msg)

    with records as rows_in:
        try:
            _, header_row = next(rows_in)
        except StopIteration:
            msg = f"{source}: the file is empty; expected a header row and register rows"
            raise InputError(msg) from None
        headers = ["" if h is None else " ".join(str(h).split()) for h in header_row]
        columns = resolve_columns("register", headers, mapping=parsed, source=source)
        shown_headers = ", ".join(h for h in headers if h)
        if "parcel_code" not in columns.values():
            msg = (
                f"{source}: no column for parcel_code (its columns: {shown_headers}); "
                'name it in the mapping file: [register.columns] parcel_code = "COLUMN"'
            )
            raise MappingError(msg)
        if "tax_year" not in columns.values() and ce_year is None:
            msg = (
                f"{source}: no column for tax_year (its columns: {shown_headers}); "
                "pass --year or name it in [register.columns] of the mapping file"
            )
            raise MappingError(msg)
        parser = _RowParser(columns, headers, mapping=parsed, year=ce_year)
        fast = _fast_rules(parser) if suffix not in {".xlsx", ".xlsm"} else None

        rejects: list[Reject] = []
        years: set[int] = set()
        n_read = n_loaded = 0
        with engine.begin() as conn:
            t = open_tables(conn)
            run_id = start_run(
                conn,
                t,
                lgu_code=settings.lgu_code,
                kind="register",
                source=source,
                layer=sheet,
                source_hash=content_hash(source),
                options={},
            )
            # Rows go in as they are read; the rows they replace go once all are in, in the
            # same transaction, so a failed load (or --strict with a reject) changes nothing.
            with copy_columns(conn, t.register, _COPY_COLUMNS) as write:
                for row_nos, rows in _chunks(rows_in, CHUNK_ROWS):
                    table, read = _parse_chunk(parser, fast, row_nos, rows, rejects)
                    n_read += read
                    if strict and rejects:
                        continue  # nothing will be kept: count the rejects, write no more
                    n_loaded += write(
                        [settings.lgu_code, run_id, *(table[name] for name in _vec.SCHEMA.names)]
                    )
                    years.update(pc.unique(table["tax_year"]).to_pylist())
            if strict and rejects:
                msg = (
                    f"{rejects[0].describe(source)} ({len(rejects)} rejected in all; "
                    "--strict: nothing was loaded)"
                )
                raise InputError(msg)
            if not n_loaded:
                raise InputError(_nothing_loaded(source, headers, n_read, rejects))
            conn.execute(
                t.register.delete().where(
                    (t.register.c.lgu_code == settings.lgu_code)
                    & t.register.c.tax_year.in_(sorted(years))
                    & t.register.c.run_id.is_distinct_from(run_id)
                )
            )
            options = {
                "sheet": sheet,
                "year": ce_year,
                "strict": strict,
                "tax_years": sorted(years),
                "mapping": None if parsed is None or parsed.path is None else str(parsed.path),
            }
            conn.execute(
                t.load_runs.update().where(t.load_runs.c.id == run_id).values(options=options)
            )
            report = LoadReport(
                run_id=run_id,
                kind="register",
                source=source,
                n_read=n_read,
                n_loaded=n_loaded,
                n_repaired=0,
                n_rejected=len(rejects),
                duration_s=time.perf_counter() - started,
                rejects=tuple(rejects),
                warnings=(
                    *(
                        f"{source}: column {h!r} looks like personal ID numbers and was not stored"
                        for h in parser.withheld
                    ),
                    *(
                        withheld_warning(source, h, parser.ids_withheld[h])
                        for h in dict.fromkeys(h for _, h in parser.extra)
                        if parser.ids_withheld[h]
                    ),
                    *(
                        masked_warning(source, h, parser.ids_masked[h])
                        for h in dict.fromkeys(h for _, h in parser.extra)
                        if parser.ids_masked[h]
                    ),
                ),
            )
            finish_run(conn, t, report, lgu_code=settings.lgu_code, rejects=rejects)
        return report


_COPY_COLUMNS = ("lgu_code", "run_id", *_vec.SCHEMA.names)


def _chunks(
    rows: Iterator[tuple[int, list[Any]]], size: int
) -> Iterator[tuple[list[int], list[list[Any]]]]:
    while batch := list(itertools.islice(rows, size)):
        yield [n for n, _ in batch], [r for _, r in batch]


def _fast_rules(parser: _RowParser) -> _vec.FastRules:
    """Return the per-row parser's rules as the CSV fast path takes them (one source)."""

    def code(table: dict[str, str], allowed: tuple[str, ...]) -> Callable[[str], str | None]:
        def to_code(text: str) -> str | None:
            canonical = table.get(text, text.lower())
            return canonical if canonical in allowed else None

        return to_code

    return _vec.FastRules(
        index=dict(parser.index),
        extra=list(parser.extra),
        year=parser.year,
        latest_year=dt.date.today().year + 1,
        today=dt.date.today(),
        owner_type=code(parser.owner_types, OWNER_TYPES),
        declared_use=code(parser.uses, DECLARED_USES),
        paid_date=_parse_date,
    )


def _parse_chunk(
    parser: _RowParser,
    fast: _vec.FastRules | None,
    row_nos: list[int],
    rows: list[list[Any]],
    rejects: list[Reject],
) -> tuple[pa.Table, int]:
    """Parse one chunk: column-wise where the fast path vouches for a row, else row by row.

    Returns the loaded rows (in file order) and the number of non-blank rows read;
    appends the chunk's rejects to ``rejects``.
    """
    if fast is None:
        table, n_read, slow = None, 0, range(len(rows))
    else:
        chunk = _vec.parse_chunk(rows, row_nos, fast)
        table, n_read, slow = chunk.table, chunk.n_read, chunk.flagged.tolist()
        parser.ids_withheld.update(chunk.ids_withheld)
        parser.ids_masked.update(chunk.ids_masked)
    parsed: list[dict[str, Any]] = []
    for i in slow:
        row, row_no = rows[i], row_nos[i]
        if all(is_blank(v) for v in row):
            continue
        n_read += 1
        try:
            values = parser.parse(row)
        except _Rejected as bad:
            rejects.append(_reject(row_no, bad))
            continue
        values["source_row"] = row_no
        parsed.append(values)
    by_row = pa.Table.from_pylist(parsed, schema=_vec.SCHEMA)
    if table is None:
        return by_row, n_read
    if not parsed:
        return table, n_read
    both = pa.concat_tables([table, by_row])
    return both.take(pc.sort_indices(both["source_row"])), n_read


def _reject(row_no: int, bad: _Rejected) -> Reject:
    shown = (
        mask_id(bad.value)
        if bad.field == "owner_id"
        else None
        if is_blank(bad.value)
        else str(bad.value)
    )
    reason = f"expected {bad.expected}"
    return Reject(row_no=row_no, feature_id=None, field=bad.field, value=shown, reason=reason)
