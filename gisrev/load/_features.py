"""Turning a layer's Arrow batches into columns for COPY.

A :class:`Decoder` reads batches in order and has worker threads decode their
geometry (:meth:`Batcher.decode`: parse, reproject, check, repair, encode as EWKB);
:meth:`Batcher.columns_of` then applies the rejects in feature order and turns the
attributes into canonical fields, all with vectorised shapely, numpy and Arrow.
:func:`gisrev.load.vector.load_vector` drives them inside one transaction.
"""

from __future__ import annotations

import codecs
import collections
import concurrent.futures
import dataclasses
import datetime as dt
import struct
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import Transformer

from gisrev.db.copy import ColumnValues
from gisrev.errors import InputError
from gisrev.load._personal import mask_embedded_ids, thai_id_mask, thai_id_number_mask
from gisrev.load._reproject import TOLERANCE_DEG, TOLERANCE_M, GridTransformer
from gisrev.load._wkb import reproject_polygons
from gisrev.load.mapping import ColumnMapping, value_map
from gisrev.load.normalise import CODE_SEPARATORS, parse_number
from gisrev.load.report import Reject
from gisrev.years import be, to_ce_year

#: Canonical categories of coded fields; other values are stored as NULL with a warning.
CATEGORIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("parcels", "observed_use"): ("agriculture", "residential", "other", "vacant", "mixed"),
    ("buildings", "use"): ("residential", "commercial", "industrial", "agriculture"),
    ("buildings", "structure"): ("masonry", "half", "wood"),
}
REQUIRED = {"parcels": ("parcel_code",), "buildings": (), "zones": ("price_per_sqwah",)}
_TEXT = {
    "parcel_code",
    "deed_no",
    "deed_type",
    "building_code",
    "building_type",
    "zone_code",
    "zone_name",
    "observed_use",
    "use",
    "structure",
}
_DIGIT_TEXT = {"deed_no", "building_type", "zone_code"}


def decodes(sample: bytes, encoding: str) -> bool:
    """Tell whether ``sample`` (perhaps cut mid-character at its end) is valid ``encoding``."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except LookupError:  # a codec Python does not know: trust the declaration
        return True
    except UnicodeDecodeError:
        return False
    return True


def _text(column: pa.Array | pa.ChunkedArray, *, digits: bool) -> pa.Array | pa.ChunkedArray:
    """Trim text (vectorised in Arrow); blanks become null.

    Numeric columns (DBFs often store codes as numbers) become text, integer-valued
    floats without a trailing ``.0``.
    """
    if pa.types.is_floating(column.type):
        whole = pc.fill_null(pc.equal(pc.floor(column), column), False)
        as_int = pc.cast(pc.if_else(whole, column, None), pa.int64())
        column = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(column, pa.string()))
    elif not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    column = pc.utf8_trim_whitespace(column)
    column = pc.if_else(pc.equal(pc.utf8_length(column), 0), None, column)
    if digits and pc.any(pc.match_substring_regex(column, "[๐-๙]")).as_py():
        for thai, arabic in zip("๐๑๒๓๔๕๖๗๘๙", "0123456789", strict=True):
            column = pc.replace_substring(column, pattern=thai, replacement=arabic)
    return column


def normalised_codes(codes: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """:func:`normalise_parcel_code`, vectorised in Arrow (same rules, same result)."""
    codes = _text(codes, digits=True)
    return pc.replace_substring_regex(pc.utf8_upper(codes), pattern=CODE_SEPARATORS, replacement="")


# Little-endian EWKB MultiPolygon headers with the SRID flag; a Polygon also needs a count of 1.
_EWKB_HEADERS = {
    "polygon": struct.Struct("<BIII"),  # byte order, type | SRID flag, SRID, number of polygons
    "multi": struct.Struct("<BII"),  # byte order, type | SRID flag, SRID
}


def _multipolygon_ewkb(geoms: np.ndarray, srid: int, *, wkb: pa.Array | None = None) -> pa.Array:
    """Return EWKB MultiPolygons carrying ``srid`` as an Arrow binary array.

    Polygons are wrapped by rewriting their WKB header, not rebuilt as geometries.
    ``wkb``, when given, is the geometries' little-endian 2-D WKB already.
    """
    if wkb is None:
        wkb = pa.array(shapely.to_wkb(geoms, byte_order=1, output_dimension=2), pa.binary())
    polygon = pa.scalar(_EWKB_HEADERS["polygon"].pack(1, 0x20000006, srid, 1), pa.binary())
    multi = pa.scalar(_EWKB_HEADERS["multi"].pack(1, 0x20000006, srid), pa.binary())
    is_polygon = shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON
    # A MultiPolygon's WKB after its 5-byte header (order, type) goes behind the EWKB header.
    head = pc.if_else(is_polygon, polygon, multi)
    if not is_polygon.all():  # (an explicit stop: pyarrow 26 fails without one)
        wkb = pc.if_else(is_polygon, wkb, pc.binary_slice(wkb, 5, np.iinfo(np.int32).max))
    return pc.binary_join_element_wise(head, wkb, b"")


@dataclasses.dataclass
class _Shapes:
    """One batch's geometry, decoded: what to reject, what was repaired, EWKB to send."""

    missing: np.ndarray
    unreadable: np.ndarray
    empty: np.ndarray
    bad_type: np.ndarray
    type_names: np.ndarray | None
    source_bounds: np.ndarray | None = None
    operation: str | None = None
    repaired: list[int] = dataclasses.field(default_factory=list)
    unrepairable: list[int] = dataclasses.field(default_factory=list)
    bounds: np.ndarray = dataclasses.field(default_factory=lambda: np.empty((0, 4)))
    ewkb: pa.Array = dataclasses.field(default_factory=lambda: pa.array([], pa.binary()))


class Batcher:
    """Turns Arrow batches into columns for COPY, collecting rejects, repairs and warnings."""

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
        self.kind = kind
        self.source = source
        self.encoding = encoding
        self.columns = columns
        self.transformer = transformer
        self.reproject: GridTransformer | None = None
        if transformer is not None:
            target = transformer.target_crs
            geographic = target is not None and target.is_geographic
            tolerance = TOLERANCE_DEG if geographic else TOLERANCE_M
            self.reproject = GridTransformer(transformer, tolerance=tolerance)
        self.srid = srid
        self.lgu_code = lgu_code
        self.run_id = run_id
        self.value_maps = {
            f: value_map(kind, f, mapping=mapping) for (k, f) in CATEGORIES if k == kind
        }
        self.rejects: list[Reject] = []
        self.unknown_values: dict[str, dict[str, int]] = {}
        self.ids_withheld: dict[str, int] = {}  # attrs column -> ID numbers not stored
        self.ids_masked: dict[str, int] = {}  # attrs column -> values with an ID masked inside
        self.seen_codes: dict[str, int] = {}
        self.n_read = self.n_loaded = self.n_repaired = 0
        self.operation: str | None = None
        self.source_bounds = np.array([np.inf, np.inf, -np.inf, -np.inf])
        self.bounds = np.array([np.inf, np.inf, -np.inf, -np.inf])

    def columns_of(
        self, batch: Any, shapes: _Shapes, *, fid_column: str, geom_column: str
    ) -> tuple[list[str], list[ColumnValues]]:
        """Return (column names, Arrow columns) of the features of one batch that load.

        ``shapes`` is the batch's :meth:`decode`.
        """
        n = batch.num_rows
        self.n_read += n
        fids = np.asarray(batch.column(fid_column).to_numpy(zero_copy_only=False), dtype=np.int64)
        attrs = batch.drop_columns([fid_column, geom_column])
        self._check_text(attrs, fids)
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

        self._geometry(shapes, reject)
        fields = self._fields(attrs, fids, reject)

        for i in sorted(reasons):
            field, value, why = reasons[i]
            self.rejects.append(
                Reject(row_no=None, feature_id=int(fids[i]), field=field, value=value, reason=why)
            )
        keep = np.flatnonzero(~rejected)
        self.n_loaded += len(keep)
        if not len(keep):
            return [], []
        take = None if len(keep) == n else pa.array(keep)
        b = shapes.bounds[keep]
        self.bounds = np.array(
            [
                min(self.bounds[0], b[:, 0].min()),
                min(self.bounds[1], b[:, 1].min()),
                max(self.bounds[2], b[:, 2].max()),
                max(self.bounds[3], b[:, 3].max()),
            ]
        )
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
            extra = extra if take is None else extra.take(take)
            values.append(pa.array(_json_lines(self._without_ids(extra)), pa.string()))
        return names, values

    def _without_ids(self, extra: pa.RecordBatch) -> pd.DataFrame:
        """Blank the cells that are national ID numbers (PDPA), counting them per column.

        Text and number columns both (a DBF number field of width 13 holds one as a
        number); a whole-number column keeps its other values whole. An ID number
        inside longer text is masked with x's.
        """
        integer_columns = []
        for k, (name, column) in enumerate(zip(extra.column_names, extra.columns, strict=True)):
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                ids = thai_id_mask(column)
            elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
                ids = thai_id_number_mask(column)
            else:
                continue
            if ids.any():
                self.ids_withheld[name] = self.ids_withheld.get(name, 0) + int(ids.sum())
                column = pc.if_else(pa.array(ids), pa.scalar(None, column.type), column)
                extra = extra.set_column(k, extra.schema.field(k), column)
                if pa.types.is_integer(column.type):
                    integer_columns.append(name)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                column, masked = mask_embedded_ids(column)  # an ID inside longer text
                if masked.any():
                    self.ids_masked[name] = self.ids_masked.get(name, 0) + int(masked.sum())
                    extra = extra.set_column(k, extra.schema.field(k), column)
        frame = extra.to_pandas()
        for name in integer_columns:  # else pandas makes them float for the blanks: 5 -> 5.0
            frame[name] = frame[name].astype("Int64")
        return frame

    def _check_text(self, attrs: pa.RecordBatch, fids: np.ndarray) -> None:
        """Refuse text that is not valid UTF-8 after decoding (a wrong encoding).

        Arrow's string kernels assume valid UTF-8, so this is checked before any of them run.
        """
        for name, column in zip(attrs.column_names, attrs.columns, strict=True):
            if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                continue
            try:
                column.validate(full=True)
            except pa.ArrowInvalid as exc:
                raw = column.cast(pa.large_binary()).to_pylist()
                bad = next(i for i, v in enumerate(raw) if v and not decodes(v, "utf-8"))
                msg = (
                    f"{self.source}, feature {int(fids[bad])}, field {name!r}: the text is not "
                    f"{self.encoding or 'in the encoding the source declares'}; "
                    "declare the encoding with --encoding, e.g. --encoding cp874"
                )
                raise InputError(msg) from exc

    def decode(self, batch: pa.RecordBatch, *, geom_column: str) -> _Shapes:
        """Read, check, reproject and repair one batch's geometry, and encode it for COPY.

        Changes nothing on ``self`` (but the reprojector's counts), so it runs in the
        read-ahead thread while this one finishes the batch before (shapely, pyproj and
        Arrow release the GIL); :meth:`columns_of` applies the result in order.
        """
        column = batch.column(geom_column)
        moved = None
        extent: list[float] = []
        if (reproject := self.reproject) is not None:
            # Polygon WKB reprojected in its bytes (_wkb.py), the source's extent noted.

            def transform(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                extent.extend([x.min(), y.min(), x.max(), y.max()])
                return reproject(x, y)

            moved = reproject_polygons(column, transform)
        wkb = (column if moved is None else moved).to_numpy(zero_copy_only=False)
        geoms = shapely.from_wkb(wkb, on_invalid="ignore")
        missing = pd.isna(wkb)
        types = shapely.get_type_id(geoms)
        empty = shapely.is_empty(geoms) & (types >= 0)
        polygonal = (types == shapely.GeometryType.POLYGON) | (
            types == shapely.GeometryType.MULTIPOLYGON
        )
        bad_type = ~polygonal & (types >= 0) & ~empty
        shapes = _Shapes(
            missing=missing,
            unreadable=~missing & (types < 0),
            empty=empty,
            bad_type=bad_type,
            type_names=(
                np.array([g.geom_type if g is not None else "" for g in geoms], dtype=object)
                if bad_type.any()
                else None
            ),
        )
        usable = polygonal & ~empty
        geoms = np.where(usable, geoms, None)
        if shapely.has_z(geoms).any():
            geoms = shapely.force_2d(geoms)
        if moved is not None and extent:
            shapes.source_bounds = np.array(extent)
        elif moved is None and usable.any():
            shapes.source_bounds = shapely.total_bounds(geoms[usable])
        transformed = moved is not None
        if not transformed and self.reproject is not None and usable.any():
            # The batch's coordinate arrays at once (x and y, no interleaving copy), PROJ
            # interpolated on a grid checked against PROJ to a millimetre (_reproject.py).
            geoms[usable] = shapely.transform(geoms[usable], self.reproject, interleaved=False)
            transformed = True
        if transformed and self.operation is None and self.transformer is not None:
            # The operation PROJ actually used (known only once it has transformed).
            shapes.operation = _operation(self.transformer)
        invalid = np.flatnonzero(usable & ~shapely.is_valid(geoms))
        if len(invalid):
            # Repair only the invalid subset; keep the polygonal parts of what make_valid returns.
            parts, owner = shapely.get_parts(shapely.make_valid(geoms[invalid]), return_index=True)
            part_types = shapely.get_type_id(parts)
            polygonal_part = (
                (part_types == shapely.GeometryType.POLYGON)
                | (part_types == shapely.GeometryType.MULTIPOLYGON)
            ) & ~shapely.is_empty(parts)
            for j, i in enumerate(invalid):
                polygons = parts[(owner == j) & polygonal_part]
                if len(polygons):
                    geoms[i] = shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]
                    shapes.repaired.append(int(i))
                else:
                    geoms[i] = None
                    shapes.unrepairable.append(int(i))
        shapes.bounds = shapely.bounds(geoms)
        as_read = moved is not None and not (shapes.repaired or shapes.unrepairable)
        shapes.ewkb = _multipolygon_ewkb(geoms, self.srid, wkb=moved if as_read else None)
        return shapes

    def _geometry(self, shapes: _Shapes, reject: Callable[..., None]) -> None:
        """Reject what :meth:`decode` found unusable, in order, and count what it repaired."""
        reject(shapes.missing, "geometry", None, "null geometry; expected a polygon")
        reject(shapes.unreadable, "geometry", None, "unreadable geometry (bad WKB)")
        reject(shapes.empty, "geometry", None, "empty geometry; expected a polygon")
        reject(shapes.bad_type, "geometry", shapes.type_names, "expected a Polygon or MultiPolygon")
        for i in shapes.unrepairable:
            reject(i, "geometry", None, "invalid polygon with no area left after repair")
        self.n_repaired += len(shapes.repaired)
        if shapes.source_bounds is not None:
            sb, b = self.source_bounds, shapes.source_bounds
            self.source_bounds = np.array(
                [min(sb[0], b[0]), min(sb[1], b[1]), max(sb[2], b[2]), max(sb[3], b[3])]
            )
        if self.operation is None:
            self.operation = shapes.operation

    def _fields(
        self, attrs: pa.RecordBatch, fids: np.ndarray, reject: Callable[..., None]
    ) -> dict[str, pa.Array]:
        out: dict[str, pa.Array] = {}
        for column, field in self.columns.items():
            raw = attrs.column(column)
            if field in _TEXT:
                values = _text(raw, digits=field in _DIGIT_TEXT)
                if field in self.value_maps:
                    values = self._categorise(field, values)
                out[field] = values
            else:
                out[field] = self._numbers(field, raw.to_pandas(), reject)
        for field in REQUIRED[self.kind]:
            if field not in out:
                continue
            blank = out[field].is_null().to_numpy(zero_copy_only=False)
            reject(blank, field, None, f"missing {field}")
        if "parcel_code" in out:
            self._duplicates(out["parcel_code"], fids, reject)
            out["parcel_code_norm"] = normalised_codes(attrs.column(self._source_of("parcel_code")))
        return out

    def _duplicates(self, codes: pa.Array, fids: np.ndarray, reject: Callable[..., None]) -> None:
        """Reject repeated parcel codes (in this batch or an earlier one); the first one loads."""
        listed = codes.to_numpy(zero_copy_only=False).tolist()
        # First feature of each code in this batch, by dict insertion from the end (C speed).
        first_here = dict(zip(reversed(listed), reversed(fids.tolist()), strict=True))
        first_here.pop(None, None)
        seen = self.seen_codes
        n_codes = len(listed) - codes.null_count
        if len(first_here) == n_codes and not (seen.keys() & first_here.keys()):
            seen.update(first_here)
            return
        dup = np.zeros(len(listed), dtype=bool)  # some code repeats: find which, in order
        first: list[Any] = [None] * len(listed)
        for i, code in enumerate(listed):
            if code is None:
                continue
            if code in seen:
                dup[i] = True
                first[i] = seen[code]
            else:
                seen[code] = int(fids[i])
        for j in np.flatnonzero(dup):
            reject(
                int(j),
                "parcel_code",
                listed,
                f"duplicate parcel_code; feature {first[j]} has the same code and was loaded",
            )

    def _source_of(self, field: str) -> str:
        return next(column for column, f in self.columns.items() if f == field)

    def _categorise(self, field: str, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        table = self.value_maps[field]
        allowed = set(CATEGORIES[(self.kind, field)])
        # Few distinct values: map those, then take by index.
        encoded = (
            pc.dictionary_encode(values).combine_chunks()
            if isinstance(values, pa.ChunkedArray)
            else pc.dictionary_encode(values)
        )
        mapped: list[str | None] = []
        counts = self.unknown_values.setdefault(field, {})
        value_counts = {d["values"]: d["counts"] for d in pc.value_counts(values).to_pylist()}
        for v in encoded.dictionary.to_pylist():
            canonical = table.get(v, v)
            if canonical in allowed:
                mapped.append(canonical)
            else:
                mapped.append(None)
                counts[v] = counts.get(v, 0) + int(value_counts.get(v, 0))
        if not counts:
            del self.unknown_values[field]
        return pc.take(pa.array(mapped, pa.string()), encoded.indices)

    def _numbers(self, field: str, raw: pd.Series, reject: Callable[..., None]) -> pa.Array:
        year = field == "year_built"
        integer = field in {"floors", "year_built"}
        if pd.api.types.is_numeric_dtype(raw) and not year:
            values = raw.to_numpy(dtype=float)
            nulls = np.isnan(values)
            # Refused as the text path refuses them: a number column's -2 floors as much as "-2".
            reject(~nulls & (values < 0), field, raw.to_numpy(), "expected a non-negative number")
            if integer:
                bad = ~nulls & (values != np.round(values))
                reject(bad, field, raw.to_numpy(), "expected a whole number")
                whole = np.where(nulls | bad, 0, values).astype(np.int64)
                return pa.array(whole, pa.int64(), mask=nulls | bad)
            return pa.array(values, pa.float64(), mask=nulls)
        # Text, and years in any column: each distinct value is read once (a layer has a few
        # dozen years built among its buildings), the result taken for every feature holding it.
        given = raw.to_numpy(dtype=object)
        codes, distinct = pd.factorize(given)  # blanks (None, NaN) get code -1
        this_year = dt.date.today().year
        read: list[float | int | None] = []
        refused: dict[str, list[int]] = {}
        for k, v in enumerate(distinct):
            try:
                if year:
                    built = None if parse_number(v) is None else to_ce_year(v)
                    if built is not None and built > this_year:
                        raise ValueError(f"a year built no later than {be(this_year)} (BE)")
                    read.append(built)
                    continue
                number = parse_number(v)
                if number is not None and number < 0:
                    raise ValueError("a non-negative number")
                if integer and number is not None:
                    if number != int(number):
                        raise ValueError("a whole number")
                    number = int(number)
                read.append(number)
            except ValueError as exc:
                refused.setdefault(f"expected {exc}", []).append(k)
                read.append(None)
        for why, ks in refused.items():
            reject(np.isin(codes, ks), field, given, why)
        out = np.array([*read, None], dtype=object)[codes]  # code -1 takes the trailing None
        return pa.array(out, pa.int64() if integer else pa.float64())


def _json_lines(frame: pd.DataFrame) -> list[str | None]:
    """Serialise each row to JSON text (pandas' C writer; NaN becomes null)."""
    if frame.empty:
        return []
    text = frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    return text.rstrip("\n").split("\n")


def _operation(transformer: Transformer) -> str:
    try:
        return transformer.get_last_used_operation().description
    except Exception:  # nothing transformed yet, or PROJ < 9.1
        return transformer.description


class Decoder:
    """Read batches in order and decode them in worker threads, a few ahead of their use.

    GDAL reads a batch without the GIL; shapely, pyproj, numpy and Arrow decode it
    mostly without, so two workers keep both cores busy while the caller turns the
    batch before into COPY data and the server ingests the one before that.
    Iterating yields ``(batch, decode(batch))`` in the reader's order.
    """

    def __init__(
        self, reader: Iterable[pa.RecordBatch], decode: Callable[[pa.RecordBatch], _Shapes]
    ) -> None:
        self._reader = iter(reader)
        self._decode = decode
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="gisrev-decode"
        )
        self._pending: collections.deque[
            tuple[pa.RecordBatch, concurrent.futures.Future[_Shapes]]
        ] = collections.deque()
        self._fill(1)  # the first batch starts decoding now, the next ones when asked

    def _fill(self, depth: int = 3) -> None:
        while len(self._pending) < depth and (batch := next(self._reader, None)) is not None:
            self._pending.append((batch, self._pool.submit(self._decode, batch)))

    def __iter__(self) -> Decoder:
        return self

    def __next__(self) -> tuple[pa.RecordBatch, _Shapes]:
        self._fill()
        if not self._pending:
            raise StopIteration
        batch, decoding = self._pending.popleft()
        return batch, decoding.result()

    def close(self) -> None:
        """Stop the workers (before the reader they read from is closed)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()
