"""A layer's attributes, batch by batch: canonical fields, codes and the columns kept aside.

:class:`LayerAttributes` turns the source columns named by the mapping into canonical
fields (text trimmed, Thai digits made Arabic, numbers and years read once per distinct
value, coded values mapped), rejects what a field cannot hold and repeated parcel codes,
and keeps the other columns as JSON with national ID numbers left out. Vectorised in
Arrow, numpy and pandas.
"""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from gisrev.errors import InputError
from gisrev.load._personal import (
    mask_embedded_ids,
    masked_warning,
    thai_id_mask,
    thai_id_number_mask,
    withheld_warning,
)
from gisrev.load.mapping import ColumnMapping, value_map
from gisrev.load.normalise import CODE_SEPARATORS, parse_number
from gisrev.years import be, to_ce_year

#: Canonical categories of coded fields; other values are stored as NULL with a warning.
CATEGORIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("parcels", "observed_use"): ("agriculture", "residential", "other", "vacant", "mixed"),
    ("buildings", "use"): ("residential", "commercial", "industrial", "agriculture"),
    ("buildings", "structure"): ("masonry", "half", "wood"),
}
#: The layers a vector source can load.
VECTOR_KINDS = ("parcels", "buildings", "zones")
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


class LayerAttributes:
    """The attributes of one layer load: canonical fields per batch, and what was set aside.

    Attributes
    ----------
    unknown_values
        Per coded field, the values not among its categories and how often each was seen.
    ids_withheld
        Per kept column, the national ID numbers not stored.
    ids_masked
        Per kept column, the values stored with an ID number inside them masked.
    """

    def __init__(
        self,
        *,
        kind: str,
        source: str,
        encoding: str | None,
        columns: dict[str, str],
        mapping: ColumnMapping | None,
    ) -> None:
        self.kind = kind
        self.source = source
        self.encoding = encoding
        self.columns = columns
        self.value_maps = {
            f: value_map(kind, f, mapping=mapping) for (k, f) in CATEGORIES if k == kind
        }
        self.unknown_values: dict[str, dict[str, int]] = {}
        self.ids_withheld: dict[str, int] = {}  # attrs column -> ID numbers not stored
        self.ids_masked: dict[str, int] = {}  # attrs column -> values with an ID masked inside
        self.seen_codes: dict[str, int] = {}

    def warnings(self) -> list[str]:
        """Return the lines about values stored as empty and ID numbers not stored."""
        lines = []
        for field, counts in self.unknown_values.items():
            shown = ", ".join(
                f"{v!r} ({c})" for v, c in sorted(counts.items(), key=lambda kv: -kv[1])[:5]
            )
            lines.append(
                f"{self.source}: {field} values not in "
                f"{', '.join(CATEGORIES[(self.kind, field)])} were stored as empty: {shown}; "
                f"map them in [{self.kind}.values.{field}] of the mapping file"
            )
        lines += [withheld_warning(self.source, c, k) for c, k in self.ids_withheld.items()]
        lines += [masked_warning(self.source, c, k) for c, k in self.ids_masked.items()]
        return lines

    def extra_json(self, extra: pa.RecordBatch) -> pa.Array:
        """Return the columns kept aside as one JSON text per feature, ID numbers left out."""
        return pa.array(_json_lines(self._without_ids(extra)), pa.string())

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

    def check_text(self, attrs: pa.RecordBatch, fids: np.ndarray) -> None:
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

    def fields(
        self, attrs: pa.RecordBatch, fids: np.ndarray, reject: Callable[..., None]
    ) -> dict[str, pa.Array]:
        """Return the batch's canonical fields as Arrow arrays; reject what they cannot hold."""
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
