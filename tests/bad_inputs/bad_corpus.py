"""A corpus of broken input files, generated on the fly, each with the outcome it must have.

Every case writes its files into a fresh folder and names the ``gisrev`` command
that loads them. The expected outcome is stated exactly: the exit status, one line
the user must see (a regular expression), the rejects the load must record
(row or feature, field, value, reason) and whether the database must be left
exactly as it was. Geometry sits next to the tiny town of ``tests/town.py``
(UTM zone 47N), so loads never trigger the "far from the other layers" warning
unless a case means to.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import shapely
from pyproj import Transformer

ORIGIN_X = 660_000.0  # as tests/town.py: EPSG:32647, central Thailand
ORIGIN_Y = 1_590_000.0


def square(i: int, *, size: float = 20.0) -> shapely.Polygon:
    """The ``i``-th 20 m square parcel of a row starting at the town's origin."""
    x = ORIGIN_X + 30.0 * i
    return shapely.box(x, ORIGIN_Y, x + size, ORIGIN_Y + size)


@dataclasses.dataclass(frozen=True)
class RejectEntry:
    """One row of the ``rejects`` table the load must write (``reason`` is a regex)."""

    where: str  # "row 3" or "feature 1"
    field: str | None
    value: str | None
    reason: str


@dataclasses.dataclass(frozen=True)
class Case:
    """One broken input and what loading it must do.

    Attributes
    ----------
    name
        Test id.
    build
        Writes the files into the folder given and returns the CLI arguments
        (after ``gisrev``), paths inside that folder.
    code
        Expected exit status.
    line
        Regular expression one line of stdout or stderr must match.
    rejects
        The rejects the load must record, in row/feature order (empty: none).
    unchanged
        True when the database must be exactly as before (the load failed).
    check
        Optional SQL returning one value, and the value expected after the load.
    xfail
        A known bug not fixed yet (the test must fail until it is).
    """

    name: str
    build: Callable[[Path], list[str]]
    code: int
    line: str
    rejects: tuple[RejectEntry, ...] = ()
    unchanged: bool = False
    check: tuple[str, Any] | None = None
    xfail: str | None = None


# ---------------------------------------------------------------- writers

def write_layer(path: Path, records: Sequence[dict[str, Any]],
                geometries: Sequence[shapely.Geometry | None], *, crs: int | None = 32647,
                encoding: str | None = None) -> Path:
    """Write features with pyogrio; the format follows the suffix."""
    frame = gpd.GeoDataFrame(list(records), geometry=list(geometries), crs=crs)
    pyogrio.write_dataframe(frame, path, **({"encoding": encoding} if encoding else {}))
    return path


def write_geojson(path: Path, features: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> Path:
    """Write raw GeoJSON (properties, geometry) so any geometry type can appear."""
    import json

    body = {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]}
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], *,
              encoding: str = "utf-8") -> Path:
    """Write a register CSV in ``encoding`` (cp874 has no BOM)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _polygon_json(geom: shapely.Geometry) -> dict[str, Any]:
    return shapely.geometry.mapping(geom)  # type: ignore[attr-defined, no-any-return]


REGISTER_HEADER = ["รหัสแปลง", "ปีภาษี", "ชื่อเจ้าของ", "ประเภทการใช้ประโยชน์", "ภาษีที่ประเมิน",
                   "ภาษีที่ชำระ"]


def _register_row(code: str, *, year: Any = "2566", assessed: Any = "100", paid: Any = "100",
                  owner: str = "นายทดสอบ ใจดี", use: str = "ที่อยู่อาศัย") -> list[Any]:
    return [code, year, owner, use, assessed, paid]


# ---------------------------------------------------------------- shapefiles

def _shp(folder: Path, name: str = "parcels", n: int = 2) -> Path:
    return write_layer(folder / f"{name}.shp", [{"PCODE": f"N-{i}"} for i in range(n)],
                       [square(i) for i in range(n)])


def missing_dbf(folder: Path) -> list[str]:
    shp = _shp(folder)
    shp.with_suffix(".dbf").unlink()
    return ["load", "parcels", str(shp)]


def missing_shx(folder: Path) -> list[str]:
    shp = _shp(folder)
    shp.with_suffix(".shx").unlink()
    return ["load", "parcels", str(shp)]


def missing_prj(folder: Path) -> list[str]:
    shp = _shp(folder)
    shp.with_suffix(".prj").unlink()
    return ["load", "parcels", str(shp)]


def wrong_prj(folder: Path) -> list[str]:
    """UTM 47N coordinates whose .prj says UTM 48N: they land outside zone 48's area."""
    shp = _shp(folder)
    shp.with_suffix(".prj").write_text(pyogrio_wkt(32648))
    return ["load", "parcels", str(shp)]


def garbage_prj(folder: Path) -> list[str]:
    shp = _shp(folder)
    shp.with_suffix(".prj").write_text("this is not a projection")
    return ["load", "parcels", str(shp)]


def pyogrio_wkt(epsg: int) -> str:
    """The ESRI WKT of an EPSG code, as a .prj holds it."""
    from pyproj import CRS

    return CRS.from_epsg(epsg).to_wkt("WKT1_ESRI")


def degrees_as_utm(folder: Path) -> list[str]:
    lon, lat = Transformer.from_crs(32647, 4326, always_xy=True).transform(ORIGIN_X, ORIGIN_Y)
    boxes = [shapely.box(lon + 0.0003 * i, lat, lon + 0.0003 * i + 0.0002, lat + 0.0002)
             for i in range(2)]
    path = write_layer(folder / "parcels.shp", [{"PCODE": "D-0"}, {"PCODE": "D-1"}], boxes)
    return ["load", "parcels", str(path)]


def empty_shp(folder: Path) -> list[str]:
    """A valid shapefile with no features at all (an export of an empty selection)."""
    return ["load", "parcels", str(_empty(folder))]


def _empty(folder: Path) -> Path:
    frame = gpd.GeoDataFrame({"PCODE": []}, geometry=gpd.GeoSeries([], crs=32647))
    path = folder / "parcels.shp"
    pyogrio.write_dataframe(frame, path, geometry_type="Polygon")
    return path


def zero_byte_shp(folder: Path) -> list[str]:
    shp = _shp(folder)
    for suffix in (".shp", ".shx", ".dbf"):
        shp.with_suffix(suffix).write_bytes(b"")
    return ["load", "parcels", str(shp)]


def zero_byte_geojson(folder: Path) -> list[str]:
    path = folder / "parcels.geojson"
    path.write_bytes(b"")
    return ["load", "parcels", str(path)]


def truncated_shp(folder: Path) -> list[str]:
    shp = _shp(folder, n=5)
    data = shp.read_bytes()
    shp.write_bytes(data[: len(data) // 2])
    return ["load", "parcels", str(shp)]


def zip_without_shapefile(folder: Path) -> list[str]:
    path = folder / "parcels.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "no map in here")
    return ["load", "parcels", str(path)]


def _patched_dbf(folder: Path, records: Sequence[dict[str, Any]], old: bytes, new: bytes) -> Path:
    """A cp874 shapefile whose DBF has ``old`` overwritten by ``new`` (same length)."""
    shp = write_layer(folder / "parcels.shp", records, [square(i) for i in range(len(records))],
                      encoding="cp874")
    dbf = shp.with_suffix(".dbf")
    data = dbf.read_bytes()
    assert len(old) == len(new) and data.count(old) == 1
    dbf.write_bytes(data.replace(old, new))
    return shp


def dbf_garbage_number(folder: Path) -> list[str]:
    """The price field (a DBF number field) holding "12.5.0" (a hand-edited DBF)."""
    shp = _patched_dbf(folder, [{"PCODE": "G-0", "PRICE": 1.5}, {"PCODE": "G-1", "PRICE": 12.75}],
                       b"12.75", b"12.5.")
    dbf = shp.with_suffix(".dbf")  # and the zeros after it blanked: the field reads "12.5.0"
    dbf.write_bytes(re.sub(rb"12\.5\.(0+)", lambda m: b"12.5.0".ljust(len(m.group())),
                           dbf.read_bytes()))
    return ["load", "parcels", str(shp)]


def dbf_not_cp874(folder: Path) -> list[str]:
    """A .cpg saying CP874 over text holding a byte CP874 has no character for."""
    shp = _patched_dbf(folder, [{"PCODE": "T-0", "LANDUSE": "ที่อยู่"}, {"PCODE": "T-1",
                                 "LANDUSE": "abc"}], b"abc", b"a\xfcc")
    return ["load", "parcels", str(shp)]


# ---------------------------------------------------------------- geometry

def zero_area(folder: Path) -> list[str]:
    x, y = ORIGIN_X, ORIGIN_Y
    flat = {"type": "Polygon", "coordinates": [[[x, y], [x + 10, y], [x + 20, y], [x, y]]]}
    path = write_geojson(folder / "parcels.geojson", [
        ({"parcel_code": "OK-1"}, _polygon_json(square(0))),
        ({"parcel_code": "FLAT"}, flat),
    ])
    return ["load", "parcels", "--crs", "32647", str(path)]


def self_intersecting(folder: Path) -> list[str]:
    x, y = ORIGIN_X, ORIGIN_Y
    bowtie = shapely.Polygon([(x, y), (x + 20, y + 20), (x + 20, y), (x, y + 20)])
    path = write_layer(folder / "parcels.gpkg", [{"parcel_code": "BOW"}, {"parcel_code": "OK-1"}],
                       [bowtie, square(2)])
    return ["load", "parcels", str(path)]


def polygons_3d(folder: Path) -> list[str]:
    x, y = ORIGIN_X, ORIGIN_Y
    poly = shapely.Polygon([(x, y, 10), (x + 20, y, 11), (x + 20, y + 20, 12), (x, y + 20, 13)])
    path = write_layer(folder / "parcels.shp", [{"PCODE": "Z-1"}], [poly])
    return ["load", "parcels", str(path)]


def geometry_collection(folder: Path) -> list[str]:
    gc = {"type": "GeometryCollection",
          "geometries": [_polygon_json(square(1)),
                         {"type": "Point", "coordinates": [ORIGIN_X, ORIGIN_Y]}]}
    path = write_geojson(folder / "parcels.geojson", [
        ({"parcel_code": "OK-0"}, _polygon_json(square(0))),
        ({"parcel_code": "GC-1"}, gc),
    ])
    return ["load", "parcels", "--crs", "32647", str(path)]


def duplicate_codes(folder: Path) -> list[str]:
    path = write_layer(folder / "parcels.gpkg",
                       [{"parcel_code": "DUP"}, {"parcel_code": "UNI"}, {"parcel_code": "DUP"}],
                       [square(0), square(1), square(2)])
    return ["load", "parcels", str(path)]


def bad_building_numbers(folder: Path) -> list[str]:
    path = write_layer(folder / "buildings.gpkg", [
        {"floors": "สอง", "year_built": 2550, "value": 100.0},
        {"floors": 2.5, "year_built": 2550, "value": 100.0},
        {"floors": 2, "year_built": 2650, "value": 100.0},
        {"floors": 2, "year_built": "๒๕๕๐", "value": -5.0},
        {"floors": 3, "year_built": "๒๕๕๐", "value": 2_500_000.0},
    ], [square(i, size=8) for i in range(5)])
    return ["load", "buildings", str(path)]


def bad_zone_prices(folder: Path) -> list[str]:
    path = write_layer(folder / "zones.gpkg", [
        {"price_per_sqwah": -100.0}, {"price_per_sqwah": None}, {"price_per_sqwah": 5000.0},
    ], [square(i, size=25) for i in range(3)])
    return ["load", "zones", str(path)]


# ---------------------------------------------------------------- registers

def empty_csv(folder: Path) -> list[str]:
    path = folder / "register.csv"
    path.write_bytes(b"")
    return ["load", "register", str(path)]


def header_only_csv(folder: Path) -> list[str]:
    path = write_csv(folder / "register.csv", REGISTER_HEADER, [])
    return ["load", "register", str(path)]


def cp874_csv(folder: Path) -> list[str]:
    path = write_csv(folder / "register.csv", REGISTER_HEADER,
                     [_register_row("ก-๑", owner="นางสาวมาลี ศรีสุข")], encoding="cp874")
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    return ["load", "register", str(path)]


def bad_money(folder: Path) -> list[str]:
    path = write_csv(folder / "register.csv", REGISTER_HEADER, [
        _register_row("M-1", assessed="หนึ่งร้อย"),
        _register_row("M-2", paid="-500"),
        _register_row("M-3", assessed="1,2,3x"),
        _register_row("M-4", assessed="1,250.50", paid="๑๐๐"),
    ])
    return ["load", "register", str(path)]


def future_years(folder: Path) -> list[str]:
    path = write_csv(folder / "register.csv", REGISTER_HEADER, [
        _register_row("Y-1", year="2566"),
        _register_row("Y-2", year="2650"),
        _register_row("Y-3", year="3000"),
    ])
    return ["load", "register", str(path)]


def future_payment(folder: Path) -> list[str]:
    path = write_csv(folder / "register.csv", [*REGISTER_HEADER, "วันที่ชำระ"], [
        [*_register_row("D-1"), "15/04/2566"],
        [*_register_row("D-2"), "01/01/2600"],
    ])
    return ["load", "register", str(path)]


def _xlsx(path: Path, rows: Sequence[Sequence[Any]], *, merge: Sequence[str] = ()) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    for cells in merge:
        ws.merge_cells(cells)
    wb.save(path)
    return path


def xlsx_merged_header(folder: Path) -> list[str]:
    """Two header rows: 'เนื้อที่' merged over ไร่/งาน/ตารางวา, as LTAX prints it."""
    path = _xlsx(folder / "register.xlsx", [
        ["รหัสแปลง", "ปีภาษี", "เนื้อที่", None, None, "ภาษีที่ชำระ"],
        [None, None, "ไร่", "งาน", "ตารางวา", None],
        ["X-1", 2566, 1, 0, 0, 100],
    ], merge=["C1:E1", "A1:A2", "B1:B2", "F1:F2"])
    return ["load", "register", str(path)]


def xlsx_formulas(folder: Path) -> list[str]:
    """Formula cells never calculated (as openpyxl or a script writes them): no cached value."""
    path = _xlsx(folder / "register.xlsx", [
        ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์", "ภาษีที่ประเมิน", "ภาษีที่ชำระ"],
        ["F-1", 2566, "อื่นๆ", 1000, "=D2*0.5"],
        ["F-2", 2566, "อื่นๆ", 2000, 2000],
    ])
    return ["load", "register", str(path)]


def xlsx_cached_formulas(folder: Path) -> list[str]:
    """Formula cells saved by a spreadsheet program: the cached result is what loads."""
    path = _xlsx(folder / "register.xlsx", [
        ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์", "ภาษีที่ประเมิน", "ภาษีที่ชำระ"],
        ["F-1", 2566, "อื่นๆ", 1000, "=D2*0.5"],
    ])
    _add_cached_value(path, "E2", "500")
    return ["load", "register", str(path)]


def _add_cached_value(path: Path, cell: str, value: str) -> None:
    """Give a formula cell the cached result Excel/LibreOffice would have saved."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = members[sheet].decode("utf-8")
    xml, n = re.subn(rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f>(<v\s*/>|<v></v>)?',
                     rf"\1<f>\2</f><v>{value}</v>", xml)
    assert n == 1, xml
    members[sheet] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def not_really_xlsx(folder: Path) -> list[str]:
    path = folder / "register.xlsx"
    path.write_text("รหัสแปลง,ปีภาษี\nA,2566\n", encoding="utf-8")
    return ["load", "register", str(path)]


def unknown_extension(folder: Path) -> list[str]:
    path = folder / "register.dbf"
    path.write_bytes(b"\x03" + b"\x00" * 40)
    return ["load", "register", str(path)]


def bad_owner_id(folder: Path) -> list[str]:
    path = write_csv(folder / "register.csv", [*REGISTER_HEADER, "เลขประจำตัวประชาชน"], [
        [*_register_row("I-1"), "3100600123456"],
        [*_register_row("I-2"), "31006001234"],
    ])
    return ["load", "register", str(path)]


# ---------------------------------------------------------------- mapping files

def _mapped_shp(folder: Path) -> Path:
    return write_layer(folder / "parcels.shp", [{"RCODE": "A-0"}], [square(0)])


def mapping_section_typo(folder: Path) -> list[str]:
    mapping = folder / "mapping.toml"
    mapping.write_text('[parcels.colums]\nparcel_code = "RCODE"\n', encoding="utf-8")
    return ["load", "parcels", "--mapping", str(mapping), str(_mapped_shp(folder))]


def mapping_field_typo(folder: Path) -> list[str]:
    mapping = folder / "mapping.toml"
    mapping.write_text('[parcels.columns]\nparcel_cod = "RCODE"\n', encoding="utf-8")
    return ["load", "parcels", "--mapping", str(mapping), str(_mapped_shp(folder))]


def mapping_column_typo(folder: Path) -> list[str]:
    mapping = folder / "mapping.toml"
    mapping.write_text('[parcels.columns]\nparcel_code = "RCOD"\n', encoding="utf-8")
    return ["load", "parcels", "--mapping", str(mapping), str(_mapped_shp(folder))]


def mapping_kind_typo(folder: Path) -> list[str]:
    mapping = folder / "mapping.toml"
    mapping.write_text('[parcel.columns]\nparcel_code = "RCODE"\n', encoding="utf-8")
    return ["load", "parcels", "--mapping", str(mapping), str(_mapped_shp(folder))]


def mapping_not_toml(folder: Path) -> list[str]:
    mapping = folder / "mapping.toml"
    mapping.write_text('[parcels.columns]\nparcel_code = RCODE\n', encoding="utf-8")
    return ["load", "parcels", "--mapping", str(mapping), str(_mapped_shp(folder))]


def register_mapping_column_typo(folder: Path) -> list[str]:
    mapping = folder / "mapping.toml"
    mapping.write_text('[register.columns]\ntax_paid = "ชำระแล้วว"\n', encoding="utf-8")
    path = write_csv(folder / "register.csv", REGISTER_HEADER, [_register_row("R-1")])
    return ["load", "register", "--mapping", str(mapping), str(path)]


# ---------------------------------------------------------------- the corpus

def _r(where: str, field: str | None, value: str | None, reason: str) -> RejectEntry:
    return RejectEntry(where, field, value, reason)


_LAST_RUN = "SELECT {} FROM load_runs ORDER BY id DESC LIMIT 1"

CASES: tuple[Case, ...] = (
    # shapefiles and other vector sources
    Case("shapefile-missing-dbf", missing_dbf, 2,
         r"^gisrev: error: \S*parcels\.shp: the shapefile's parcels\.dbf \(attribute table\) "
         r"is missing; copy every file",
         unchanged=True),
    Case("shapefile-missing-shx", missing_shx, 2,
         r"^gisrev: error: \S*parcels\.shp: the shapefile's parcels\.shx \(index\) is missing",
         unchanged=True),
    Case("shapefile-missing-prj", missing_prj, 2,
         r"^gisrev: error: \S*parcels\.shp: the source has no CRS .*--crs", unchanged=True),
    Case("shapefile-garbage-prj", garbage_prj, 2,
         r"^gisrev: error: \S*parcels\.shp: the source has no CRS .*--crs", unchanged=True),
    Case("shapefile-wrong-utm-zone-prj", wrong_prj, 0,
         r"^gisrev: warning: \S*parcels\.shp: the parcels lie [\d,.]+ km from the other layers"
         r" .*--crs", check=("SELECT count(*) FROM parcels WHERE parcel_code LIKE 'N-%'", 2)),
    Case("degrees-labelled-as-utm", degrees_as_utm, 0,
         r"^gisrev: warning: \S*parcels\.shp: coordinates .* look like degrees, but the source "
         r"declares EPSG:32647 .*--crs 4326",
         check=("SELECT count(*) FROM parcels WHERE parcel_code LIKE 'D-%'", 2)),
    Case("shapefile-with-no-features", empty_shp, 2,
         r"^gisrev: error: \S*parcels\.shp: no feature could be loaded", unchanged=True),
    Case("shapefile-zero-bytes", zero_byte_shp, 2,
         r"^gisrev: error: \S*parcels\.shp: not a vector source GDAL can read", unchanged=True),
    Case("geojson-zero-bytes", zero_byte_geojson, 2,
         r"^gisrev: error: \S*parcels\.geojson: not a vector source GDAL can read",
         unchanged=True),
    Case("shapefile-truncated", truncated_shp, 0, r"Loaded 2 parcels .*rejected 3",
         rejects=tuple(_r(f"feature {i}", "geometry", None, "^null geometry") for i in (2, 3, 4))),
    Case("dbf-garbage-number", dbf_garbage_number, 0, r"Loaded 1 parcels .*rejected 1",
         rejects=(_r("feature 1", "price_per_sqwah", "12.5.0", "^expected a number"),)),
    Case("dbf-not-cp874", dbf_not_cp874, 2,
         r"^gisrev: error: \S*parcels\.shp, feature 1, field 'LANDUSE': the text is not CP874; "
         r"declare the encoding with --encoding", unchanged=True),
    Case("zip-without-shapefile", zip_without_shapefile, 2,
         r"^gisrev: error: \S*parcels\.zip: not a vector source GDAL can read", unchanged=True),
    # geometry
    Case("zero-area-polygon", zero_area, 0, r"Loaded 1 parcels .*rejected 1",
         rejects=(_r("feature 1", "geometry", None, "^invalid polygon with no area left"),)),
    Case("self-intersecting-polygon", self_intersecting, 0, r"Loaded 2 parcels .*repaired 1",
         check=("SELECT round(ST_Area(geom)) FROM parcels WHERE parcel_code = 'BOW'", 200)),
    Case("3d-polygon", polygons_3d, 0, r"Loaded 1 parcels",
         check=("SELECT ST_NDims(geom) FROM parcels WHERE parcel_code = 'Z-1'", 2)),
    Case("geometry-collection", geometry_collection, 0, r"Loaded 1 parcels .*rejected 1",
         rejects=(_r("feature 1", "geometry", "GeometryCollection",
                     "^expected a Polygon or MultiPolygon$"),)),
    Case("duplicate-parcel-codes", duplicate_codes, 0, r"Loaded 2 parcels .*rejected 1",
         rejects=(_r("feature 3", "parcel_code", "DUP",
                     "^duplicate parcel_code; feature 1 has the same code"),)),
    Case("building-bad-numbers-and-future-year", bad_building_numbers, 0,
         r"Loaded 1 buildings .*rejected 4",
         rejects=(_r("feature 1", "floors", "สอง", "^expected a number"),
                  _r("feature 2", "floors", "2.5", "^expected a whole number$"),
                  _r("feature 3", "year_built", "2650", "^expected a year built no later than "),
                  _r("feature 4", "value", "-5.0", "^expected a non-negative number$")),
         check=("SELECT floors || '|' || year_built || '|' || value FROM buildings",
                "3|2007|2500000")),
    Case("zone-price-negative-or-missing", bad_zone_prices, 0, r"Loaded 1 zones .*rejected 2",
         rejects=(_r("feature 1", "price_per_sqwah", "-100.0", "^expected a non-negative number$"),
                  _r("feature 2", "price_per_sqwah", None, "^missing price_per_sqwah$"))),
    # registers
    Case("csv-zero-bytes", empty_csv, 2,
         r"^gisrev: error: \S*register\.csv: the file is empty", unchanged=True),
    Case("csv-header-only", header_only_csv, 2,
         r"^gisrev: error: \S*register\.csv: no register row could be loaded \(0 rows",
         unchanged=True),
    Case("csv-cp874-without-bom", cp874_csv, 0, r"Loaded 1 register",
         check=("SELECT owner_name || '|' || parcel_code_norm FROM register "
                "WHERE parcel_code = 'ก-๑'", "นางสาวมาลี ศรีสุข|ก1")),
    Case("non-numeric-or-negative-money", bad_money, 0, r"Loaded 1 register .*rejected 3",
         rejects=(_r("row 2", "tax_assessed", "หนึ่งร้อย",
                     r"^column 'ภาษีที่ประเมิน', row 2: 'หนึ่งร้อย' is not a number; "
                     r"expected a number such as 1,234\.50 \(baht\)$"),
                  _r("row 3", "tax_paid", "-500",
                     r"^column 'ภาษีที่ชำระ', row 3: '-500' is negative; "
                     r"expected a number, 0 or more$"),
                  _r("row 4", "tax_assessed", "1,2,3x",
                     r"^column 'ภาษีที่ประเมิน', row 4: '1,2,3x' is not a number; expected a num")),
         check=("SELECT tax_assessed + tax_paid FROM register WHERE parcel_code = 'M-4'", 1350.5)),
    Case("tax-years-in-the-future", future_years, 0, r"Loaded 1 register .*rejected 2",
         rejects=(_r("row 3", "tax_year", "2650", r"^column 'ปีภาษี', row 3: '2650' is too late; "
                     r"expected a tax year no later than 25\d\d \(BE\)$"),
                  _r("row 4", "tax_year", "3000", r"^column 'ปีภาษี', row 4: '3000' is not a year; "
                     r"expected a year such as 2566 \(BE\)")),
         check=("SELECT string_agg(tax_year::text, ',') FROM register "
                "WHERE parcel_code LIKE 'Y-%'", "2023")),
    Case("payment-date-in-the-future", future_payment, 0, r"Loaded 1 register .*rejected 1",
         rejects=(_r("row 3", "paid_date", "01/01/2600",
                     r"^column 'วันที่ชำระ', row 3: '01/01/2600' is in the future; "
                     r"expected a payment date no later than today$"),),
         check=("SELECT paid_date::text FROM register WHERE parcel_code = 'D-1'", "2023-04-15")),
    Case("xlsx-merged-header-cells", xlsx_merged_header, 2,
         r"^gisrev: error: \S*register\.xlsx: no register row could be loaded .*header row 1 has "
         r"empty cells", unchanged=True),
    Case("xlsx-formula-without-saved-result", xlsx_formulas, 0, r"Loaded 1 register .*rejected 1",
         rejects=(_r("row 2", "tax_paid", "=D2*0.5",
                     r"^column 'ภาษีที่ชำระ', row 2: '=D2\*0\.5' is a formula with no saved "
                     r"result; open the file in Excel or LibreOffice and save it"),),
         check=("SELECT string_agg(parcel_code, ',') FROM register WHERE parcel_code LIKE 'F-%'",
                "F-2")),
    Case("xlsx-formula-with-saved-result", xlsx_cached_formulas, 0, r"Loaded 1 register",
         check=("SELECT tax_paid FROM register WHERE parcel_code = 'F-1'", 500)),
    Case("xlsx-that-is-csv", not_really_xlsx, 2,
         r"^gisrev: error: \S*register\.xlsx: not a readable XLSX workbook", unchanged=True),
    Case("register-unknown-format", unknown_extension, 2,
         r"^gisrev: error: \S*register\.dbf: unknown register format '\.dbf'", unchanged=True),
    Case("owner-id-too-short", bad_owner_id, 0, r"Loaded 1 register .*rejected 1",
         rejects=(_r("row 3", "owner_id", "*******1234",
                     r"^column 'เลขประจำตัวประชาชน', row 3: '\*{7}1234' is not an ID number; "
                     r"expected a 13-digit"),)),
    # mapping files with a typo
    Case("mapping-section-typo", mapping_section_typo, 2,
         r"^gisrev: error: \S*mapping\.toml: \[parcels\] has unknown key\(s\) colums",
         unchanged=True),
    Case("mapping-field-typo", mapping_field_typo, 2,
         r"^gisrev: error: \S*mapping\.toml: \[parcels\.columns\] maps unknown field 'parcel_cod'",
         unchanged=True),
    Case("mapping-column-typo", mapping_column_typo, 2,
         r"^gisrev: error: \S*mapping\.toml: \[parcels\.columns\] maps parcel_code to column "
         r"'RCOD', which \S*parcels\.shp does not have \(its columns: RCODE\)", unchanged=True),
    Case("mapping-kind-typo", mapping_kind_typo, 2,
         r"^gisrev: error: \S*mapping\.toml: unknown section \[parcel\]", unchanged=True),
    Case("mapping-not-toml", mapping_not_toml, 2,
         r"^gisrev: error: \S*mapping\.toml: not a valid UTF-8 TOML mapping file \(.*line 2",
         unchanged=True),
    Case("register-mapping-column-typo", register_mapping_column_typo, 2,
         r"^gisrev: error: \S*mapping\.toml: \[register\.columns\] maps tax_paid to column "
         r"'ชำระแล้วว', which \S*register\.csv does not have", unchanged=True),
)


def write_corpus(folder: Path) -> list[tuple[str, list[str]]]:
    """Write every case into ``folder/<name>/``; return each name with its command."""
    commands = []
    for case in CASES:
        target = folder / case.name
        target.mkdir(parents=True, exist_ok=True)
        commands.append((case.name, case.build(target)))
    return commands


if __name__ == "__main__":  # python tests/bad_inputs/bad_corpus.py OUT: try them by hand
    import shlex
    import sys

    for name, args in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "bad_inputs")):
        print(f"# {name}\ngisrev {shlex.join(args)}")
