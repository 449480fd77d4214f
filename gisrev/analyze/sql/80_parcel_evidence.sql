-- Every parcel's tax input for the year, as the tax engine was asked it (60_tax_input.sql)
-- and the tax it gave, so what-if re-taxes all parcels without repeating the rules above.
-- use is the regime's use of the expected tax: a residential category carries its sub-case,
-- a mixed one stays 'mixed' with its parts (regime use -> share, the parts taxed).
INSERT INTO parcel_evidence (
    lgu_code, tax_year, analysis_run_id, parcel_id, parcel_code, zone_id, mapped_area_sqwah,
    land_value, building_value, use, parts, owner_type, vacant_years, registered,
    tax_assessed, tax_paid, expected_tax, assumed
)
SELECT :lgu, :year, :run_id, c.parcel_id, c.parcel_code, c.zone_id, c.mapped_area_sqwah,
       COALESCE(c.land_value, 0), COALESCE(c.building_value, 0),
       CASE WHEN c.taxed_use = 'residential' THEN c.residential_use ELSE c.taxed_use END,
       CASE WHEN c.taxed_use = 'mixed' THEN (
           SELECT jsonb_object_agg(part.use, part.share)
           FROM (VALUES (c.residential_use, c.res_share), ('other', c.other_share),
                        ('agriculture', c.agri_share)) AS part (use, share)
           WHERE part.share > 0
       ) END,
       c.owner_type, 0, c.registered,
       CASE WHEN c.registered THEN c.tax_assessed END,
       CASE WHEN c.registered THEN c.tax_paid END,
       COALESCE(t.expected_tax, 0), c.assumed
FROM _case AS c
LEFT JOIN _tax AS t ON t.parcel_id = c.parcel_id;
