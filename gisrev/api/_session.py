"""What every notebook function does first: the municipality asked for, one connection."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

from sqlalchemy.engine import Connection, Engine

from gisrev.config import load_settings
from gisrev.db.session import connection, resolve_lgu, shared_engine
from gisrev.errors import InputError


def lgu_code_of(lgu_code: str | None, lgu: str | None) -> str | None:
    """Return the municipality asked for, warning once per call about the older ``lgu=``."""
    if lgu is None:
        return lgu_code
    # stacklevel 3: the warning names the notebook line that called the public function.
    warnings.warn(
        "lgu= is deprecated and will be removed in the next release; pass lgu_code= instead",
        DeprecationWarning, stacklevel=3,
    )
    if lgu_code is not None and lgu_code != lgu:
        msg = f"lgu_code={lgu_code!r} and lgu={lgu!r} disagree; pass lgu_code= only"
        raise InputError(msg)
    return lgu


@contextlib.contextmanager
def reading(
    engine: Engine | Connection | None, year: int | None, lgu_code: str | None
) -> Iterator[tuple[Connection, str]]:
    """Yield one connection and the municipality it reads (given, or the only one analysed).

    Without an engine, the settings' database is used (one engine per URL, kept).
    """
    bind = engine if engine is not None else shared_engine(load_settings().database_url)
    with connection(bind) as conn:
        yield conn, resolve_lgu(conn, year, lgu_code)
