"""Writing the sample town the way a municipality's files look: Thai text, cp874, BE years.

Files are written reproducibly: fixed dates inside the Shapefile, GeoPackage and XLSX,
so the same seed gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from gisrev.sample._build import SOURCE_CRS, WORK_CRS, YEARS_CE, Town
from gisrev.sample._truth import evidence
from gisrev.years import be

VectorFormat = Literal["shp", "gpkg", "fgb"]
RegisterFormat = Literal["xlsx", "csv"]

_FIXED_DATE = "2023-01-01"
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*")
_USE_TH = {
    "agriculture": "เกษตรกรรม", "residential": "ที่อยู่อาศัย", "other": "อื่นๆ",
    "vacant": "ทิ้งไว้ว่างเปล่า", "mixed": "ใช้ประโยชน์หลายประเภท",
}
_LANDUSE_TH = {
    "agriculture": "เกษตรกรรม", "residential": "ที่อยู่อาศัย", "commercial": "พาณิชยกรรม",
    "industrial": "อุตสาหกรรม", "vacant": "ทิ้งไว้ว่างเปล่า", "mixed": "หลายประเภท",
}
_BUILDING_USE_TH = {
    "residential": "ที่อยู่อาศัย", "commercial": "พาณิชยกรรม", "industrial": "อุตสาหกรรม",
    "agriculture": "เกษตรกรรม",
}
_STRUCTURE_TH = {"masonry": "ตึก", "half": "ครึ่งตึกครึ่งไม้", "wood": "ไม้"}
_OWNER_TH = {"individual": "บุคคลธรรมดา", "juristic": "นิติบุคคล"}
REGISTER_HEADERS = {
    "parcel_code": "รหัสแปลง", "deed_no": "เลขที่โฉนด", "tax_year": "ปีภาษี",
    "account_id": "เลขที่บัญชี", "owner_name": "ชื่อเจ้าของ", "owner_id": "เลขประจำตัวประชาชน",
    "owner_type": "ประเภทผู้เสียภาษี", "declared_use": "ประเภทการใช้ประโยชน์",
    "declared_area_rai": "ไร่", "declared_area_ngan": "งาน", "declared_area_wah": "ตารางวา",
    "land_value": "มูลค่าที่ดิน", "building_value": "มูลค่าสิ่งปลูกสร้าง", "exemption": "ยกเว้น",
    "tax_assessed": "ภาษีที่ประเมิน", "tax_paid": "ภาษีที่ชำระ", "paid_date": "วันที่ชำระ",
}
# Canonical field -> column of the layers written (the mapping file says the same).
_PARCEL_COLUMNS = {
    "parcel_code": "PCODE", "deed_no": "DEED_NO", "deed_type": "DEED_TYPE",
    "observed_use": "LANDUSE", "price_per_sqwah": "PRICE",
}
_BUILDING_COLUMNS = {
    "building_code": "bldg_code", "building_type": "bldg_type", "use": "bldg_use",
    "floors": "floors", "year_built": "yr_built", "structure": "structure", "value": "value",
}
_ZONE_COLUMNS = {"zone_code": "zone_code", "zone_name": "zone_name", "price_per_sqwah": "price_sqw"}
# LANDUSE values the parcel section maps, onto the register's use categories.
_LANDUSE_CATEGORY = {
    "agriculture": "agriculture", "residential": "residential", "commercial": "other",
    "industrial": "other", "vacant": "vacant", "mixed": "mixed",
}


def _vector(frame: gpd.GeoDataFrame, path: Path, fmt: VectorFormat) -> Path:
    path = path.with_suffix({"shp": ".shp", "gpkg": ".gpkg", "fgb": ".fgb"}[fmt])
    for old in path.parent.glob(path.stem + ".*"):
        if old.suffix in {".shp", ".shx", ".dbf", ".prj", ".cpg", ".gpkg", ".fgb"}:
            old.unlink()
    if fmt == "shp":
        pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="cp874",
                                layer_options={"DBF_DATE_LAST_UPDATE": _FIXED_DATE})
    elif fmt == "gpkg":
        # OGR_CURRENT_DATE pins the timestamps GeoPackage stores, for byte-identical files.
        before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{_FIXED_DATE}T00:00:00Z"})
        try:
            pyogrio.write_dataframe(frame, path, driver="GPKG", layer=path.stem)
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})
    else:
        pyogrio.write_dataframe(frame, path, driver="FlatGeobuf")
    return path


def _land_use(town: Town) -> np.ndarray:
    """Return LANDUSE: what the buildings show, else what was observed."""
    ev = evidence(town.parcels, town.buildings, YEARS_CE[0])
    use = ev["category"].to_numpy().astype(object)
    b = town.buildings  # sorted by parcel
    first = b.drop_duplicates("parcel").set_index("parcel")["use"]
    only = first.where(b.groupby("parcel")["use"].nunique() == 1, "mixed")
    use[only.index.to_numpy()] = only.to_numpy()
    return np.array([_LANDUSE_TH[u] for u in use], dtype=object)


def write_parcels(town: Town, out: Path, fmt: VectorFormat) -> Path:
    """Write the parcel layer in EPSG:24047 with DBF-style column names and Thai values."""
    p = town.parcels
    frame = gpd.GeoDataFrame(
        {
            "parcel_code": p["parcel_code"],
            "deed_no": p["deed_no"],
            "deed_type": p["deed_type"],
            "observed_use": _land_use(town),
            "price_per_sqwah": p["own_price"],
        },
        geometry=gpd.GeoSeries(p["source_geometry"].to_numpy(), crs=SOURCE_CRS),
    ).rename(columns=_PARCEL_COLUMNS)
    return _vector(frame, out / "parcels", fmt)


def write_buildings(town: Town, out: Path) -> Path:
    """Write the building layer: GeoPackage in EPSG:32647, years built in BE."""
    b = town.buildings
    frame = gpd.GeoDataFrame(
        {
            "building_code": b["building_code"],
            "building_type": b["building_type"],
            "use": b["use"].map(_BUILDING_USE_TH),
            "floors": b["floors"].astype("int32"),
            "year_built": be(b["year_built"]).astype("int32"),
            "structure": b["structure"].map(_STRUCTURE_TH),
            "value": b["value"],
        },
        geometry=gpd.GeoSeries(b["geometry"].to_numpy(), crs=WORK_CRS),
    ).rename(columns=_BUILDING_COLUMNS)
    return _vector(frame, out / "buildings", "gpkg")


def write_zones(town: Town, out: Path) -> Path:
    """Write the appraisal zones as GeoJSON in EPSG:4326."""
    z = town.zones
    frame = gpd.GeoDataFrame(
        z[list(_ZONE_COLUMNS.values())],
        geometry=gpd.GeoSeries(z["geometry"].to_numpy(), crs=WORK_CRS),
    ).to_crs(4326)
    path = out / "zones.geojson"
    path.unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, path, driver="GeoJSON", layer_options={"RFC7946": "YES"})
    return path


def _thai_date(value: dt.date | None) -> str:
    return "" if value is None else f"{value.day:02d}/{value.month:02d}/{be(value.year)}"


def register_sheet(rows: pd.DataFrame) -> pd.DataFrame:
    """Turn canonical rows into an export's: Thai headers and values, BE, rai-ngan-wah.

    A residential sub-case in ``declared_use`` is written as its code.
    """
    area = rows["declared_area_sqwah"].round().astype("int64")
    out = pd.DataFrame(
        {
            "parcel_code": rows["parcel_code"],
            "deed_no": rows["deed_no"],
            "tax_year": be(rows["tax_year"]),
            "account_id": rows["account_id"],
            "owner_name": rows["owner_name"],
            "owner_id": rows["owner_id"],
            "owner_type": rows["owner_type"].map(_OWNER_TH),
            "declared_use": rows["declared_use"].map(lambda u: _USE_TH.get(u, u)),
            "declared_area_rai": area // 400,
            "declared_area_ngan": area % 400 // 100,
            "declared_area_wah": area % 100,
            "land_value": rows["land_value"],
            "building_value": rows["building_value"],
            "exemption": rows["exemption"],
            "tax_assessed": rows["tax_assessed"],
            "tax_paid": rows["tax_paid"],
            "paid_date": [_thai_date(d) for d in rows["paid_date"]],
        }
    )
    return out.rename(columns=REGISTER_HEADERS)


def _reproducible_zip(path: Path) -> None:
    """Rewrite an XLSX with fixed member timestamps, so the same data gives the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = _MODIFIED.sub(rb"\g<1>2023-01-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2023, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    path.write_bytes(buf.getvalue())


def write_register(rows: pd.DataFrame, path: Path, fmt: RegisterFormat, *,
                   leave_out: tuple[str, ...] = ()) -> Path:
    """One year's register: XLSX (numbers as numbers) or CSV in cp874 (thousands separators).

    ``leave_out`` names columns (keys of REGISTER_HEADERS) the file does not have.
    """
    sheet = register_sheet(rows).drop(columns=[REGISTER_HEADERS[c] for c in leave_out])
    path = path.with_suffix("." + fmt)
    if fmt == "csv":
        money = [REGISTER_HEADERS[c] for c in ("land_value", "building_value", "exemption",
                                                "tax_assessed", "tax_paid")
                 if c not in leave_out]
        text = sheet.copy()
        for col in money:
            text[col] = [("" if pd.isna(v) else f"{v:,.2f}") for v in sheet[col]]
        text.to_csv(path, index=False, encoding="cp874", lineterminator="\r\n")
        return path

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    fixed = dt.datetime(2023, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "gisrev sample"
    ws = wb.create_sheet(f"ทะเบียนทรัพย์สิน {be(int(rows['tax_year'].iloc[0]))}")
    ws.append(list(sheet.columns))
    for record in sheet.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) else
                   (v.item() if isinstance(v, np.generic) else v) for v in record])
    wb.save(path)
    _reproducible_zip(path)
    return path


def _columns(kind: str, table: dict[str, str]) -> str:
    return f"[{kind}.columns]\n" + "".join(f'{k} = "{v}"\n' for k, v in table.items())


def _values(kind: str, field: str, table: dict[str, str]) -> str:
    lines = "".join(f'"{source}" = "{canonical}"\n' for source, canonical in table.items())
    return f"[{kind}.values.{field}]\n" + lines


def _inverse(table: dict[str, str]) -> dict[str, str]:
    return {thai: canonical for canonical, thai in table.items()}


def register_mapping_toml(*, leave_out: tuple[str, ...] = ()) -> str:
    """Return a mapping file for a register written with ``leave_out`` (its sections only).

    A mapping that names a column the file lacks is an error, so the left-out columns are
    not named.
    """
    present = {k: v for k, v in REGISTER_HEADERS.items() if k not in leave_out}
    return (
        "# How this register's columns map onto gisrev's canonical fields (see DESIGN.md).\n\n"
        + "\n".join([_columns("register", present),
                     _values("register", "declared_use", _inverse(_USE_TH)),
                     _values("register", "owner_type", _inverse(_OWNER_TH))])
    )


def _mapping_toml() -> str:
    """Return the town's mapping file, made from the tables the layers are written with."""
    columns, values, inverse = _columns, _values, _inverse
    landuse = {_LANDUSE_TH[u]: c for u, c in _LANDUSE_CATEGORY.items()}
    sections = [
        columns("parcels", _PARCEL_COLUMNS),
        values("parcels", "observed_use", landuse),
        columns("buildings", _BUILDING_COLUMNS),
        values("buildings", "use", inverse(_BUILDING_USE_TH)),
        values("buildings", "structure", inverse(_STRUCTURE_TH)),
        columns("zones", _ZONE_COLUMNS),
        columns("register", REGISTER_HEADERS),
        values("register", "declared_use", inverse(_USE_TH)),
        values("register", "owner_type", inverse(_OWNER_TH)),
    ]
    return (
        "# How the sample town's files map onto gisrev's canonical fields (see DESIGN.md).\n"
        "# Used by every `gisrev load ... --mapping mapping.toml`.\n\n" + "\n".join(sections)
    )


def write_settings(out: Path, lgu_code: str) -> Path:
    """Write the town's gisrev.toml: which municipality it is."""
    path = out / "gisrev.toml"
    path.write_text(
        "# Settings for the sample town (gisrev reads ./gisrev.toml or --config).\n"
        "[project]\n"
        f'lgu_code = "{lgu_code}"  # sample municipality (Mae Hia area, Chiang Mai)\n'
        'name_th = "เทศบาลตำบลแม่เหียะ"\n'
        'name_en = "Mae Hia Subdistrict Municipality"\n'
        'regime = "thai"\n',
        encoding="utf-8",
    )
    return path


def write_tables(town: Town, out: Path) -> list[Path]:
    """Survey file, ground truth and recovered revenue as UTF-8 CSV."""
    survey = out / "survey_2566.csv"
    town.survey.to_csv(survey, index=False, encoding="utf-8")
    truth = out / "ground_truth.csv"
    # Money is already rounded to 0.01; pandas' own float text is much faster than a format.
    frame = pd.concat([town.truth[y] for y in YEARS_CE], ignore_index=True)
    frame.round(2).to_csv(truth, index=False, encoding="utf-8")
    recovered = out / "recovered.csv"
    town.recovered.round(2).to_csv(recovered, index=False, encoding="utf-8")
    mapping = out / "mapping.toml"
    mapping.write_text(_mapping_toml(), encoding="utf-8")
    return [survey, truth, recovered, mapping]
