-- findings_map: each finding with its parcel's polygon, for QGIS (add it as a PostGIS layer,
-- key column id) and notebooks. Orphan register rows have no parcel and are not in it.
-- main_flag is the first finding code in DESIGN.md order: style by it.
CREATE OR REPLACE VIEW findings_map AS
SELECT f.id,
       f.lgu_code,
       f.tax_year,
       gisrev_be_year(f.tax_year) AS tax_year_be,
       f.parcel_id,
       f.parcel_code,
       f.flags[1] AS main_flag,
       array_to_string(f.flags, ';') AS flags,
       f.reason_th,
       f.reason_en,
       f.declared_use,
       f.evidence_use,
       f.declared_area_sqwah,
       f.mapped_area_sqwah,
       f.land_value,
       f.building_value,
       f.zone_code,
       f.expected_tax,
       f.tax_assessed,
       f.tax_paid,
       f.gap,
       f.priority,
       f.lon,
       f.lat,
       f.account_id,
       f.deed_no,
       p.geom,
       -- Register inputs the finding took at their lowest reading (after geom: views only
       -- grow at the end).
       array_to_string(f.assumed, ';') AS assumed
FROM findings AS f
JOIN parcels AS p ON p.id = f.parcel_id;
