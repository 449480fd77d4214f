"""The column-wise DBF reader gives exactly what GDAL gives, or steps aside for GDAL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyogrio
import pytest
from fixtures_load import utm_square, write_vector
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyogrio.raw import read_arrow

from gisrev.errors import InputError
from gisrev.load._dbf import DbfColumns

THAI = "".join(chr(c) for c in range(0x0E01, 0x0E3B)) + "".join(
    chr(c) for c in range(0x0E3F, 0x0E5C)
)


def _both(path: Path, encoding: str) -> tuple[list[pa.Array], pa.Table, DbfColumns]:
    """Return (this reader's columns, GDAL's table, the reader) for the whole file."""
    info = pyogrio.read_info(path, encoding=encoding)
    dbf = DbfColumns.open(str(path), encoding=encoding, info=info)
    assert dbf is not None
    _, table = read_arrow(path, encoding=encoding, return_fids=True)
    return dbf.take(table.column("OGC_FID").to_numpy()), table, dbf


def _ours(path: Path, encoding: str, n: int) -> list[pa.Array]:
    """Read the first ``n`` records with this reader only."""
    dbf = DbfColumns.open(str(path), encoding=encoding, info=pyogrio.read_info(path))
    assert dbf is not None
    return dbf.take(np.arange(n))


def _assert_same_as_gdal(path: Path, encoding: str) -> None:
    ours, gdal, dbf = _both(path, encoding)
    for name, column in zip(dbf.names, ours, strict=True):
        expected = gdal.column(name).combine_chunks()
        assert column.type == expected.type, name
        assert column.to_pylist() == expected.to_pylist(), name


def _shapefile(path: Path, records: list[dict[str, object]], encoding: str = "cp874") -> Path:
    squares = [utm_square(500_000 + 30 * i, 2_070_000) for i in range(len(records))]
    return write_vector(path, records, squares, crs=32647, encoding=encoding)


def test_thai_text_numbers_blanks_and_nulls_read_as_gdal_reads_them(tmp_path: Path) -> None:
    records = [
        {"CODE": "50-1004-1", "USE": "ที่อยู่อาศัย", "NOTE": "  เว้นหน้า  ", "FLOORS": 2, "AREA": 120.5},
        {"CODE": " A 2 ", "USE": "", "NOTE": None, "FLOORS": None, "AREA": None},
        {"CODE": "๑๒๓", "USE": "พาณิชยกรรม", "NOTE": "x", "FLOORS": -3, "AREA": -0.25},
        {"CODE": "€ ‘quote’", "USE": "เกษตรกรรม", "NOTE": "tab\there", "FLOORS": 0, "AREA": 1e7},
    ]
    path = _shapefile(tmp_path / "p.shp", records)

    _assert_same_as_gdal(path, "CP874")
    ours, _, _ = _both(path, "CP874")
    assert ours[0].to_pylist() == ["50-1004-1", "A 2", "๑๒๓", "€ ‘quote’"]  # trimmed both ends
    assert ours[1].to_pylist()[1] is None  # a blank is null, as GDAL has it
    assert ours[3].to_pylist() == [2, None, -3, 0]


def test_a_nul_ends_a_value_as_in_shapelib(tmp_path: Path) -> None:
    path = _shapefile(tmp_path / "p.shp", [{"CODE": "AB CD"}, {"CODE": "EFGH"}])
    dbf_file = path.with_suffix(".dbf")
    data = bytearray(dbf_file.read_bytes())
    first = data.index(b"AB CD")
    data[first + 2] = 0  # "AB\0CD": some writers pad with NULs, some leave junk after one
    data[data.index(b"EFGH") + 4 :][:10] = b"\0" * 10
    dbf_file.write_bytes(bytes(data))

    _assert_same_as_gdal(path, "CP874")
    ours, _, _ = _both(path, "CP874")
    assert ours[0].to_pylist() == ["AB", "EFGH"]


def test_a_records_subset_and_order_follow_the_feature_ids(tmp_path: Path) -> None:
    path = _shapefile(tmp_path / "p.shp", [{"CODE": f"P{i}", "N": i} for i in range(10)])
    info = pyogrio.read_info(path, encoding="CP874")
    dbf = DbfColumns.open(str(path), encoding="CP874", info=info)
    assert dbf is not None

    codes, numbers = dbf.take(np.array([7, 2, 9]))

    assert codes.to_pylist() == ["P7", "P2", "P9"]
    assert numbers.to_pylist() == [7, 2, 9]


def test_a_byte_cp874_lacks_is_refused_naming_feature_and_field(tmp_path: Path) -> None:
    path = _shapefile(
        tmp_path / "p.shp", [{"CODE": "ok", "USE": "aaa"}, {"CODE": "ok2", "USE": "bbb"}]
    )
    dbf_file = path.with_suffix(".dbf")
    data = bytearray(dbf_file.read_bytes())
    data[data.index(b"bbb")] = 0xDB  # not a character in CP874
    dbf_file.write_bytes(bytes(data))

    with pytest.raises(InputError, match=r"p\.shp, feature 1, field 'USE': the text is not CP874"):
        _ours(path, "CP874", 2)


def test_a_number_field_holding_something_else_comes_back_as_text(tmp_path: Path) -> None:
    path = _shapefile(
        tmp_path / "p.shp", [{"AREA": 1.5}, {"AREA": 22.25}, {"AREA": None}, {"AREA": 3.0}]
    )
    dbf_file = path.with_suffix(".dbf")
    data = bytearray(dbf_file.read_bytes())
    at = data.index(b"22.25")
    data[at : at + 5] = b"22.2."  # a hand-edited DBF
    dbf_file.write_bytes(bytes(data))

    (area,) = _ours(path, "CP874", 4)
    # As typed, for the load to reject (a mapped field) or keep (an unmapped one); null stays null.
    assert area.type == pa.string()
    first, edited, blank, last = area.to_pylist()
    assert (float(first), blank, float(last)) == (1.5, None, 3.0)
    assert edited.startswith("22.2.") and edited.strip() == edited


def test_fields_it_does_not_read_and_other_encodings_are_left_to_gdal(tmp_path: Path) -> None:
    dated = _shapefile(tmp_path / "d.shp", [{"CODE": "A", "SURVEYED": "20240102"}])
    dbf_file = dated.with_suffix(".dbf")
    data = bytearray(dbf_file.read_bytes())
    descriptor = data.index(b"SURVEYED")
    data[descriptor + 11] = ord("D")  # now a date field (YYYYMMDD), its width 8 ...
    data[descriptor + 16] = 8
    at = data.index(b"20240102")  # ... and the record shortened to match
    del data[at + 8 : at + 80]
    data[10:12] = (int.from_bytes(data[10:12], "little") - 72).to_bytes(2, "little")
    dbf_file.write_bytes(bytes(data))
    info = pyogrio.read_info(dated)
    assert str(info["dtypes"][1]).startswith("datetime64")
    assert DbfColumns.open(str(dated), encoding="CP874", info=info) is None
    plain = _shapefile(tmp_path / "p.shp", [{"CODE": "A"}], encoding="latin1")
    info = pyogrio.read_info(plain, encoding="latin1")
    assert DbfColumns.open(str(plain), encoding="latin1", info=info) is None
    assert DbfColumns.open(str(tmp_path / "p.gpkg"), encoding="UTF-8", info=info) is None


texts = st.one_of(st.none(), st.text(alphabet=THAI + " abcXYZ019-./", max_size=20))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            texts,
            st.one_of(st.none(), st.integers(-(10**8), 10**8)),
            st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False).map(lambda v: round(v, 4))),
        ),
        min_size=1,
        max_size=30,
    ),
    encoding=st.sampled_from(["cp874", "UTF-8"]),
)
def test_any_text_and_numbers_read_as_gdal_reads_them(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[object, ...]], encoding: str
) -> None:
    records = [{"NAME": t, "COUNT": i, "VALUE": v} for t, i, v in rows]
    path = _shapefile(tmp_path_factory.mktemp("dbf") / "p.shp", records, encoding=encoding)
    _assert_same_as_gdal(path, encoding.upper())


def test_a_feature_with_no_record_in_the_dbf_is_named(tmp_path: Path) -> None:
    path = _shapefile(tmp_path / "p.shp", [{"CODE": "A"}, {"CODE": "B"}])
    info = pyogrio.read_info(path, encoding="CP874")
    dbf = DbfColumns.open(str(path), encoding="CP874", info=info)
    assert dbf is not None

    with pytest.raises(InputError, match=r"p\.shp, feature 2: the \.dbf has 2 records"):
        dbf.take(np.array([0, 2]))
