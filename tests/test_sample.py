"""The sample-town generator: reproducible files that look like a Thai municipality's exports,
with every finding planted and clean parcels exactly consistent."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

from gisrev.load.normalise import normalise_parcel_code
from gisrev.sample import SHAPES, generate_town
from gisrev.sample._people import thai_id_check_digit
from gisrev.sample._write import REGISTER_HEADERS
from gisrev.vocab import FINDING_CODES

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "sample-town"
THAI = re.compile("[\u0e00-\u0e7f]")


@pytest.fixture(scope="module")
def small_town(tmp_path_factory: pytest.TempPathFactory):
    return generate_town(tmp_path_factory.mktemp("town"), parcels=400, seed=11)


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    frame = pd.read_csv(BUNDLED / "ground_truth.csv", dtype={"flags": str})
    return frame.fillna({"flags": ""})


def _valid_id(number: str) -> bool:
    digits = np.array([[int(c) for c in number[:12]]])
    return len(number) == 13 and int(thai_id_check_digit(digits)[0]) == int(number[12])


def test_same_seed_gives_byte_identical_files(small_town, tmp_path: Path) -> None:
    again = generate_town(tmp_path / "again", parcels=400, seed=11)
    for role, path in small_town.files.items():
        assert path.read_bytes() == again.files[role].read_bytes(), role
    for sidecar in ("parcels.dbf", "parcels.shx", "parcels.prj", "parcels.cpg"):
        assert (small_town.path / sidecar).read_bytes() == (again.path / sidecar).read_bytes()


def test_another_seed_gives_another_town(small_town, tmp_path: Path) -> None:
    other = generate_town(tmp_path / "other", parcels=400, seed=12)
    assert other.files["parcels"].read_bytes() != small_town.files["parcels"].read_bytes()


def test_every_finding_code_is_planted_at_least_five_times(small_town) -> None:
    assert set(small_town.findings[2566]) == set(FINDING_CODES)
    for code, count in small_town.findings[2566].items():
        assert count >= 5, code


def test_bundled_town_plants_every_code_in_both_years(truth: pd.DataFrame) -> None:
    for year in (2566, 2567):
        codes = truth.loc[truth["tax_year_be"] == year, "flags"].str.split(";").explode()
        for code in FINDING_CODES:
            assert (codes == code).sum() >= 5, (year, code)


def test_bundled_town_plants_combinations(truth: pd.DataFrame) -> None:
    y = truth[truth["tax_year_be"] == 2566]
    flags = y["flags"]
    assert (flags == "UNDERPAID;USE_MISMATCH").sum() >= 5
    assert (flags == "UNDERPAID;UNDECLARED_BUILDING").sum() >= 5
    assert (flags == "UNDERPAID;AREA_MISMATCH").sum() >= 5
    unregistered = y[flags == "UNREGISTERED"]
    assert (unregistered["n_buildings"] > 0).sum() >= 5
    assert (unregistered["n_buildings"] == 0).sum() >= 5
    # Flags come in the order of DESIGN.md's table.
    for joined in flags[flags != ""]:
        codes = joined.split(";")
        assert codes == sorted(codes, key=FINDING_CODES.index)


def test_clean_parcels_are_exactly_consistent(truth: pd.DataFrame) -> None:
    clean = truth[(truth["flags"] == "") & truth["n_register_rows"].eq(1)]
    assert len(clean) > 1000
    assert (clean["declared_use"] == clean["evidence_use"]).all()
    # Declared = mapped rounded to whole square wah (mapped is printed to 0.01).
    assert (clean["declared_area_sqwah"] % 1 == 0).all()
    assert ((clean["declared_area_sqwah"] - clean["mapped_area_sqwah"]).abs() <= 0.505).all()
    assert np.allclose(clean["tax_assessed"], clean["expected_tax"], atol=0.005)
    assert np.allclose(clean["tax_paid"], clean["tax_assessed"], atol=0.005)
    assert (clean["gap"] == 0).all()


def test_planted_differences_are_far_from_the_thresholds(truth: pd.DataFrame) -> None:
    y = truth[truth["tax_year_be"] == 2566]
    area = y[y["flags"].str.contains("AREA_MISMATCH")]
    mapped = area["mapped_area_sqwah"]
    off = (area["declared_area_sqwah"] - mapped).abs() / mapped
    assert off.min() >= 0.30
    under = y[y["flags"].str.contains("UNDERPAID")]
    missing = under["expected_tax"] - under["tax_assessed"]
    assert (missing > 2 * np.maximum(100, 0.1 * under["expected_tax"])).all()


def test_gap_is_expected_minus_paid(truth: pd.DataFrame) -> None:
    parcels = truth[truth["expected_tax"].notna()]
    paid = parcels["tax_paid"].fillna(0.0)
    assert np.allclose(parcels["gap"], np.maximum(parcels["expected_tax"] - paid, 0), atol=0.005)
    orphans = truth[truth["flags"] == "ORPHAN_RECORD"]
    assert orphans["gap"].isna().all() and orphans["expected_tax"].isna().all()


def test_shapefile_is_cp874_with_thai_text_in_epsg_24047() -> None:
    assert (BUNDLED / "parcels.cpg").read_text().strip().upper() in {"CP874", "874"}
    dbf = (BUNDLED / "parcels.dbf").read_bytes()
    assert "ที่อยู่อาศัย".encode("cp874") in dbf
    assert "ที่อยู่อาศัย".encode() not in dbf
    info = pyogrio.read_info(BUNDLED / "parcels.shp")
    assert info["crs"] == "EPSG:24047"
    assert list(info["fields"]) == ["PCODE", "DEED_NO", "DEED_TYPE", "LANDUSE", "PRICE"]
    frame = pyogrio.read_dataframe(BUNDLED / "parcels.shp")
    assert frame["LANDUSE"].str.contains(THAI).all()
    assert frame["PCODE"].is_unique and frame["DEED_NO"].is_unique
    # UTM 47N metres around Mae Hia, not degrees.
    x0, y0, x1, y1 = frame.total_bounds
    assert 490_000 < x0 < x1 < 500_000 and 2_066_000 < y0 < y1 < 2_078_000
    vertices = frame.geometry.count_coordinates() - frame.geometry.interiors.str.len().fillna(0) - 1
    assert vertices.between(5, 8).all()
    # Some parcels carry their own price; the others take their zone's (empty).
    assert 0 < frame["PRICE"].notna().sum() < len(frame) / 5


def test_register_xlsx_has_thai_headers_and_be_years() -> None:
    book = load_workbook(BUNDLED / "register_2566.xlsx", read_only=True)
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    assert list(rows[0]) == list(REGISTER_HEADERS.values())
    body = pd.DataFrame(rows[1:], columns=rows[0])
    assert (body["ปีภาษี"] == 2566).all()
    dates = body["วันที่ชำระ"].dropna()
    assert dates.str.fullmatch(r"\d\d/\d\d/2566").all()
    assert body["ประเภทการใช้ประโยชน์"].isin(
        ["เกษตรกรรม", "ที่อยู่อาศัย", "อื่นๆ", "ทิ้งไว้ว่างเปล่า", "ใช้ประโยชน์หลายประเภท"]
    ).all()
    assert body["ประเภทผู้เสียภาษี"].isin(["บุคคลธรรมดา", "นิติบุคคล"]).all()
    assert body["เลขประจำตัวประชาชน"].map(_valid_id).all()
    assert body["ชื่อเจ้าของ"].str.contains(THAI).all()
    assert (body["งาน"].between(0, 3) & body["ตารางวา"].between(0, 99)).all()
    codes = body["รหัสแปลง"]
    assert codes.str.contains("[๐-๙]").any()  # Thai digits
    assert codes.str.contains("[a-z]").any()  # lower case
    assert codes.str.contains(" ").any()
    # Messy codes still match a parcel once normalised.
    parcels = set(pyogrio.read_dataframe(BUNDLED / "parcels.shp", read_geometry=False)["PCODE"])
    norm = {normalise_parcel_code(c) for c in parcels}
    messy = codes[~codes.isin(parcels)]
    assert 0.5 < messy.map(normalise_parcel_code).isin(norm).mean() < 1


def test_register_2567_csv_is_cp874_with_thousands_separators() -> None:
    raw = (BUNDLED / "register_2567.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.DictReader(raw.decode("cp874").splitlines()))
    assert {r["ปีภาษี"] for r in rows} == {"2567"}
    assert any("," in r["มูลค่าที่ดิน"] for r in rows)


def test_recovered_lists_fixed_2566_findings(truth: pd.DataFrame) -> None:
    recovered = pd.read_csv(BUNDLED / "recovered.csv", dtype={"flags_2566": str})
    y2566 = truth[truth["tax_year_be"] == 2566].set_index("parcel_code")
    y2567 = truth[truth["tax_year_be"] == 2567].set_index("parcel_code")
    assert len(recovered) >= 20
    assert (y2566.loc[recovered["parcel_code"], "flags"] != "").all()
    # Fixed parcels have no finding left in 2567 but arrears, and were visited.
    left = y2567.loc[recovered["parcel_code"], "flags"].str.replace("ARREARS", "")
    assert (left.str.strip(";") == "").all()
    survey = pd.read_csv(BUNDLED / "survey_2566.csv", dtype=str)
    assert set(recovered["parcel_code"]) <= set(survey["parcel_code"])
    outcomes = {"registered", "corrected", "not found", "refused", "no change"}
    assert set(survey["outcome"]) <= outcomes
    registered = recovered[recovered["outcome"] == "registered"]
    assert (registered["tax_assessed_2566"] == 0).all()
    assert np.allclose(registered["recovered_baht"], registered["tax_assessed_2567"])


def test_vector_format_option_writes_flatgeobuf(tmp_path: Path) -> None:
    town = generate_town(tmp_path, parcels=150, seed=1, vector_format="fgb", register_format="csv")
    assert town.files["parcels"].suffix == ".fgb"
    assert town.files["register_2566"].suffix == ".csv"
    assert pyogrio.read_info(town.files["parcels"])["features"] == 150


def test_sample_command_writes_a_town(gisrev_cli, tmp_path: Path) -> None:
    result = gisrev_cli("sample", "--out", tmp_path, "--parcels", 150, "--seed", 4)
    assert result.code == 0, result.err
    assert "Wrote 150 parcels" in result.out
    assert "tax year 2566" in result.out
    assert (tmp_path / "parcels.shp").exists() and (tmp_path / "register_2566.xlsx").exists()


def test_sample_command_refuses_a_town_too_small_to_plant(gisrev_cli, tmp_path: Path) -> None:
    result = gisrev_cli("sample", "--out", tmp_path, "--parcels", 20)
    assert result.code == 2
    assert "--parcels" in result.err
    assert not (tmp_path / "parcels.shp").exists()


def test_sample_clean_command_plants_nothing_and_writes_each_shape_reproducibly(
    gisrev_cli, tmp_path: Path
) -> None:
    result = gisrev_cli("sample", "--out", tmp_path / "a", "--parcels", 150, "--seed", 4,
                        "--clean", "--shapes")
    assert result.code == 0, result.err
    assert "Planted findings, tax year 2566: UNREGISTERED 0, UNDERPAID 0" in result.out
    assert "in 12 shapes" in result.out
    again = generate_town(tmp_path / "b", parcels=150, seed=4, clean=True, shapes=True)
    assert set(again.shapes) == {s.name for s in SHAPES}
    for name in again.shapes:
        files = sorted(p.name for p in (tmp_path / "a" / "shapes" / name).iterdir())
        assert files in (["expected_2566.csv", "mapping.toml", "register_2566.csv"],
                         ["expected_2566.csv", "mapping.toml", "register_2566.xlsx"]), name
        for file in files:
            first = (tmp_path / "a" / "shapes" / name / file).read_bytes()
            assert first == (tmp_path / "b" / "shapes" / name / file).read_bytes(), (name, file)
    # A shape leaves its columns out of the file, and its mapping does not name them.
    no_area = (tmp_path / "a" / "shapes" / "no-area" / "register_2566.csv").read_bytes()
    header = no_area.decode("cp874").splitlines()[0].split(",")
    assert "ไร่" not in header and "งาน" not in header and "ตารางวา" not in header
    assert "ไร่" not in (tmp_path / "a" / "shapes" / "no-area" / "mapping.toml").read_text()
    words = pd.read_excel(tmp_path / "a" / "shapes" / "subcase" / "register_2566.xlsx")
    assert {"residential-primary", "residential-other"} <= set(words["ประเภทการใช้ประโยชน์"])
