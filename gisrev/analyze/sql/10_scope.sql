-- The year's register rows and the municipality's parcels, with what every later step needs
-- from each parcel computed once: mapped area in square wah and a point inside it.
-- Unknown is never zero: a register input that is not given stays NULL, and each row says
-- per input whether it was given, blank or absent from its file (pg_temp.gisrev_input).
CREATE TEMP TABLE _reg ON COMMIT DROP AS
SELECT r.id, r.parcel_code, r.parcel_code_norm, r.deed_no, r.account_id, r.owner_type,
       r.declared_use, r.declared_area_sqwah, r.land_value, r.building_value, r.exemption,
       r.tax_assessed, r.tax_paid,
       pg_temp.gisrev_input(c.columns, 'owner_type', r.owner_type IS NOT NULL) AS owner_type_in,
       pg_temp.gisrev_input(c.columns, 'exemption', r.exemption IS NOT NULL) AS exemption_in,
       pg_temp.gisrev_input(c.columns, 'declared_area_sqwah', r.declared_area_sqwah IS NOT NULL)
           AS area_in,
       pg_temp.gisrev_input(c.columns, 'land_value', r.land_value IS NOT NULL) AS land_value_in,
       pg_temp.gisrev_input(c.columns, 'building_value', r.building_value IS NOT NULL)
           AS building_value_in,
       pg_temp.gisrev_input(c.columns, 'tax_assessed', r.tax_assessed IS NOT NULL)
           AS tax_assessed_in,
       pg_temp.gisrev_input(c.columns, 'tax_paid', r.tax_paid IS NOT NULL) AS tax_paid_in
FROM (
    SELECT id, parcel_code, parcel_code_norm, NULLIF(btrim(deed_no), '') AS deed_no, account_id,
           NULLIF(lower(btrim(owner_type)), '') AS owner_type,
           NULLIF(lower(btrim(declared_use)), '') AS declared_use,
           declared_area_sqwah, land_value, building_value, exemption, tax_assessed, tax_paid,
           run_id
    FROM register
    WHERE lgu_code = :lgu AND tax_year = :year
) AS r
LEFT JOIN (
    SELECT id, options -> 'columns' AS columns FROM load_runs WHERE kind = 'register'
) AS c ON c.id = r.run_id;

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
