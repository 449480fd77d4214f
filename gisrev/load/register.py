"""Loading the tax register from CSV (UTF-8, UTF-8 with BOM, cp874) or XLSX.

The file is read in chunks of :data:`CHUNK_ROWS` rows (:mod:`gisrev.load._register_read`)
and each chunk goes straight into the database with a binary COPY, so memory stays
flat however long the register. A CSV chunk is checked column-wise
(:mod:`gisrev.load._register_vec`); the rows that check cannot vouch for, and every
XLSX row, go through the per-row parser (:class:`gisrev.load._register_row.RowParser`),
which is the one definition of what a row means. The header may stand below title
rows (:mod:`gisrev.load._register_header`). Every row below it is loaded, rejected with
its spreadsheet row number, the column, the value and what was expected, or, when it
is a totals line, skipped and reported. Owner ID numbers are masked in rejects and
never logged.
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gisrev.config import Settings
from gisrev.db.copy import copy_columns
from gisrev.db.municipalities import save_municipality
from gisrev.db.schema import open_tables
from gisrev.errors import InputError, MappingError
from gisrev.load import _register_vec as _vec
from gisrev.load._register_header import HEADER_SCAN_ROWS, Header, find_header
from gisrev.load._register_read import Records, is_workbook, register_records
from gisrev.load._register_row import Rejected, RowParser, reject_of
from gisrev.load.mapping import ColumnMapping, read_mapping, resolve_columns
from gisrev.load.normalise import is_blank
from gisrev.load.report import LoadReport, LoadRun, Reject, content_hash, load_run
from gisrev.years import to_ce_year

CHUNK_ROWS = 20_000  # rows per chunk: ~6 KB each while parsed (measured), so ~130 MB
_SHOWN_TOTALS = 5  # totals rows named in the summary
_COPY_COLUMNS = ("lgu_code", "run_id", *_vec.SCHEMA.names)


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
    header_row: int | None = None,
) -> LoadReport:
    """Load a tax register, replacing the municipality's rows for the tax years in the file.

    Parameters
    ----------
    engine
        The database (schema initialised).
    path
        A ``.csv`` (UTF-8, UTF-8 with BOM or cp874; delimiter , ; tab or |) or ``.xlsx``.
    settings
        Gives ``lgu_code``; its municipality's names and thresholds are recorded too.
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
    header_row
        The row (1-based, as a spreadsheet shows it) that holds the column names; by
        default the first of the top 20 rows that names the parcel code and another
        known field, so title rows above the header are passed over.

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
    ce_year = _given_year(year)
    with register_records(source, sheet=sheet, encoding=encoding) as records:
        header, rows_in = find_header(
            records, source=source, mapping=parsed, header_row=header_row
        )
        parser = _row_parser(header, source=source, mapping=parsed, year=ce_year)
        fast = None if is_workbook(source) else parser.fast_rules()
        options = {
            "sheet": sheet,
            "year": ce_year,
            "strict": strict,
            "mapping": None if parsed is None or parsed.path is None else str(parsed.path),
            "header_row": header.row_no,
        }

        with engine.begin() as conn:
            t = open_tables(conn)
            save_municipality(conn, settings)
            with load_run(
                conn,
                t,
                kind="register",
                lgu_code=settings.require_lgu_code(),
                source=source,
                layer=sheet,
                options=options,
                nothing_loaded=functools.partial(_nothing_loaded, header),
                strict=strict,
                source_hash=content_hash(source),
                started=started,
            ) as run:
                # Rows go in as they are read; the rows they replace go once all are in, in
                # the same transaction, so a failed load (or --strict with a reject) changes
                # nothing.
                totals: list[int] = []
                years = _copy_rows(conn, t.register, run, rows_in, parser, fast, totals)
                run.check()  # before anything is replaced
                _replace_years(conn, t.register, run, years)
                run.options["tax_years"] = sorted(years)
                run.options["totals_rows"] = totals
                run.n_skipped = len(totals)
                run.notes += _notes(header, totals)
                run.warnings += parser.warnings(source)
    return run.report


def _notes(header: Header, totals: list[int]) -> list[str]:
    """Return the summary's sentences on where the header was and which totals were skipped."""
    notes = []
    if header.row_no > 1:
        notes.append(f"Header in row {header.row_no}; the rows above it were not read.")
    if totals:
        rows = ", ".join(f"{n:,}" for n in totals[:_SHOWN_TOTALS])
        more = f" and {len(totals) - _SHOWN_TOTALS:,} more" if len(totals) > _SHOWN_TOTALS else ""
        plural = "s" if len(totals) > 1 else ""
        notes.append(f"Skipped {len(totals):,} totals row{plural} (row{plural} {rows}{more}).")
    return notes


def _given_year(year: int | str | None) -> int | None:
    """Return ``--year`` in CE (None when not given)."""
    if year is None:
        return None
    try:
        return to_ce_year(year)
    except ValueError as exc:
        msg = f"--year {year}: expected {exc}"
        raise InputError(msg) from exc


def _row_parser(
    header: Header, *, source: str, mapping: ColumnMapping | None, year: int | None
) -> RowParser:
    """Map the headers onto canonical fields; refuse a file with no parcel code or year."""
    headers = header.names
    columns = resolve_columns("register", headers, mapping=mapping, source=source)
    shown_headers = ", ".join(h for h in headers if h)
    where = f"header row {header.row_no}"
    if not header.recognised:
        where = (
            f"no row of the top {HEADER_SCAN_ROWS} names parcel_code and another known "
            f"field; row {header.row_no}"
        )
    if "parcel_code" not in columns.values():
        msg = (
            f"{source}: no column for parcel_code ({where} has: {shown_headers}); "
            'name it in the mapping file: [register.columns] parcel_code = "COLUMN", '
            "or give the header's row with --header-row N"
        )
        raise MappingError(msg)
    if "tax_year" not in columns.values() and year is None:
        msg = (
            f"{source}: no column for tax_year (header row {header.row_no} has: "
            f"{shown_headers}); pass --year or name it in [register.columns] of the mapping file"
        )
        raise MappingError(msg)
    return RowParser(columns, headers, mapping=mapping, year=year)


def _copy_rows(
    conn: Connection,
    table: sa.Table,
    run: LoadRun,
    rows_in: Records,
    parser: RowParser,
    fast: _vec.FastRules | None,
    totals: list[int],
) -> set[int]:
    """COPY the rows in chunk by chunk as they are read; return the tax years loaded.

    The totals rows' numbers are appended to ``totals``.
    """
    years: set[int] = set()
    with copy_columns(conn, table, _COPY_COLUMNS) as write:
        for row_nos, rows, final in _chunks(rows_in, CHUNK_ROWS):
            chunk, n_read = _parse_chunk(
                parser, fast, row_nos, rows, rejects=run.rejects, totals=totals, final=final
            )
            run.n_read += n_read
            if run.strict and run.rejects:
                continue  # nothing will be kept: count the rejects, write no more
            run.n_loaded += write(
                [run.lgu_code, run.run_id, *(chunk[name] for name in _vec.SCHEMA.names)]
            )
            years.update(pc.unique(chunk["tax_year"]).to_pylist())
    return years


def _replace_years(conn: Connection, table: sa.Table, run: LoadRun, years: set[int]) -> None:
    """Delete the municipality's rows of the loaded tax years that earlier loads wrote."""
    conn.execute(
        table.delete().where(
            (table.c.lgu_code == run.lgu_code)
            & table.c.tax_year.in_(sorted(years))
            & table.c.run_id.is_distinct_from(run.run_id)
        )
    )


def _nothing_loaded(header: Header, run: LoadRun) -> str:
    """Return the one line for a register with no loadable row (nothing is changed)."""
    import openpyxl.utils

    source, rejects, headers, row_no = run.source, run.rejects, header.names, header.row_no
    msg = f"{source}: no register row could be loaded ({run.n_read} rows below the header"
    msg += f"; first problem: {rejects[0].describe(Path(source).name)})" if rejects else ")"
    last = max((i for i, h in enumerate(headers) if h), default=-1)
    blank = [openpyxl.utils.get_column_letter(i + 1) for i in range(last) if not headers[i]]
    if blank:
        msg += (
            f"; header row {row_no} has empty cells in column(s) {', '.join(blank)}: merged "
            f"header cells? give each column its own header in row {row_no}"
        )
    return msg + "; nothing was changed"


def _chunks(rows: Records, size: int) -> Iterator[tuple[list[int], list[list[Any]], bool]]:
    """Yield the records in chunks of about ``size``, each with whether it is the last.

    A chunk takes in the blank rows that follow it, so the last chunk holds the file's
    last non-blank row (a totals row is told by being last).
    """
    ahead: list[tuple[int, list[Any]]] = []
    while batch := ahead + list(itertools.islice(rows, size - len(ahead))):
        ahead = []
        for record in rows:
            if not all(is_blank(v) for v in record[1]):
                ahead.append(record)
                break
            batch.append(record)
        yield [n for n, _ in batch], [r for _, r in batch], not ahead


def _parse_chunk(
    parser: RowParser,
    fast: _vec.FastRules | None,
    row_nos: list[int],
    rows: list[list[Any]],
    *,
    rejects: list[Reject],
    totals: list[int],
    final: bool,
) -> tuple[pa.Table, int]:
    """Parse one chunk: column-wise where the fast path vouches for a row, else row by row.

    Returns the loaded rows (in file order) and the number of non-blank rows read;
    appends the chunk's rejects to ``rejects`` and its totals rows' numbers to
    ``totals``. ``final`` says the chunk holds the file's last rows.
    """
    if fast is None:
        table, n_read, slow = None, 0, range(len(rows))
    else:
        chunk = _vec.parse_chunk(rows, row_nos, fast)
        table, n_read, slow = chunk.table, chunk.n_read, chunk.flagged.tolist()
        parser.ids_withheld.update(chunk.ids_withheld)
        parser.ids_masked.update(chunk.ids_masked)
    parsed: list[dict[str, Any]] = []
    last = _last_row(rows) if final else -1
    for i in slow:
        row, row_no = rows[i], row_nos[i]
        if all(is_blank(v) for v in row):
            continue
        n_read += 1
        if parser.is_totals(row, last=i == last):
            totals.append(row_no)
            continue
        try:
            values = parser.parse(row)
        except Rejected as bad:
            rejects.append(reject_of(row_no, bad))
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



def _last_row(rows: list[list[Any]]) -> int:
    """Return the position of the chunk's last non-blank row (-1 when all are blank)."""
    return next(
        (i for i in range(len(rows) - 1, -1, -1) if not all(is_blank(v) for v in rows[i])), -1
    )
