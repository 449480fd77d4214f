"""Reading sessions: one engine per URL, a connection lent or opened, which municipality.

The notebook API, the outputs and the command line share these: they take an Engine or a
Connection, read through one connection, and name the municipality once.
"""

from __future__ import annotations

import contextlib
import functools
from contextlib import AbstractContextManager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gisrev.db.engine import make_engine
from gisrev.errors import InputError
from gisrev.years import be

__all__ = ["connection", "resolve_lgu", "shared_engine"]


@functools.cache
def shared_engine(url: str) -> Engine:
    """Return one checked engine per database URL for the life of the process.

    Notebooks call many functions without an engine; each would otherwise make (and
    check) an engine of its own.
    """
    return make_engine(url)


def connection(bind: Engine | Connection) -> AbstractContextManager[Connection]:
    """Return a context that yields a connection: a new one from an Engine, else ``bind``.

    A caller's own connection is lent, not closed: its transaction stays the caller's.
    """
    if isinstance(bind, Engine):
        return bind.connect()
    return contextlib.nullcontext(bind)


def resolve_lgu(
    conn: Connection, year: int | None, lgu_code: str | None, *, how: str = "pass lgu_code="
) -> str:
    """Return the municipality to read: ``lgu_code`` if given, else the only one analysed.

    Parameters
    ----------
    conn
        A connection to the gisrev database.
    year
        Tax year (CE) the municipality must have been analysed for; None for any year.
    lgu_code
        The municipality asked for, or None for "the only one in the database".
    how
        How the caller names a municipality, for the message when several could be meant:
        ``"pass lgu_code="`` in Python, ``"pass --lgu CODE"`` on the command line.

    Returns
    -------
    str
        A municipality code with findings or an analysis run for ``year``.

    Raises
    ------
    InputError
        When ``lgu_code`` has no analysis for the year, the database has none at all, or it
        holds several municipalities and ``lgu_code`` is None; the message says what to do.
    """
    where_year = "" if year is None else " AND tax_year = :year"
    analysed = sorted(conn.execute(sa.text(
        "SELECT lgu_code FROM findings WHERE true" + where_year
        + " UNION SELECT lgu_code FROM analysis_runs WHERE true" + where_year
    ), {"year": year}).scalars())
    when = "" if year is None else f" for tax year {be(year)} ({year})"
    run = f"run `gisrev analyze --year {be(year) if year else 'Y'}` first"
    if lgu_code is not None:
        if lgu_code not in analysed:
            others = f"; the database has analyses for {', '.join(analysed)}" if analysed else ""
            msg = (
                f"municipality {lgu_code!r} has no analysis{when}{others}; "
                f"{run} or pass another lgu"
            )
            raise InputError(msg)
        return lgu_code
    if not analysed:
        msg = f"the database has no analysis{when}; {run}"
        raise InputError(msg)
    if len(analysed) > 1:
        msg = (
            f"the database holds several municipalities{when} ({', '.join(analysed)}); {how}"
        )
        raise InputError(msg)
    return analysed[0]
