-- zone_summary: per appraisal zone and tax year, how many parcels were flagged, for what,
-- and the revenue gap in baht, with the zone's polygon (a choropleth in QGIS; key column id).
-- Findings carry the zone row their parcel lies in, so polygons sharing a zone code are
-- summed apart and zones without a code are summarised too.
CREATE OR REPLACE VIEW zone_summary AS
SELECT z.id * 10000 + s.tax_year AS id,
       z.id AS zone_id,
       z.lgu_code,
       s.tax_year,
       gisrev_be_year(s.tax_year) AS tax_year_be,
       z.zone_code,
       z.zone_name,
       z.price_per_sqwah,
       s.n_findings,
       s.n_unregistered,
       s.n_underpaid,
       s.n_use_mismatch,
       s.n_area_mismatch,
       s.n_undeclared_building,
       s.n_arrears,
       s.n_duplicate_record,
       s.expected_tax,
       s.tax_assessed,
       s.tax_paid,
       s.gap,
       z.geom
FROM zones AS z
JOIN (
    SELECT zone_id, tax_year,
           count(*) AS n_findings,
           count(*) FILTER (WHERE 'UNREGISTERED' = ANY (flags)) AS n_unregistered,
           count(*) FILTER (WHERE 'UNDERPAID' = ANY (flags)) AS n_underpaid,
           count(*) FILTER (WHERE 'USE_MISMATCH' = ANY (flags)) AS n_use_mismatch,
           count(*) FILTER (WHERE 'AREA_MISMATCH' = ANY (flags)) AS n_area_mismatch,
           count(*) FILTER (WHERE 'UNDECLARED_BUILDING' = ANY (flags)) AS n_undeclared_building,
           count(*) FILTER (WHERE 'ARREARS' = ANY (flags)) AS n_arrears,
           count(*) FILTER (WHERE 'DUPLICATE_RECORD' = ANY (flags)) AS n_duplicate_record,
           round(sum(COALESCE(expected_tax, 0))::numeric, 2) AS expected_tax,
           round(sum(COALESCE(tax_assessed, 0))::numeric, 2) AS tax_assessed,
           round(sum(COALESCE(tax_paid, 0))::numeric, 2) AS tax_paid,
           round(sum(COALESCE(gap, 0))::numeric, 2) AS gap
    FROM findings
    WHERE zone_id IS NOT NULL
    GROUP BY zone_id, tax_year
) AS s ON s.zone_id = z.id;
