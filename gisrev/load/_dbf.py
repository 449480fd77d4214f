"""A shapefile's attribute table read column-wise from the .dbf bytes.

GDAL reads a DBF value by value, recoding each text value through iconv; on a
100k-parcel map that is most of the time spent reading (bench/load.py). A DBF is
fixed-width records, so a column is a strided slice of the file: this module
trims, decodes and parses whole columns with numpy and Arrow, giving the same
values GDAL gives (shapelib's rules: a NUL ends a value, spaces are trimmed at
both ends, a blank is null). It serves character and numeric fields in CP874 or
UTF-8 (a number field holding something else comes back as text, for the load to
reject or keep); anything else (dates, logicals, another encoding, a header GDAL reads
differently) is left to GDAL: :meth:`DbfColumns.open` returns None.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gisrev.errors import InputError


def _cp874_table() -> tuple[np.ndarray, np.ndarray]:
    """Each byte's UTF-8 length (0: not a character in CP874) and its UTF-8 bytes."""
    lengths = np.zeros(256, dtype=np.int64)
    utf8 = np.zeros((256, 3), dtype=np.uint8)
    for byte in range(256):
        try:
            encoded = bytes([byte]).decode("cp874").encode("utf-8")
        except UnicodeDecodeError:
            continue
        lengths[byte] = len(encoded)
        utf8[byte, : len(encoded)] = list(encoded)
    return lengths, utf8


_CP874_LENGTH, _CP874_UTF8 = _cp874_table()
_NUMBER_BYTES = np.zeros(256, dtype=bool)
_NUMBER_BYTES[list(b"0123456789+-.eE*\x00 ")] = True
_TYPES = {"int32": pa.int32(), "int64": pa.int64(), "float64": pa.float64()}


@dataclass(frozen=True)
class _Field:
    name: str
    kind: str  # the DBF type letter
    offset: int  # in the record, after the deletion flag
    width: int
    arrow_type: pa.DataType


class DbfColumns:
    """The columns of a shapefile's DBF, taken by feature id (GDAL's FID is the record number)."""

    def __init__(self, source: str, records: np.ndarray, fields: list[_Field], encoding: str):
        self.source = source
        self.records = records
        self.fields = fields
        self.encoding = encoding
        self.names = [f.name for f in fields]

    @classmethod
    def open(cls, source: str, *, encoding: str | None, info: dict[str, Any]) -> DbfColumns | None:
        """Open the DBF of a shapefile (or of a .zip holding one), or None to leave it to GDAL.

        ``info`` is pyogrio's ``read_info`` of the layer: the names and types GDAL gives
        the fields, which this reader must reproduce exactly.
        """
        canonical = (encoding or "").upper().replace("_", "-")
        if canonical not in {"CP874", "UTF-8", "UTF8"}:
            return None
        data = _dbf_bytes(Path(source))
        if data is None or len(data) < 32:
            return None
        n_records = int.from_bytes(bytes(data[4:8]), "little")
        header_len = int.from_bytes(bytes(data[8:10]), "little")
        record_len = int.from_bytes(bytes(data[10:12]), "little")
        if record_len < 1 or header_len + n_records * record_len > len(data):
            return None
        header = bytes(data[:header_len])
        text_encoding = "cp874" if canonical == "CP874" else "utf-8"
        fields: list[_Field] = []
        offset = 1  # the deletion flag
        position = 32
        dtypes = dict(zip(map(str, info["fields"]), map(str, info["dtypes"]), strict=True))
        while position + 32 <= header_len and header[position] != 0x0D:
            d = header[position : position + 32]
            position += 32
            kind = chr(d[11])
            width = d[16] + (d[17] << 8 if kind == "C" else 0)  # shapelib: long text widths
            try:
                name = d[:11].split(b"\0", 1)[0].decode(text_encoding).strip()
            except UnicodeDecodeError:
                return None
            dtype = dtypes.get(name)
            if kind == "C" and dtype == "object":
                arrow_type = pa.string()
            elif kind in "NF" and dtype in _TYPES:
                arrow_type = _TYPES[dtype]
            else:
                return None
            fields.append(_Field(name, kind, offset, width, arrow_type))
            offset += width
        if offset != record_len or [f.name for f in fields] != list(map(str, info["fields"])):
            return None
        records = np.frombuffer(
            data, dtype=np.uint8, count=n_records * record_len, offset=header_len
        ).reshape(n_records, record_len)
        return cls(source, records, fields, "CP874" if canonical == "CP874" else "UTF-8")

    def take(self, fids: np.ndarray) -> list[pa.Array]:
        """Return every field's values for the records ``fids``, as GDAL would read them."""
        if len(fids) and (fids.min() < 0 or fids.max() >= len(self.records)):
            bad = int(fids[(fids < 0) | (fids >= len(self.records))][0])
            msg = (
                f"{self.source}, feature {bad}: the .dbf has {len(self.records)} records, none for "
                "this shape; export the layer again with its .dbf"
            )
            raise InputError(msg)
        if len(fids) and fids[-1] - fids[0] == len(fids) - 1 and (np.diff(fids) == 1).all():
            rows = self.records[fids[0] : fids[-1] + 1]  # the usual case: a run of records
        else:
            rows = self.records[fids]
        columns = []
        for field in self.fields:
            block = rows[:, field.offset : field.offset + field.width]
            if field.kind == "C":
                columns.append(self._text(block, fids, field.name))
            else:
                columns.append(self._number(block, fids, field))
        return columns

    def attach(self, batch: pa.RecordBatch, *, fid_column: str) -> pa.RecordBatch:
        """Return ``batch`` (read by GDAL without attributes) with the fields added."""
        fids = batch.column(fid_column).to_numpy(zero_copy_only=False)
        return pa.RecordBatch.from_arrays(
            [*batch.columns, *self.take(fids)], names=[*batch.schema.names, *self.names]
        )

    def _text(self, block: np.ndarray, fids: np.ndarray, name: str) -> pa.Array:
        if (block == 0).any():  # a NUL ends the value: blank out what follows it
            block = np.where(np.logical_and.accumulate(block != 0, axis=1), block, 0x20)
        # Spaces are trimmed bytewise (ASCII), so the bytes are viewed as text before decoding.
        raw = _fixed_width(block).cast(pa.binary()).view(pa.string())
        trimmed = pc.ascii_trim(raw, " ").view(pa.binary())
        offsets = np.frombuffer(trimmed.buffers()[1], dtype=np.int32)[: len(block) + 1]
        data = np.frombuffer(trimmed.buffers()[2] or b"", dtype=np.uint8)[: offsets[-1]]
        if self.encoding == "CP874" and (data >= 0x80).any():
            sizes = _CP874_LENGTH[data]
            if not sizes.all():
                row = int(np.searchsorted(offsets, np.flatnonzero(sizes == 0)[0], "right")) - 1
                msg = (
                    f"{self.source}, feature {int(fids[row])}, field {name!r}: the text is not "
                    "CP874; declare the encoding with --encoding, e.g. --encoding utf-8"
                )
                raise InputError(msg)
            grown = np.zeros(len(data) + 1, dtype=np.int64)
            np.cumsum(sizes, out=grown[1:])
            if grown[-1] > np.iinfo(np.int32).max:
                msg = f"{self.source}, field {name!r}: over 2 GB of text in one batch"
                raise InputError(msg)
            data = _CP874_UTF8[data][np.arange(3) < sizes[:, None]]
            offsets = grown[offsets].astype(np.int32)
        blank = np.diff(offsets) == 0  # GDAL reads an empty value as null
        text = pa.Array.from_buffers(
            pa.string(),
            len(block),
            [
                pa.py_buffer(np.packbits(~blank, bitorder="little")),
                pa.py_buffer(offsets),
                pa.py_buffer(data),
            ],
        )
        return text

    def _number(self, block: np.ndarray, fids: np.ndarray, field: _Field) -> pa.Array:
        """Parse a number field as GDAL reads it: a blank, or asterisks, is null.

        A batch in which some value is not a number ("12.5.0", a word) comes back as
        the field's text instead, so that the load rejects those features for a
        mapped field, with their value, and keeps the text of an unmapped one.
        """
        if _NUMBER_BYTES[block].all():
            text = pc.utf8_trim(_fixed_width(block).cast(pa.string()), "\0 ")
            text = pc.if_else(
                pc.or_(pc.equal(pc.utf8_length(text), 0), pc.starts_with(text, "*")), None, text
            )
            try:
                values = pc.cast(text, pa.float64())
                if field.arrow_type == pa.float64():
                    return values
                return pc.cast(values, field.arrow_type)  # fails on a fraction, as text below
            except pa.ArrowInvalid:
                pass
        text = self._text(block, fids, field.name)
        return pc.if_else(pc.fill_null(pc.starts_with(text, "*"), False), None, text)


def _fixed_width(block: np.ndarray) -> pa.FixedSizeBinaryArray:
    """View the rows of a 2-D byte array as Arrow fixed-width binary values."""
    block = np.ascontiguousarray(block)
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(block.shape[1]), len(block), [None, pa.py_buffer(block)]
    )


def _dbf_bytes(p: Path) -> Any:
    """Return the .dbf of a shapefile (memory-mapped) or of the one in a .zip (read), or None."""
    if p.suffix.lower() == ".zip" and p.is_file():
        with zipfile.ZipFile(p) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".dbf")]
            return zf.read(names[0]) if len(names) == 1 else None
    if p.suffix.lower() != ".shp":
        return None
    dbf = [s for s in p.parent.glob(p.stem + ".*") if s.suffix.lower() == ".dbf"]
    if len(dbf) != 1 or dbf[0].stat().st_size == 0:
        return None
    return np.memmap(dbf[0], dtype=np.uint8, mode="r")
