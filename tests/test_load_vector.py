from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa
from fixtures_load import CHIANG_MAI_LONLAT, chiang_mai_xy, utm_square, write_vector
from pyproj import Geod, Transformer
from sqlalchemy.engine import Engine

from gisrev.config import Settings
from gisrev.errors import InputError, MappingError
from gisrev.load import load_vector
from gisrev.load._vector_source import detect_encoding

SETTINGS = Settings(lgu_code="501004")


def _rows(engine: Engine, sql: str, **params: object) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def test_cp874_shapefile_without_cpg_keeps_thai_names(clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    shp = write_vector(
        tmp_path / "parcels.shp",
        [
            {"PCODE": "ชม-๐๐๑", "OWNER": "นายสมชาย ใจดี", "LANDUSE": "พาณิชยกรรม"},
            {"PCODE": "ชม-002", "OWNER": "บริษัท ล้านนา จำกัด", "LANDUSE": "เกษตรกรรม"},
        ],
        [utm_square(x, y), utm_square(x + 30, y)],
        crs=32647,
        encoding="cp874",
        keep_cpg=False,
    )
    assert not shp.with_suffix(".cpg").exists()
    assert detect_encoding(shp) == "CP874"

    report = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)

    assert (report.n_read, report.n_loaded, report.n_rejected) == (2, 2, 0)
    rows = _rows(
        clean_db,
        "SELECT parcel_code, parcel_code_norm, observed_use, attrs->>'OWNER' AS owner "
        "FROM parcels ORDER BY parcel_code",
    )
    assert [tuple(r) for r in rows] == [
        ("ชม-002", "ชม002", "agriculture", "บริษัท ล้านนา จำกัด"),
        ("ชม-๐๐๑", "ชม001", "other", "นายสมชาย ใจดี"),
    ]


def test_cpg_file_declares_the_encoding(tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    shp = write_vector(
        tmp_path / "p.shp",
        [{"PCODE": "1", "NAME": "ทดสอบ"}],
        [utm_square(x, y)],
        crs=32647,
        encoding="cp874",
    )
    shp.with_suffix(".cpg").write_text("874")
    assert detect_encoding(shp) == "CP874"


def test_indian_1975_parcel_lands_within_a_metre_of_its_wgs84_position(
    clean_db: Engine, tmp_path: Path
) -> None:
    # The truth: a WGS 84 corner, placed in EPSG:24047 by pyproj on its own.
    lon, lat = CHIANG_MAI_LONLAT
    x, y = Transformer.from_crs(4326, 24047, always_xy=True).transform(lon, lat)
    square = shapely.Polygon([(x, y), (x + 25, y), (x + 25, y + 25), (x, y + 25)])
    shp = write_vector(tmp_path / "indian.shp", [{"PCODE": "A1"}], [square], crs=24047)

    report = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)

    assert report.source_crs == "EPSG:24047"
    assert report.operation is not None and "Indian 1975 to WGS 84" in report.operation
    (row,) = _rows(
        clean_db,
        "SELECT ST_X(p) AS lon, ST_Y(p) AS lat, ST_SRID(g) AS srid FROM ("
        " SELECT geom AS g, ST_Transform(ST_PointN(ST_ExteriorRing("
        " ST_GeometryN(geom, 1)), 1), 4326) AS p FROM parcels) s",
    )
    assert row.srid == 32647
    _, _, metres = Geod(ellps="WGS84").inv(lon, lat, row.lon, row.lat)
    assert metres < 1.0
    # Without reprojection the same corner would be hundreds of metres off.
    (stored,) = _rows(clean_db, "SELECT operation FROM load_runs WHERE id = :id", id=report.run_id)
    assert stored.operation == report.operation


def test_invalid_polygons_are_repaired_and_counted(clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    bowtie = shapely.Polygon([(x, y), (x + 20, y + 20), (x + 20, y), (x, y + 20)])
    spike = shapely.Polygon(
        [
            (x + 40, y),
            (x + 60, y),
            (x + 60, y + 20),
            (x + 40, y + 20),
            (x + 40, y + 10),
            (x + 30, y + 10),
            (x + 40, y + 10),
        ]
    )
    assert not bowtie.is_valid and not spike.is_valid
    shp = write_vector(
        tmp_path / "bad.gpkg",
        [{"parcel_code": "B1"}, {"parcel_code": "B2"}, {"parcel_code": "OK"}],
        [bowtie, spike, utm_square(x + 80, y)],
        crs=32647,
    )

    report = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)

    assert (report.n_loaded, report.n_repaired, report.n_rejected) == (3, 1 + 1, 0)
    rows = _rows(
        clean_db,
        "SELECT parcel_code, ST_IsValid(geom) AS valid, GeometryType(geom) AS type,"
        " ST_Area(geom) AS area FROM parcels ORDER BY parcel_code",
    )
    assert all(r.valid and r.type == "MULTIPOLYGON" for r in rows)
    areas = {r.parcel_code: r.area for r in rows}
    assert areas["B1"] == pytest.approx(200.0)  # two triangles of the bow-tie
    assert areas["B2"] == pytest.approx(400.0)  # the spike has no area
    (run,) = _rows(clean_db, "SELECT n_repaired FROM load_runs WHERE id = :id", id=report.run_id)
    assert run.n_repaired == 2


def test_null_geometry_and_bad_codes_are_rejected_with_reasons(
    clean_db: Engine, tmp_path: Path
) -> None:
    x, y = chiang_mai_xy(32647)
    shp = write_vector(
        tmp_path / "p.geojson",
        [
            {"parcel_code": "P1"},
            {"parcel_code": "P2"},
            {"parcel_code": None},
            {"parcel_code": "P1"},
            {"parcel_code": "P5"},
        ],
        [utm_square(x, y), None, utm_square(x + 30, y), utm_square(x + 60, y), shapely.Point(x, y)],
        crs=32647,
    )

    report = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)

    assert (report.n_read, report.n_loaded, report.n_rejected) == (5, 1, 4)
    rejects = _rows(
        clean_db,
        "SELECT feature_id, field, value, reason FROM rejects "
        "WHERE run_id = :id ORDER BY feature_id",
        id=report.run_id,
    )
    assert [(r.feature_id, r.field) for r in rejects] == [
        ("1", "geometry"),
        ("2", "parcel_code"),
        ("3", "parcel_code"),
        ("4", "geometry"),
    ]
    assert rejects[0].reason.startswith("null geometry")
    assert rejects[1].reason == "missing parcel_code"
    assert rejects[2].value == "P1" and "duplicate parcel_code; feature 0" in rejects[2].reason
    assert "Polygon" in rejects[3].reason and rejects[3].value == "Point"
    assert "feature 1, field 'geometry' — null geometry" in report.summary()


@pytest.mark.parametrize("floors", [[-2, 1, 2], ["-2", "1", "2"]], ids=["number", "text"])
def test_negative_floors_are_rejected_from_a_number_or_a_text_column(
    clean_db: Engine, tmp_path: Path, floors: list[object]
) -> None:
    x, y = chiang_mai_xy(32647)
    src = write_vector(
        tmp_path / "b.geojson",
        [{"floors": f} for f in floors],
        [utm_square(x + 30 * i, y) for i in range(3)],
        crs=32647,
    )

    report = load_vector(clean_db, src, kind="buildings", settings=SETTINGS)

    assert (report.n_loaded, report.n_rejected) == (2, 1)
    reject = report.rejects[0]
    assert (reject.feature_id, reject.field, reject.value) == (0, "floors", "-2")
    assert reject.reason == "expected a non-negative number"
    assert sorted(r.floors for r in _rows(clean_db, "SELECT floors FROM buildings")) == [1, 2]


def test_years_built_in_thai_digits_be_or_ce_load_and_bad_ones_are_rejected_each(
    clean_db: Engine, tmp_path: Path
) -> None:
    x, y = chiang_mai_xy(32647)
    years = ["๒๕๖๐", "2650", "พ.ศ.", "2010", None, "๒๕๖๐", "2650"]
    src = write_vector(
        tmp_path / "b.geojson",
        [{"building_code": f"B{i}", "year_built": v} for i, v in enumerate(years)],
        [utm_square(x + 30 * i, y) for i in range(len(years))],
        crs=32647,
    )

    report = load_vector(clean_db, src, kind="buildings", settings=SETTINGS)

    loaded = _rows(clean_db, "SELECT building_code, year_built FROM buildings ORDER BY 1")
    assert [tuple(r) for r in loaded] == [("B0", 2017), ("B3", 2010), ("B4", None),
                                          ("B5", 2017)]
    assert [(r.feature_id, r.value, r.reason) for r in report.rejects] == [
        (1, "2650", "expected a year built no later than "
                    f"{dt.date.today().year + 543} (BE)"),
        (2, "พ.ศ.", "expected a number such as 1,234.50"),
        (6, "2650", "expected a year built no later than "
                    f"{dt.date.today().year + 543} (BE)"),
    ]


def test_z_is_dropped_and_polygons_become_multipolygons(clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    z = shapely.Polygon([(x, y, 5), (x + 10, y, 5), (x + 10, y + 10, 6), (x, y, 5)])
    shp = write_vector(tmp_path / "z.gpkg", [{"parcel_code": "Z"}], [z], crs=32647)
    load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)
    (row,) = _rows(
        clean_db, "SELECT ST_NDims(geom) AS dims, GeometryType(geom) AS type FROM parcels"
    )
    assert (row.dims, row.type) == (2, "MULTIPOLYGON")


def test_loading_twice_replaces_rows_and_gives_the_same_counts(
    clean_db: Engine, tmp_path: Path
) -> None:
    x, y = chiang_mai_xy(32647)
    shp = write_vector(
        tmp_path / "p.shp",
        [{"PCODE": f"P{i}"} for i in range(5)] + [{"PCODE": "P0"}],
        [utm_square(x + 30 * i, y) for i in range(6)],
        crs=32647,
    )
    first = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)
    second = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)
    counts = lambda r: (r.n_read, r.n_loaded, r.n_repaired, r.n_rejected)  # noqa: E731
    assert counts(first) == counts(second) == (6, 5, 0, 1)
    (row,) = _rows(clean_db, "SELECT count(*) AS n, count(DISTINCT run_id) AS runs FROM parcels")
    assert (row.n, row.runs) == (5, 1)
    hashes = _rows(clean_db, "SELECT source_hash FROM load_runs ORDER BY id")
    assert len(hashes) == 2 and hashes[0] == hashes[1] and len(hashes[0].source_hash) == 64


def test_strict_load_with_a_bad_feature_leaves_the_database_unchanged(
    clean_db: Engine, tmp_path: Path
) -> None:
    x, y = chiang_mai_xy(32647)
    good = write_vector(tmp_path / "good.shp", [{"PCODE": "OLD"}], [utm_square(x, y)], crs=32647)
    load_vector(clean_db, good, kind="parcels", settings=SETTINGS)
    bad = write_vector(
        tmp_path / "bad.shp",
        [{"PCODE": "N1"}, {"PCODE": "N2"}, {"PCODE": "N3"}],
        [utm_square(x, y), None, utm_square(x + 40, y)],
        crs=32647,
    )
    with pytest.raises(InputError, match=r"bad\.shp, feature 1, field 'geometry'.*--strict"):
        load_vector(clean_db, bad, kind="parcels", settings=SETTINGS, strict=True)
    assert [r.parcel_code for r in _rows(clean_db, "SELECT parcel_code FROM parcels")] == ["OLD"]
    assert _rows(clean_db, "SELECT count(*) AS n FROM load_runs")[0].n == 1


def test_degrees_labelled_as_utm_are_warned_about(clean_db: Engine, tmp_path: Path) -> None:
    lon, lat = CHIANG_MAI_LONLAT
    square = shapely.box(lon, lat, lon + 0.0002, lat + 0.0002)
    shp = write_vector(tmp_path / "deg.shp", [{"PCODE": "D"}], [square], crs=32647)
    report = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)
    assert len(report.warnings) == 1
    assert "look like degrees" in report.warnings[0] and "--crs 4326" in report.warnings[0]


def test_layer_far_from_the_others_is_warned_about(clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    parcels = write_vector(tmp_path / "p.shp", [{"PCODE": "P"}], [utm_square(x, y)], crs=32647)
    assert load_vector(clean_db, parcels, kind="parcels", settings=SETTINGS).warnings == ()
    near = write_vector(
        tmp_path / "z1.shp", [{"price_sqw": 5000}], [utm_square(x - 100, y - 100, 500)], crs=32647
    )
    zones = load_vector(
        clean_db,
        near,
        kind="zones",
        settings=SETTINGS,
        mapping=_mapping(tmp_path, '[zones.columns]\nprice_per_sqwah = "price_sqw"\n'),
    )
    assert zones.warnings == ()
    # Same numbers declared as UTM 48N: the zones land ~650 km away.
    far = write_vector(
        tmp_path / "z2.shp", [{"PRICE_SQW": 5000}], [utm_square(x - 100, y - 100, 500)], crs=32648
    )
    report = load_vector(clean_db, far, kind="zones", settings=SETTINGS)
    assert any("km from the other layers" in w for w in report.warnings)


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_renames_columns_and_values(clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    shp = write_vector(
        tmp_path / "b.gpkg",
        [{"BID": "B1", "FL": 2, "BUSE": "บ้าน", "YR": 2550, "KIND": "ตึก"}],
        [utm_square(x, y, 10)],
        crs=32647,
    )
    mapping = _mapping(
        tmp_path,
        """
[buildings.columns]
building_code = "BID"
floors = "FL"
use = "BUSE"
year_built = "YR"
structure = "KIND"
[buildings.values.use]
"บ้าน" = "residential"
""",
    )
    report = load_vector(clean_db, shp, kind="buildings", settings=SETTINGS, mapping=mapping)
    assert report.n_loaded == 1 and report.warnings == ()
    (row,) = _rows(
        clean_db, "SELECT building_code, floors, use, year_built, structure, attrs FROM buildings"
    )
    assert tuple(row) == ("B1", 2, "residential", 2007, "masonry", None)


def test_mapping_naming_a_missing_column_names_both(clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    shp = write_vector(tmp_path / "p.shp", [{"CODE": "1"}], [utm_square(x, y)], crs=32647)
    mapping = _mapping(tmp_path, '[parcels.columns]\nparcel_code = "PCODE_X"\n')
    with pytest.raises(MappingError, match=r"mapping\.toml.*'PCODE_X'.*p\.shp"):
        load_vector(clean_db, shp, kind="parcels", settings=SETTINGS, mapping=mapping)


def test_missing_crs_must_be_declared(clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(24047)
    shp = write_vector(
        tmp_path / "nocrs.shp", [{"PCODE": "N"}], [utm_square(x, y)], crs=24047, keep_prj=False
    )
    with pytest.raises(InputError, match=r"nocrs\.shp: the source has no CRS.*--crs"):
        load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)
    report = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS, crs="24047")
    assert report.source_crs == "EPSG:24047" and report.n_loaded == 1


def test_cli_missing_mapping_column_exits_2_with_one_line(
    gisrev_cli, clean_db: Engine, tmp_path: Path
) -> None:
    x, y = chiang_mai_xy(32647)
    shp = write_vector(tmp_path / "town.shp", [{"CODE": "1"}], [utm_square(x, y)], crs=32647)
    mapping = _mapping(tmp_path, '[parcels.columns]\nparcel_code = "PCODE"\n')
    result = gisrev_cli("--lgu", "000000", "load", "parcels", shp, "--mapping", mapping)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert (
        lines[0].startswith("gisrev: error: ") and "'PCODE'" in lines[0] and "town.shp" in lines[0]
    )
    assert "mapping.toml" in lines[0]


def test_cli_prints_a_summary_with_rejects(gisrev_cli, clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    shp = write_vector(
        tmp_path / "town.gpkg",
        [{"parcel_code": "1"}, {"parcel_code": "2"}],
        [utm_square(x, y), None],
        crs=32647,
    )
    result = gisrev_cli("--lgu", "501004", "load", "parcels", shp)
    assert result.code == 0, result.err
    assert "Loaded 1 parcels from town.gpkg" in result.out
    assert "rejected 1" in result.out and "null geometry" in result.out
    assert "SELECT * FROM rejects WHERE run_id" in result.out
    assert result.err == ""  # no progress bar when stderr is not a terminal


def test_zipped_cp874_shapefile_loads(clean_db: Engine, tmp_path: Path) -> None:
    import zipfile

    x, y = chiang_mai_xy(24047)
    write_vector(
        tmp_path / "tax_map.shp",
        [{"PCODE": "๑", "NAME": "วัดพระสิงห์"}],
        [utm_square(x, y)],
        crs=24047,
        encoding="cp874",
        keep_cpg=False,
    )
    archive = tmp_path / "tax_map.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("tax_map.*"):
            if part != archive:
                zf.write(part, part.name)
    report = load_vector(clean_db, archive, kind="parcels", settings=SETTINGS)
    assert report.n_loaded == 1
    (row,) = _rows(clean_db, "SELECT parcel_code_norm, attrs->>'NAME' AS name FROM parcels")
    assert tuple(row) == ("1", "วัดพระสิงห์")


def test_multi_layer_source_needs_a_layer(clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    gpkg = tmp_path / "town.gpkg"
    frame = gpd.GeoDataFrame({"parcel_code": ["L1"]}, geometry=[utm_square(x, y)], crs=32647)
    frame.to_file(gpkg, layer="parcels")
    frame.assign(price_per_sqwah=[900.0]).to_file(gpkg, layer="zones")
    with pytest.raises(
        InputError, match=r"town\.gpkg: has 2 layers \(parcels, zones\); choose one with --layer"
    ):
        load_vector(clean_db, gpkg, kind="zones", settings=SETTINGS)
    with pytest.raises(InputError, match=r"no layer 'zone'; the layers are parcels, zones"):
        load_vector(clean_db, gpkg, kind="zones", settings=SETTINGS, layer="zone")
    report = load_vector(clean_db, gpkg, kind="zones", settings=SETTINGS, layer="zones")
    assert report.n_loaded == 1
    (row,) = _rows(clean_db, "SELECT price_per_sqwah, attrs FROM zones")
    assert tuple(row) == (900.0, {"parcel_code": "L1"})


def test_wrong_cpg_is_corrected_and_wrong_encoding_option_is_one_clear_error(
    clean_db: Engine, tmp_path: Path
) -> None:
    x, y = chiang_mai_xy(32647)
    shp = write_vector(
        tmp_path / "w.shp",
        [{"PCODE": "1", "NAME": "สมชาย"}],
        [utm_square(x, y)],
        crs=32647,
        encoding="cp874",
    )
    shp.with_suffix(".cpg").write_text("UTF-8")  # what many exports claim for TIS-620 text
    assert detect_encoding(shp) == "CP874"
    load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)
    assert _rows(clean_db, "SELECT attrs->>'NAME' AS name FROM parcels")[0].name == "สมชาย"

    with pytest.raises(
        InputError, match=r"w\.shp, feature 0, field 'NAME': the text is not utf-8.*--encoding"
    ):
        load_vector(clean_db, shp, kind="parcels", settings=SETTINGS, encoding="utf-8")
    assert _rows(clean_db, "SELECT attrs->>'NAME' AS name FROM parcels")[0].name == "สมชาย"


def test_a_source_with_no_loadable_feature_keeps_the_old_layer(
    clean_db: Engine, tmp_path: Path
) -> None:
    x, y = chiang_mai_xy(32647)
    good = write_vector(
        tmp_path / "good.gpkg", [{"parcel_code": "OLD"}], [utm_square(x, y)], crs=32647
    )
    load_vector(clean_db, good, kind="parcels", settings=SETTINGS)
    nulls = write_vector(
        tmp_path / "nulls.gpkg",
        [{"parcel_code": "N1"}, {"parcel_code": "N2"}],
        [None, None],
        crs=32647,
    )
    with pytest.raises(
        InputError,
        match=r"nulls\.gpkg: no feature could be loaded \(2 read; first problem: "
        r"nulls\.gpkg, feature 1, field 'geometry' — null geometry",
    ):
        load_vector(clean_db, nulls, kind="parcels", settings=SETTINGS)
    assert [r.parcel_code for r in _rows(clean_db, "SELECT parcel_code FROM parcels")] == ["OLD"]
    assert _rows(clean_db, "SELECT count(*) AS n FROM load_runs")[0].n == 1
