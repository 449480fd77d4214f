"""A tiny-town builder for tests: rows go straight into the canonical tables.

Tests that need parcels, buildings, zones or register rows with known geometry
build them here instead of writing files and loading them, so each test states
its town in a few lines and the expected answer can be worked out by hand::

    town = Town(clean_db)
    town.zone(rect(0, 0, 1000, 1000), price_per_sqwah=10_000)
    town.parcel("P-1", rect(10, 10, 20, 20))          # 400 m² = 100 sq wah
    town.building(rect(12, 12, 10, 10), floors=2, use="residential", value=500_000)
    town.register("P-1", declared_use="residential", declared_area_sqwah=100,
                  building_value=500_000, tax_assessed=0, tax_paid=0)

Coordinates are metres relative to an origin inside UTM zone 47N (central
Thailand), so ``rect(0, 0, 20, 20)`` is a real 400 m² square near Ayutthaya.
Geometry given in another CRS (``srid=24047`` …) is transformed by PostGIS.
Parcel codes are normalised by the loader's own rule (``parcel_code_norm``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Engine

from gisrev.load.normalise import normalise_parcel_code

ORIGIN_X = 660_000.0  # EPSG:32647 easting / northing of rect(0, 0, ...)
ORIGIN_Y = 1_590_000.0


def rect(x: float, y: float, w: float, h: float, *, origin: bool = True) -> shapely.Polygon:
    """A ``w`` × ``h`` metre rectangle with its lower-left corner at (x, y) from the origin."""
    ox, oy = (ORIGIN_X, ORIGIN_Y) if origin else (0.0, 0.0)
    return shapely.box(ox + x, oy + y, ox + x + w, oy + y + h)


@dataclasses.dataclass
class Town:
    """Insert rows of one municipality (``lgu_code``) directly into the canonical tables.

    Every method inserts at once and returns the new row's ``id``.
    """

    engine: Engine
    lgu_code: str = "000000"
    tax_year: int = 2023  # CE; the default year of register rows

    @property
    def srid(self) -> int:
        """The database's working SRID."""
        with self.engine.connect() as conn:
            srid = conn.execute(sa.text("SELECT working_srid FROM schema_version LIMIT 1")).scalar()
        return int(srid)

    def _geom_sql(self, srid: int | None) -> str:
        if srid is None or srid == self.srid:
            return "ST_Multi(ST_SetSRID(ST_GeomFromWKB(:wkb), :wsrid))"
        return "ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromWKB(:wkb), :srid), :wsrid))"

    def _insert(self, table: str, values: dict[str, Any], geom: BaseGeometry | None,
                srid: int | None) -> int:
        cols = list(values)
        params: dict[str, Any] = {
            k: (json.dumps(v) if k == "attrs" and v is not None else v) for k, v in values.items()
        }
        exprs = [f":{c}" if c != "attrs" else "CAST(:attrs AS jsonb)" for c in cols]
        if geom is not None:
            cols.append("geom")
            exprs.append(self._geom_sql(srid))
            params.update(wkb=shapely.to_wkb(geom), srid=srid, wsrid=self.srid)
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(exprs)}) RETURNING id"
        with self.engine.begin() as conn:
            return int(conn.execute(sa.text(sql), params).scalar_one())

    def parcel(self, code: str, geom: BaseGeometry, *, deed_no: str | None = None,
               deed_type: str | None = None, observed_use: str | None = None,
               price_per_sqwah: float | None = None, srid: int | None = None,
               attrs: dict[str, Any] | None = None) -> int:
        """Insert a parcel; ``geom`` in the working CRS unless ``srid`` says otherwise."""
        return self._insert("parcels", {
            "lgu_code": self.lgu_code, "parcel_code": code,
            "parcel_code_norm": normalise_parcel_code(code),
            "deed_no": deed_no, "deed_type": deed_type, "observed_use": observed_use,
            "price_per_sqwah": price_per_sqwah, "attrs": attrs,
        }, geom, srid)

    def building(self, geom: BaseGeometry, *, floors: int | None = 1,
                 use: str | None = "residential", building_type: str | None = None,
                 year_built: int | None = None,
                 structure: str | None = None, value: float | None = None,
                 building_code: str | None = None, srid: int | None = None) -> int:
        """Insert a building footprint."""
        return self._insert("buildings", {
            "lgu_code": self.lgu_code, "building_code": building_code, "floors": floors,
            "building_type": building_type, "use": use, "year_built": year_built,
            "structure": structure, "value": value,
        }, geom, srid)

    def zone(self, geom: BaseGeometry, *, price_per_sqwah: float, zone_code: str | None = None,
             zone_name: str | None = None, srid: int | None = None) -> int:
        """Insert an appraisal zone."""
        return self._insert("zones", {
            "lgu_code": self.lgu_code, "zone_code": zone_code, "zone_name": zone_name,
            "price_per_sqwah": price_per_sqwah,
        }, geom, srid)

    def register(self, parcel_code: str, *, tax_year: int | None = None,
                 account_id: str | None = None, deed_no: str | None = None,
                 owner_name: str | None = "ทดสอบ", owner_id: str | None = None,
                 owner_type: str | None = "individual", declared_use: str | None = "residential",
                 declared_area_sqwah: float | None = None, land_value: float | None = None,
                 building_value: float | None = None, exemption: float | None = None,
                 tax_assessed: float | None = 0.0, tax_paid: float | None = 0.0,
                 paid_date: dt.date | None = None, source_row: int | None = None) -> int:
        """Insert a register row (``tax_year`` in CE, default the town's year)."""
        return self._insert("register", {
            "lgu_code": self.lgu_code, "tax_year": tax_year or self.tax_year,
            "account_id": account_id, "parcel_code": parcel_code,
            "parcel_code_norm": normalise_parcel_code(parcel_code), "deed_no": deed_no,
            "owner_name": owner_name, "owner_id": owner_id, "owner_type": owner_type,
            "declared_use": declared_use, "declared_area_sqwah": declared_area_sqwah,
            "land_value": land_value, "building_value": building_value, "exemption": exemption,
            "tax_assessed": tax_assessed, "tax_paid": tax_paid, "paid_date": paid_date,
            "source_row": source_row,
        }, None, None)
