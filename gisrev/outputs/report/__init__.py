"""The executive report: one page of totals, charts, a map and the top parcels.

Everything shown comes from :mod:`gisrev.outputs.summary` (sums done by PostGIS over the
``findings`` table), so the report's numbers are the export's added up. The report reads
through one connection, for one tax year and municipality, in three steps: read the data
(``_data``), draw the charts and the zones map (``_charts``), then render it: HTML is
self-contained (charts and map inline) and escapes every value it shows (``_html``); PDF
is that HTML printed by headless Chromium (``_pdf``); XLSX holds the tables (``_xlsx``).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from gisrev.db.session import connection
from gisrev.errors import InputError
from gisrev.outputs.report._data import read_report_data
from gisrev.outputs.report._html import render
from gisrev.outputs.report._pdf import print_pdf
from gisrev.outputs.report._xlsx import write_xlsx

__all__ = ["render_html", "write_report"]

_FORMATS = (".html", ".htm", ".pdf", ".xlsx")


def render_html(bind: Engine | Connection, *, year: int, lgu_code: str, top: int = 20) -> str:
    """Return the one-page report for a tax year as self-contained HTML.

    Parameters
    ----------
    bind
        Engine or connection to the gisrev database; the report reads through one
        connection.
    year
        Tax year, CE.
    lgu_code
        The municipality.
    top
        How many parcels the "largest gap" table lists.

    Returns
    -------
    str
        HTML with charts and map inline; every value from the database is escaped.

    Raises
    ------
    gisrev.InputError
        For a year the municipality has not analysed.
    """
    with connection(bind) as conn:
        data = read_report_data(conn, year, lgu_code=lgu_code, top=top)
    return render(data)


def write_report(
    bind: Engine | Connection,
    out: str | os.PathLike[str],
    *,
    year: int,
    lgu_code: str,
    top: int = 20,
    chromium: str | None = None,
) -> Path:
    """Write the report for a tax year as ``.html``, ``.pdf`` or ``.xlsx`` (by suffix).

    Parameters
    ----------
    bind
        Engine or connection to the gisrev database; the report reads through one
        connection.
    out
        The file to write; its suffix chooses the format. Its folder is created.
    year
        Tax year, CE.
    lgu_code
        The municipality.
    top
        How many parcels the "largest gap" table lists.
    chromium
        The Chromium executable that prints the PDF (default: ``chromium`` on PATH).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    gisrev.InputError
        For an unknown suffix, or a year that was not analysed.
    gisrev.GisrevError
        When Chromium is missing or fails to print the PDF.
    """
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        msg = f"{path}: unknown report format {suffix or '(none)'!r}; expected .html, .pdf or .xlsx"
        raise InputError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    with connection(bind) as conn:
        data = read_report_data(conn, year, lgu_code=lgu_code, top=top)
    if suffix == ".xlsx":
        write_xlsx(data, path)
        return path
    html = render(data)
    if suffix == ".pdf":
        print_pdf(html, path, chromium=chromium)
    else:
        path.write_text(html, encoding="utf-8")
    return path
