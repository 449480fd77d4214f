-- The year's register rows and the municipality's parcels, with what every later step needs
-- from each parcel computed once: mapped area in square wah and a point inside it.
CREATE TEMP TABLE _reg ON COMMIT DROP AS
SELECT id, parcel_code, parcel_code_norm, NULLIF(btrim(deed_no), '') AS deed_no, account_id,
       NULLIF(lower(btrim(owner_type)), '') AS owner_type,
       NULLIF(lower(btrim(declared_use)), '') AS declared_use,
       declared_area_sqwah, building_value, exemption, tax_assessed, tax_paid
FROM register
WHERE lgu_code = :lgu AND tax_year = :year;

CREATE TEMP TABLE _par ON COMMIT DROP AS
SELECT id, parcel_code, parcel_code_norm, NULLIF(btrim(deed_no), '') AS deed_no,
       NULLIF(lower(btrim(observed_use)), '') AS observed_use, price_per_sqwah,
       ST_Area(geom) / 4.0 AS mapped_area_sqwah,
       ST_PointOnSurface(geom) AS pt
FROM parcels
WHERE lgu_code = :lgu;

ALTER TABLE _par ADD PRIMARY KEY (id);

ANALYZE _reg;

-- Statistics on the join keys only: sampling the point column would cost more.
ANALYZE _par (id, parcel_code, parcel_code_norm, deed_no);
