"""What a load did: counts, warnings and rejected rows, kept in ``load_runs`` and ``rejects``."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.db.schema import Tables

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
    """

    row_no: int | None
    feature_id: int | None
    field: str | None
    value: str | None
    reason: str

    def describe(self, source: str) -> str:
        """One line: ``file, row 5, field 'tax_year': '25x6' — expected a year``."""
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
) -> None:
    """Record a load's counts, warnings and rejects.

    ``source_hash``, when given, replaces the one :func:`start_run` recorded (a loader
    that hashes the source while it reads it starts the run before the hash is known).
    """
    hashed = {} if source_hash is None else {"source_hash": source_hash}
    conn.execute(
        t.load_runs.update()
        .where(t.load_runs.c.id == report.run_id)
        .values(
            **hashed,
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
