"""Turning a layer's Arrow batches into columns for COPY.

A :class:`Decoder` reads batches in order and has worker threads decode their
geometry (:meth:`gisrev.load._geometry.LayerGeometry.decode`: parse, reproject, check,
repair, encode as EWKB); :meth:`Batcher.columns_of` then applies the rejects in feature
order and turns the attributes into canonical fields
(:class:`gisrev.load._attributes.LayerAttributes`), all with vectorised shapely, numpy
and Arrow. :func:`gisrev.load.vector.load_vector` drives them inside one transaction.
"""

from __future__ import annotations

import collections
import concurrent.futures
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pyarrow as pa
from pyproj import Transformer

from gisrev.db.copy import ColumnValues
from gisrev.load._attributes import LayerAttributes
from gisrev.load._geometry import LayerGeometry, Shapes
from gisrev.load.mapping import ColumnMapping
from gisrev.load.report import Reject


class Batcher:
    """Turns Arrow batches into columns for COPY, collecting rejects, repairs and warnings.

    Attributes
    ----------
    geometry
        The layer's geometry: decodes each batch; repairs, extents, PROJ operation.
    attributes
        The layer's attributes: canonical fields; values and ID numbers set aside.
    rejects
        Every feature not loaded, in feature order.
    """

    def __init__(
        self,
        *,
        kind: str,
        source: str,
        encoding: str | None,
        columns: dict[str, str],
        mapping: ColumnMapping | None,
        transformer: Transformer | None,
        srid: int,
        lgu_code: str,
        run_id: int,
    ) -> None:
        self.geometry = LayerGeometry(transformer, srid=srid)
        self.attributes = LayerAttributes(
            kind=kind, source=source, encoding=encoding, columns=columns, mapping=mapping
        )
        self.columns = columns
        self.lgu_code = lgu_code
        self.run_id = run_id
        self.rejects: list[Reject] = []
        self.n_read = self.n_loaded = 0

    def decode(self, batch: pa.RecordBatch, *, geom_column: str) -> Shapes:
        """Decode one batch's geometry (:meth:`LayerGeometry.decode`; any thread)."""
        return self.geometry.decode(batch, geom_column=geom_column)

    def columns_of(
        self, batch: Any, shapes: Shapes, *, fid_column: str, geom_column: str
    ) -> tuple[list[str], list[ColumnValues]]:
        """Return (column names, Arrow columns) of the features of one batch that load.

        ``shapes`` is the batch's :meth:`decode`.
        """
        n = batch.num_rows
        self.n_read += n
        fids = np.asarray(batch.column(fid_column).to_numpy(zero_copy_only=False), dtype=np.int64)
        attrs = batch.drop_columns([fid_column, geom_column])
        self.attributes.check_text(attrs, fids)
        rejected = np.zeros(n, dtype=bool)
        reasons: dict[int, tuple[str | None, str | None, str]] = {}

        def reject(where: np.ndarray | int, field: str | None, values: Any, why: str) -> None:
            """Reject the features at a boolean mask or one index (the first reason stays)."""
            if isinstance(where, int | np.integer):
                indices = [int(where)] if not rejected[where] else []
            else:
                indices = np.flatnonzero(np.asarray(where, dtype=bool) & ~rejected).tolist()
            for i in indices:
                shown = None if values is None else values[i]
                reasons[i] = (field, None if shown is None else str(shown), why)
                rejected[i] = True

        self.geometry.apply(shapes, reject)
        fields = self.attributes.fields(attrs, fids, reject)
        for i in sorted(reasons):
            field, value, why = reasons[i]
            self.rejects.append(
                Reject(row_no=None, feature_id=int(fids[i]), field=field, value=value, reason=why)
            )
        keep = np.flatnonzero(~rejected)
        self.n_loaded += len(keep)
        if not len(keep):
            return [], []
        self.geometry.loaded(shapes, keep)
        return self._kept(attrs, shapes, fields, None if len(keep) == n else pa.array(keep))

    def _kept(
        self,
        attrs: pa.RecordBatch,
        shapes: Shapes,
        fields: dict[str, pa.Array],
        take: pa.Array | None,
    ) -> tuple[list[str], list[ColumnValues]]:
        """Return the COPY columns of the features at ``take`` (all when None)."""
        names: list[str] = ["lgu_code", "run_id", "geom"]
        values: list[ColumnValues] = [
            self.lgu_code,
            self.run_id,
            shapes.ewkb if take is None else shapes.ewkb.take(take),
        ]
        for field, column in fields.items():
            names.append(field)
            values.append(column if take is None else column.take(take))
        extra = attrs.drop_columns([c for c in self.columns if c in attrs.column_names])
        if extra.num_columns:
            names.append("attrs")
            values.append(self.attributes.extra_json(extra if take is None else extra.take(take)))
        return names, values


class Decoder:
    """Read batches in order and decode them in worker threads, a few ahead of their use.

    GDAL reads a batch without the GIL; shapely, pyproj, numpy and Arrow decode it
    mostly without, so two workers keep both cores busy while the caller turns the
    batch before into COPY data and the server ingests the one before that.
    Iterating yields ``(batch, decode(batch))`` in the reader's order.
    """

    def __init__(
        self, reader: Iterable[pa.RecordBatch], decode: Callable[[pa.RecordBatch], Shapes]
    ) -> None:
        self._reader = iter(reader)
        self._decode = decode
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="gisrev-decode"
        )
        self._pending: collections.deque[
            tuple[pa.RecordBatch, concurrent.futures.Future[Shapes]]
        ] = collections.deque()
        self._fill(1)  # the first batch starts decoding now, the next ones when asked

    def _fill(self, depth: int = 3) -> None:
        while len(self._pending) < depth and (batch := next(self._reader, None)) is not None:
            self._pending.append((batch, self._pool.submit(self._decode, batch)))

    def __iter__(self) -> Decoder:
        return self

    def __next__(self) -> tuple[pa.RecordBatch, Shapes]:
        self._fill()
        if not self._pending:
            raise StopIteration
        batch, decoding = self._pending.popleft()
        return batch, decoding.result()

    def close(self) -> None:
        """Stop the workers (before the reader they read from is closed)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()
