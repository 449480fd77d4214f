"""Export: CSV for Excel, XLSX with Thai/English headers, a styled GeoPackage, and the CLI."""

from __future__ import annotations

import csv
import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely
import sqlalchemy as sa
from pyproj import Transformer
from town import Town, rect

from gisrev.analyze import run_analysis
from gisrev.config import Settings
from gisrev.errors import InputError
from gisrev.outputs.export import export_findings

YEAR = 2023
LGU = "000000"
SETTINGS = Settings(lgu_code=LGU)
CONTRACT = ["parcel_code", "flags", "expected_tax", "tax_paid", "gap", "priority", "lon", "lat"]


@pytest.fixture
def town(clean_db) -> Town:
    """Three findings: an unregistered house, a parcel in arrears, an orphan register row."""
    town = Town(clean_db, tax_year=YEAR)
    town.zone(rect(-1000, -1000, 5000, 5000), price_per_sqwah=20_000, zone_code="Z-MAIN")
    town.parcel("U-1", rect(0, 0, 40, 40))
    town.building(rect(5, 5, 10, 10), use="commercial", value=1_000_000)
    town.parcel("R-1", rect(100, 0, 40, 40))
    town.register("R-1", declared_use="vacant", declared_area_sqwah=400, tax_assessed=20_400,
                  tax_paid=400, owner_id="3101234567890", owner_name="=HYPERLINK(\"x\")")
    town.register("=cmd|' /C calc'!A0", account_id="ORPHAN-1", declared_use="vacant",
                  tax_assessed=300, tax_paid=0, owner_id="3109876543210")
    run_analysis(clean_db, year=YEAR, settings=SETTINGS)
    return town


def read_csv(path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte-order mark to show Thai"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_has_the_contract_columns_in_priority_order(town, tmp_path):
    out = tmp_path / "f.csv"
    assert export_findings(town.engine, out, year=YEAR, lgu_code=LGU) == 3
    rows = read_csv(out)
    assert list(rows[0])[:8] == CONTRACT
    assert {"reason_th", "reason_en", "tax_assessed", "zone"} <= set(rows[0])
    assert [r["priority"] for r in rows] == ["1", "2", "3"]
    by_code = {r["parcel_code"]: r for r in rows}
    unreg = by_code["U-1"]
    assert unreg["flags"] == "UNREGISTERED"
    assert float(unreg["gap"]) == float(unreg["expected_tax"]) > 0
    assert unreg["zone"] == "Z-MAIN"
    assert "ไม่มีในทะเบียนภาษีปี 2566" in unreg["reason_th"]
    arrears = by_code["R-1"]
    assert arrears["flags"] == "ARREARS"
    assert float(arrears["tax_paid"]) == 400.0


def test_csv_orphans_have_empty_coordinates_and_formulas_are_defused(town, tmp_path):
    out = tmp_path / "f.csv"
    export_findings(town.engine, out, year=YEAR, lgu_code=LGU)
    orphan = next(r for r in read_csv(out) if "ORPHAN_RECORD" in r["flags"])
    assert orphan["flags"] == "ARREARS;ORPHAN_RECORD"
    assert orphan["lon"] == "" and orphan["lat"] == ""
    assert orphan["parcel_code"] == "'=cmd|' /C calc'!A0"


OWNER_IDS = ("3101234567890", "3109876543210")


def _held_text(path) -> str:
    """What a file holds as text: an XLSX's cell values (its bytes are zipped), else its bytes."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return "\n".join(str(value) for ws in book.worksheets
                         for row in ws.iter_rows(values_only=True)
                         for value in row if value is not None)
    return path.read_bytes().decode("utf-8", "replace")


def test_exports_never_carry_owner_ids(town, tmp_path):
    for suffix in ("csv", "xlsx", "gpkg"):
        out = tmp_path / f"f.{suffix}"
        export_findings(town.engine, out, year=YEAR, lgu_code=LGU)
        text = _held_text(out)
        assert not any(owner_id in text for owner_id in OWNER_IDS), suffix
    # The search finds an ID where there is one: the XLSX export with an ID planted in a
    # cell, as text on its first sheet and as a number on a sheet of its own.
    book = openpyxl.load_workbook(tmp_path / "f.xlsx")
    book.active.cell(row=2, column=2).value = OWNER_IDS[0]
    book.create_sheet("planted").append([int(OWNER_IDS[1])])
    book.save(tmp_path / "planted.xlsx")
    assert OWNER_IDS[0].encode() not in (tmp_path / "planted.xlsx").read_bytes()  # zipped
    assert all(owner_id in _held_text(tmp_path / "planted.xlsx") for owner_id in OWNER_IDS)


def test_xlsx_has_thai_and_english_headers_and_money_format(town, tmp_path):
    out = tmp_path / "f.xlsx"
    export_findings(town.engine, out, year=YEAR, lgu_code=LGU)
    ws = openpyxl.load_workbook(out).active
    headers = [c.value for c in ws[1]]
    assert headers[0] == "รหัสแปลง\nparcel code"
    assert "ภาษีที่ควรได้ (บาท)\nexpected tax (baht)" in headers
    gap_col = headers.index("ส่วนต่างที่ยังไม่ได้รับ (บาท)\nrevenue gap (baht)") + 1
    assert ws.cell(row=2, column=gap_col).number_format == "#,##0.00"
    assert ws.freeze_panes == "B2"
    codes = [ws.cell(row=i, column=1).value for i in range(2, 5)]
    assert "=cmd|' /C calc'!A0" in codes  # kept as text ...
    orphan_row = codes.index("=cmd|' /C calc'!A0") + 2
    assert ws.cell(row=orphan_row, column=1).data_type == "s"  # ... never a formula


def test_gpkg_holds_the_flagged_parcels_with_an_embedded_default_style(town, tmp_path):
    out = tmp_path / "f.gpkg"
    assert export_findings(town.engine, out, year=YEAR, lgu_code=LGU) == 2  # orphan not drawn
    layers = pyogrio.list_layers(out)
    assert "findings" in layers[:, 0]
    gdf = gpd.read_file(out, layer="findings")
    assert gdf.crs.to_epsg() == 32647
    assert set(gdf["main_flag"]) == {"UNREGISTERED", "ARREARS"}
    assert gdf.loc[gdf.parcel_code == "U-1", "geometry"].iloc[0].area == pytest.approx(1600)
    with sqlite3.connect(out) as db:
        name, geom_col, default, qml = db.execute(
            "SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles"
        ).fetchone()
    assert (name, geom_col, default) == ("findings", "geom", 1)
    root = ET.fromstring(qml.split("\n", 1)[1])  # drop the DOCTYPE line
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "main_flag"
    values = {c.get("value") for c in renderer.iter("category")}
    assert {"UNREGISTERED", "UNDERPAID", "ARREARS", "USE_MISMATCH"} <= values


def test_lon_lat_of_a_parcel_loaded_from_indian_1975_fall_inside_it(clean_db, tmp_path):
    # A parcel drawn in EPSG:24047 (Indian 1975 / UTM 47N), as Thai tax maps often are.
    parcel_24047 = shapely.Polygon(
        [(500_000, 2_072_000), (500_060, 2_072_000), (500_060, 2_072_025), (500_000, 2_072_025)]
    )
    town = Town(clean_db, tax_year=YEAR)
    town.parcel("IND-1", parcel_24047, srid=24047)
    run_analysis(clean_db, year=YEAR, settings=SETTINGS)
    out = tmp_path / "f.csv"
    export_findings(clean_db, out, year=YEAR, lgu_code=LGU)
    (row,) = read_csv(out)
    to_wgs84 = Transformer.from_crs(24047, 4326, always_xy=True)
    parcel_wgs84 = shapely.transform(
        parcel_24047, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))
    )
    point = shapely.Point(float(row["lon"]), float(row["lat"]))
    assert parcel_wgs84.contains(point)
    assert 98.9 < point.x < 99.1 and 18.7 < point.y < 18.8  # near Chiang Mai


def test_unknown_suffix_and_unanalysed_year_are_one_line_errors(town, tmp_path):
    with pytest.raises(InputError, match=r"f\.shp: cannot export findings as '\.shp'"):
        export_findings(town.engine, tmp_path / "f.shp", year=YEAR, lgu_code=LGU)
    with pytest.raises(InputError, match="run `gisrev analyze --year 2567` first"):
        export_findings(town.engine, tmp_path / "f.csv", year=YEAR + 1, lgu_code=LGU)


@pytest.mark.parametrize("command", [
    ("export", "findings", "--out", "f.csv"), ("export", "keying", "--out", "k.xlsx"),
    ("map", "--out", "maps"), ("survey", "form", "--out", "forms"), ("report", "--out", "r.html"),
])
def test_cli_a_two_digit_year_says_what_a_year_looks_like(town, gisrev_cli, tmp_path, command):
    # '66' for 2566 is what a hurried officer types; it is no year gisrev knows.
    *args, option, name = command
    result = gisrev_cli(*args, "--year", "66", option, tmp_path / name)
    assert result.code == 2
    assert result.err == (
        "gisrev: error: tax year 66: expected a year such as 2566 (BE) or 2023 (CE)\n"
    )


def test_cli_analyze_then_export(clean_db, gisrev_cli, tmp_path):
    town = Town(clean_db, tax_year=YEAR)
    town.zone(rect(-1000, -1000, 5000, 5000), price_per_sqwah=20_000)
    town.parcel("U-1", rect(0, 0, 40, 40))
    result = gisrev_cli("--lgu", "000000", "analyze", "--year", "2566")
    assert result.code == 0, result.err
    assert "1 findings" in result.out and "UNREGISTERED" in result.out
    out = tmp_path / "f.csv"
    result = gisrev_cli("--lgu", "000000", "export", "findings", "--year", "2566", "--out", out)
    assert result.code == 0, result.err
    assert read_csv(out)[0]["parcel_code"] == "U-1"
    # Thai digits are a year too; a two-digit year is not.
    assert gisrev_cli("--lgu", "000000", "analyze", "--year", "๒๕๖๖", "--quiet").out == (
        "1 findings, revenue gap 20,400.00 baht\n"  # 0.3 % of 8M, less 15 % in 2023
    )
    result = gisrev_cli("analyze", "--year", "66")
    assert (result.code, result.err) == (
        2, "gisrev: error: tax year 66: expected a year such as 2566 (BE) or 2023 (CE)\n"
    )
    result = gisrev_cli("--lgu", "000000", "analyze", "--year", "2590")
    assert result.code == 2
    assert result.err.startswith("gisrev: error: tax year 2590 (2047) has no tax rules")
    assert len(result.err.strip().splitlines()) == 1


def test_views_give_qgis_the_findings_with_geometry_and_a_zone_summary(town):
    with town.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT parcel_code, main_flag, ST_GeometryType(geom), tax_year_be FROM findings_map "
            "ORDER BY parcel_code"
        )).all()
        summary = conn.execute(sa.text(
            "SELECT zone_code, n_findings, n_unregistered, n_arrears, gap FROM zone_summary"
        )).all()
        gap = conn.execute(sa.text("SELECT sum(gap) FROM findings WHERE parcel_id IS NOT NULL"))
        total = gap.scalar_one()
    assert rows == [("R-1", "ARREARS", "ST_MultiPolygon", 2566),
                    ("U-1", "UNREGISTERED", "ST_MultiPolygon", 2566)]
    assert len(summary) == 1
    assert summary[0][:4] == ("Z-MAIN", 2, 1, 1)
    assert float(summary[0][4]) == pytest.approx(total, abs=0.01)


def test_zone_summary_sums_each_zone_polygon_once_even_when_codes_repeat(clean_db):
    town = Town(clean_db, tax_year=YEAR)
    # One price band drawn as two polygons with the same code, and a zone with no code.
    town.zone(rect(0, 0, 100, 100), price_per_sqwah=10_000, zone_code="Z-RICE")
    town.zone(rect(200, 0, 100, 100), price_per_sqwah=10_000, zone_code="Z-RICE")
    town.zone(rect(400, 0, 100, 100), price_per_sqwah=10_000)
    for i, x in enumerate((10, 210, 230, 410)):
        town.parcel(f"U-{i}", rect(x, 10, 10, 10))  # unregistered, vacant 25 sq wah
    each = 25 * 10_000 * 0.003 * 0.85  # 0.3 % of 250,000 baht, less the 2023 reduction of 15 %
    run_analysis(clean_db, year=YEAR, settings=SETTINGS)
    with clean_db.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT zone_code, n_unregistered, gap FROM zone_summary ORDER BY zone_id"
        )).all()
    assert [(code, n, float(gap)) for code, n, gap in rows] == [
        ("Z-RICE", 1, each), ("Z-RICE", 2, 2 * each), (None, 1, each),
    ]


def test_an_analysed_year_with_nothing_found_exports_empty_files(town, tmp_path):
    run_analysis(town.engine, year=YEAR + 1, settings=SETTINGS)  # no register for 2024 ...
    with town.engine.begin() as conn:  # ... so keep only the run: a clean year
        conn.execute(sa.text("DELETE FROM findings WHERE tax_year = :y"), {"y": YEAR + 1})
    for suffix in ("csv", "xlsx", "gpkg"):
        assert export_findings(town.engine, tmp_path / f"f.{suffix}", year=YEAR + 1,
                               lgu_code=LGU) == 0
    assert read_csv(tmp_path / "f.csv") == []
    empty = gpd.read_file(tmp_path / "f.gpkg", layer="findings")
    assert len(empty) == 0 and empty.crs.to_epsg() == 32647  # QGIS still knows where it is


def test_cli_year_in_thai_digits_is_read_as_the_loader_reads_it(town, gisrev_cli, tmp_path):
    # Thai keyboards type ๒๕๖๖; the register loader and `tax estimate` accept it, so do these.
    result = gisrev_cli("export", "findings", "--year", "๒๕๖๖", "--out", tmp_path / "f.csv")
    assert result.code == 0, result.err
    assert {r["parcel_code"] for r in read_csv(tmp_path / "f.csv")} >= {"U-1", "R-1"}
    result = gisrev_cli("map", "--year", "๒๕๖๖", "--out", tmp_path / "maps")
    assert result.code == 0, result.err
    assert "2 parcels drawn, 1 register rows not on the map" in result.out
