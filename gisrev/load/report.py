"""What a load did: counts, warnings and rejected rows, kept in ``load_runs`` and ``rejects``.

Both loaders keep their books through :func:`load_run`: it opens the ``load_runs`` row,
hands the loader a :class:`LoadRun` to count into, refuses a load that loaded nothing
(or, with ``--strict``, rejected anything), and records the counts, warnings and rejects
when the load's block ends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.db.schema import Tables
from gisrev.errors import InputError

SHOWN_REJECTS = 5


@dataclasses.dataclass(frozen=True)
class Reject:
    """One input row or feature that was not loaded, and why.

    Attributes
    ----------
    row_no
        Spreadsheet row (header = row 1) for registers, else None.
    feature_id
        OGR feature id for vector sources, else None.
    field
        The canonical field at fault (None for the whole row).
    value
        The offending value as text (owner_id masked).
    reason
        What was expected.
    column
        The column as the source names it, when the reason itself says where and what
        (a register's: ``column 'ปีภาษี', row 5: '25x6' is not a year; expected ...``).
    """

    row_no: int | None
    feature_id: int | None
    field: str | None
    value: str | None
    reason: str
    column: str | None = None

    def describe(self, source: str) -> str:
        """One line: ``file, row 5, field 'tax_year': '25x6' — expected a year``.

        A reason that names its column, row and value follows the file alone:
        ``file, column 'ปีภาษี', row 5: '25x6' is not a year; expected ...``.
        """
        if self.column is not None:
            return f"{source}, {self.reason}"
        parts = [source]
        if self.row_no is not None:
            parts.append(f"row {self.row_no}")
        if self.feature_id is not None:
            parts.append(f"feature {self.feature_id}")
        if self.field is not None:
            parts.append(f"field {self.field!r}")
        shown = f": {self.value!r}" if self.value not in (None, "") else ""
        return f"{', '.join(parts)}{shown} — {self.reason}"


@dataclasses.dataclass(frozen=True)
class LoadReport:
    """The outcome of one load; the same figures are in ``load_runs`` row ``run_id``."""

    run_id: int
    kind: str
    source: str
    n_read: int
    n_loaded: int
    n_repaired: int
    n_rejected: int
    duration_s: float
    source_crs: str | None = None
    operation: str | None = None
    warnings: tuple[str, ...] = ()
    rejects: tuple[Reject, ...] = ()
    n_skipped: int = 0  # rows read but neither loaded nor rejected (a register's totals)
    notes: tuple[str, ...] = ()  # sentences for the summary: where the header was, what skipped

    def summary(self) -> str:
        """Return a one-paragraph account for the command line (owner IDs never appear)."""
        name = Path(self.source).name
        text = (
            f"Loaded {self.n_loaded:,} {self.kind} from {name} in {self.duration_s:.1f} s "
            f"(read {self.n_read:,}, repaired {self.n_repaired:,}, rejected {self.n_rejected:,}; "
            f"load run {self.run_id})."
        )
        if self.operation:
            text += f" Reprojected from {self.source_crs} with: {self.operation}."
        for note in self.notes:
            text += f" {note}"
        if self.rejects:
            shown = "; ".join(r.describe(name) for r in self.rejects[:SHOWN_REJECTS])
            more = (
                f" and {self.n_rejected - SHOWN_REJECTS:,} more"
                if self.n_rejected > SHOWN_REJECTS
                else ""
            )
            text += (
                f" Rejected: {shown}{more}. All rejects: "
                f"SELECT * FROM rejects WHERE run_id = {self.run_id}."
            )
        return text


def content_hash(path: str | os.PathLike[str]) -> str:
    """Return the sha256 of a source's bytes, with a shapefile's sidecar files.

    A directory source (a FileGDB) hashes every file in it, in name order.
    """
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file())
    elif p.suffix.lower() == ".shp":
        files = sorted(
            f
            for f in p.parent.glob(p.stem + ".*")
            if f.is_file() and f.suffix.lower() in {".shp", ".shx", ".dbf", ".prj", ".cpg"}
        )
    else:
        files = [p]
    digest = hashlib.sha256()
    for f in files:
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def start_run(
    conn: Connection,
    t: Tables,
    *,
    lgu_code: str,
    kind: str,
    source: str,
    layer: str | None,
    source_hash: str,
    options: dict[str, Any],
) -> int:
    """Insert the ``load_runs`` row of a load and return its id."""
    return int(
        conn.execute(
            t.load_runs.insert()
            .values(
                lgu_code=lgu_code,
                kind=kind,
                source=source,
                layer=layer,
                source_hash=source_hash,
                options=options,
            )
            .returning(t.load_runs.c.id)
        ).scalar_one()
    )


def finish_run(
    conn: Connection,
    t: Tables,
    report: LoadReport,
    *,
    lgu_code: str,
    rejects: Sequence[Reject],
    source_hash: str | None = None,
    options: dict[str, Any] | None = None,
) -> None:
    """Record a load's counts, warnings and rejects.

    ``source_hash``, when given, replaces the one :func:`start_run` recorded (a loader
    that hashes the source while it reads it starts the run before the hash is known);
    so do ``options`` (a loader that learns some of them while it reads).
    """
    changed = {
        key: value
        for key, value in (("source_hash", source_hash), ("options", options))
        if value is not None
    }
    conn.execute(
        t.load_runs.update()
        .where(t.load_runs.c.id == report.run_id)
        .values(
            **changed,
            duration_s=report.duration_s,
            n_read=report.n_read,
            n_loaded=report.n_loaded,
            n_repaired=report.n_repaired,
            n_rejected=report.n_rejected,
            source_crs=report.source_crs,
            operation=report.operation,
            warnings=list(report.warnings),
        )
    )
    if rejects:
        conn.execute(
            sa.insert(t.rejects),
            [
                {
                    "run_id": report.run_id,
                    "lgu_code": lgu_code,
                    "kind": report.kind,
                    "source": report.source,
                    "row_no": r.row_no,
                    "feature_id": None if r.feature_id is None else str(r.feature_id),
                    "field": r.field,
                    "value": r.value,
                    "reason": r.reason,
                }
                for r in rejects
            ],
        )


@dataclasses.dataclass
class LoadRun:
    """A load under way: its ``load_runs`` row and what the loader has counted so far.

    The loader adds to the counts, ``warnings`` and ``rejects`` (in input order) and
    may set ``source_hash`` (hashed while it read) and more ``options``;
    :func:`load_run` records them all and sets :attr:`report` once the load succeeds.
    """

    run_id: int
    kind: str
    source: str
    lgu_code: str
    options: dict[str, Any]
    strict: bool
    started: float
    nothing_loaded: Callable[[LoadRun], str]
    n_read: int = 0
    n_loaded: int = 0
    n_repaired: int = 0
    n_skipped: int = 0
    source_crs: str | None = None
    operation: str | None = None
    source_hash: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    rejects: list[Reject] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    report: LoadReport = dataclasses.field(init=False, repr=False)  # set when recorded

    def check(self) -> None:
        """Refuse a load that loaded nothing, or rejected anything under ``strict``.

        The caller's transaction then writes nothing; :func:`load_run` checks on the
        way out, and a loader may check earlier, before it replaces older rows.

        Raises
        ------
        InputError
            With ``strict``, naming the first reject; else when nothing loaded, with the
            loader's own line for that.
        """
        if self.strict and self.rejects:
            first = self.rejects[0].describe(self.source)
            msg = f"{first} ({len(self.rejects)} rejected in all; --strict: nothing was loaded)"
            raise InputError(msg)
        if not self.n_loaded:
            raise InputError(self.nothing_loaded(self))

    def _report(self) -> LoadReport:
        return LoadReport(
            run_id=self.run_id,
            kind=self.kind,
            source=self.source,
            n_read=self.n_read,
            n_loaded=self.n_loaded,
            n_repaired=self.n_repaired,
            n_rejected=len(self.rejects),
            duration_s=time.perf_counter() - self.started,
            source_crs=self.source_crs,
            operation=self.operation,
            warnings=tuple(self.warnings),
            rejects=tuple(self.rejects),
            n_skipped=self.n_skipped,
            notes=tuple(self.notes),
        )


@contextlib.contextmanager
def load_run(
    conn: Connection,
    t: Tables,
    *,
    kind: str,
    lgu_code: str,
    source: str,
    layer: str | None,
    options: dict[str, Any],
    nothing_loaded: Callable[[LoadRun], str],
    strict: bool = False,
    source_hash: str = "",
    started: float | None = None,
) -> Iterator[LoadRun]:
    """Keep one load's books: open its ``load_runs`` row, then check and record it.

    Inside the block the loader writes its rows (tagged with ``run.run_id``) and counts
    into the :class:`LoadRun`. When the block ends without an error, the load is
    checked (:meth:`LoadRun.check`) and its counts, warnings and rejects are recorded
    in the same transaction; ``run.report`` is then the :class:`LoadReport`.

    Parameters
    ----------
    conn
        The load's transaction.
    t
        The schema's tables.
    kind
        ``parcels``, ``buildings``, ``zones`` or ``register``.
    lgu_code
        The municipality the rows are loaded for.
    source
        The file (as given).
    layer
        The layer or sheet read, if chosen.
    options
        The load's options as recorded (the loader may add to ``run.options``).
    nothing_loaded
        Makes the one line for a load that loaded nothing.
    strict
        Refuse the whole load if any row or feature is rejected.
    source_hash
        The source's sha256, when already known (else set ``run.source_hash``).
    started
        ``time.perf_counter()`` when the load began (default: now); the duration counts from it.
    """
    run = LoadRun(
        run_id=start_run(
            conn,
            t,
            lgu_code=lgu_code,
            kind=kind,
            source=source,
            layer=layer,
            source_hash=source_hash,
            options=options,
        ),
        kind=kind,
        source=source,
        lgu_code=lgu_code,
        options=options,
        strict=strict,
        started=time.perf_counter() if started is None else started,
        nothing_loaded=nothing_loaded,
    )
    yield run
    run.check()
    run.report = run._report()
    finish_run(
        conn,
        t,
        run.report,
        lgu_code=lgu_code,
        rejects=run.rejects,
        source_hash=run.source_hash,
        options=run.options,
    )
