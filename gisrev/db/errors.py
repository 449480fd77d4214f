"""Database failures in mid-command, said in one line: what happened and what to do.

The command line turns these into ``gisrev: error: ...`` (exit status 2) instead of
a driver traceback; every other error keeps its traceback.
"""

from __future__ import annotations

import sys


def interrupted(exc: BaseException) -> bool:
    """Return True when a KeyboardInterrupt is anywhere in the exception's chain.

    Ctrl-C during a COPY surfaces as the failed rollback after it, not as the interrupt.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def database_failure(exc: BaseException) -> str | None:
    """Return one line for a database failure in mid-command, or None for any other error.

    A connection lost during a load (server restarted, backend terminated) and a
    role that may not write are the environment's fault, not a bug: say what
    happened and what to do. Other database errors keep their traceback.

    The driver is looked up among the modules already imported: a command that never
    touched the database (``gisrev tax estimate``) does not import it to find out.
    """
    psycopg = sys.modules.get("psycopg")
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if psycopg is None:
        return None
    orig: BaseException | None = exc
    if sa_exc is not None and isinstance(exc, sa_exc.DBAPIError):
        orig = exc.orig
    text = str(orig).strip()
    reason = text.splitlines()[0] if text else type(orig).__name__
    if isinstance(orig, psycopg.OperationalError):
        return (
            f"lost the database connection in mid-command ({reason}); its transaction was "
            "rolled back, so nothing was written; check the server and run the command again"
        )
    refused = (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)
    if isinstance(orig, refused):
        return (
            f"the database refused: {reason}; this database role may only read "
            "(see docs/security.md); connect as a role that may write to load or analyze"
        )
    return None
