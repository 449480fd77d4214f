-- One row per parcel: the map's evidence (area, price, land and building value, use) next to
-- what the register declares, NULL where it does not say (unknown, never zero). Duplicate accounts: the first (lowest id, i.e. file order)
-- row stands, the others only raise DUPLICATE_RECORD.
-- The per-parcel building sums and first register rows are subqueries of the one statement
-- rather than temporary tables of their own: written once, read once.
CREATE TEMP TABLE _case ON COMMIT DROP AS
WITH bsum AS (
    -- A building's value: appraised, else estimated by the tax engine (_bval), else 0 baht.
    SELECT b.parcel_id,
           count(*) AS n_buildings,
           sum(COALESCE(b.value, v.value, 0)) AS building_value,
           COALESCE(sum(b.floor_area_m2) FILTER (WHERE b.category = 'residential'), 0) AS res_area,
           COALESCE(sum(b.floor_area_m2) FILTER (WHERE b.category = 'other'), 0) AS other_area,
           COALESCE(sum(b.floor_area_m2) FILTER (WHERE b.category = 'agriculture'), 0)
               AS agri_area
    FROM _bld AS b
    LEFT JOIN _bval AS v ON v.building_id = b.building_id
    GROUP BY b.parcel_id
), acc AS (
    SELECT DISTINCT ON (m.parcel_id)
           m.parcel_id, r.account_id, r.declared_use, r.owner_type, r.declared_area_sqwah,
           r.land_value AS declared_land_value, r.building_value AS declared_building_value,
           r.exemption, r.tax_assessed, r.tax_paid,
           r.owner_type_in, r.exemption_in, r.area_in, r.land_value_in, r.building_value_in,
           r.tax_assessed_in, r.tax_paid_in,
           array_agg(r.id) OVER w AS register_ids,
           count(*) OVER w AS n_records
    FROM _match AS m
    JOIN _reg AS r ON r.id = m.register_id
    -- One sort serves the window and DISTINCT ON.
    WINDOW w AS (PARTITION BY m.parcel_id ORDER BY r.id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ORDER BY m.parcel_id, r.id
), e AS (
    SELECT p.id AS parcel_id, p.parcel_code, p.deed_no, p.mapped_area_sqwah, p.pt,
           z.zone_id, z.zone_code,
           COALESCE(p.price_per_sqwah, z.price_per_sqwah) AS price_per_sqwah,
           -- A surveyor's count of buildings wins over the map's; none found means no value.
           COALESCE(s.buildings_count, b.n_buildings, 0) AS n_buildings,
           CASE WHEN s.buildings_count = 0 THEN 0
                ELSE COALESCE(b.building_value, 0) END AS building_value,
           s.found_use AS surveyed_use, s.visited_at, s.outcome AS survey_outcome,
           b.res_area, b.other_area, b.agri_area,
           (b.res_area > 0)::int + (b.other_area > 0)::int + (b.agri_area > 0)::int AS n_categories,
           CASE p.observed_use
                WHEN 'commercial' THEN 'other'
                WHEN 'industrial' THEN 'other'
                WHEN 'agriculture' THEN 'agriculture'
                WHEN 'residential' THEN 'residential'
                WHEN 'other' THEN 'other'
                WHEN 'vacant' THEN 'vacant'
                WHEN 'mixed' THEN 'mixed'
           END AS observed_category,
           a.register_ids, COALESCE(a.n_records, 0) AS n_records, a.account_id,
           -- A declared residential sub-case is a residential declaration that names its case.
           CASE WHEN a.declared_use IN ('agriculture', 'residential', 'other', 'vacant', 'mixed')
                THEN a.declared_use
                WHEN a.declared_use IN ('residential-primary', 'residential-primary-building',
                                        'residential-other')
                THEN 'residential' END AS declared_use,
           CASE WHEN a.declared_use IN ('residential-primary', 'residential-primary-building',
                                        'residential-other')
                THEN a.declared_use END AS declared_subcase,
           -- Owner type unknown: an individual, the lower tax (a juristic owner has no home
           -- and no agricultural exemption).
           COALESCE(a.owner_type, 'individual') AS owner_type,
           a.owner_type_in, a.exemption_in, a.area_in, a.land_value_in, a.building_value_in,
           a.tax_assessed_in, a.tax_paid_in,
           a.declared_area_sqwah, a.declared_land_value, a.declared_building_value, a.exemption,
           a.tax_assessed, a.tax_paid
    FROM _par AS p
    LEFT JOIN _pz AS z ON z.parcel_id = p.id
    LEFT JOIN bsum AS b ON b.parcel_id = p.id
    LEFT JOIN acc AS a ON a.parcel_id = p.id
    LEFT JOIN _survey AS s ON s.parcel_code_norm = p.parcel_code_norm
)
SELECT e.*,
       e.n_records > 0 AS registered,
       e.mapped_area_sqwah * e.price_per_sqwah AS land_value,
       ev.evidence_use,
       -- The category taxed: the evidence, else the declaration, else vacant (nothing on the
       -- map and nothing declared: land not put to use).
       COALESCE(ev.evidence_use, e.declared_use, 'vacant') AS taxed_use,
       -- Residential sub-case, and where it comes from: the declared sub-case, else the
       -- exemption claimed, else the lowest tax the evidence allows (a primary residence; a
       -- juristic owner has none). 58_subcase.sql then lets the register's own assessment
       -- pick among the sub-cases where it fits one ('lowest' -> 'assessed'). Unregistered
       -- parcels get the lowest reading too, so a gap is never overstated.
       sc.residential_use, sc.subcase_source,
       -- The register inputs this parcel's tax or findings had to assume (never zero).
       array_remove(ARRAY[
           CASE WHEN sc.subcase_source = 'lowest'
                     AND (COALESCE(ev.evidence_use, e.declared_use) IN ('residential', 'mixed')
                          OR e.declared_use IN ('residential', 'mixed'))
                THEN 'exemption' END,
           CASE WHEN e.n_records > 0 AND e.owner_type_in <> 'given' THEN 'owner_type' END
       ], NULL) AS assumed,
       -- Shares of a mixed use: by floor area when buildings say so, else half and half.
       CASE WHEN e.n_categories > 1 THEN e.res_area / (e.res_area + e.other_area + e.agri_area)
            ELSE 0.5 END AS res_share,
       CASE WHEN e.n_categories > 1 THEN e.other_area / (e.res_area + e.other_area + e.agri_area)
            ELSE 0.5 END AS other_share,
       CASE WHEN e.n_categories > 1 THEN e.agri_area / (e.res_area + e.other_area + e.agri_area)
            ELSE 0.0 END AS agri_share
FROM e
-- Evidence category: what a surveyor found, else the buildings' use by floor area, else the
-- observed use.
CROSS JOIN LATERAL (
    SELECT CASE WHEN e.surveyed_use IS NOT NULL THEN e.surveyed_use
                WHEN e.n_categories > 1 THEN 'mixed'
                WHEN e.res_area > 0 THEN 'residential'
                WHEN e.other_area > 0 THEN 'other'
                WHEN e.agri_area > 0 THEN 'agriculture'
                ELSE e.observed_category END AS evidence_use
) AS ev
CROSS JOIN LATERAL (
    SELECT CASE WHEN e.n_records = 0 THEN 'residential-primary'
                WHEN e.declared_subcase IS NOT NULL THEN e.declared_subcase
                WHEN e.exemption >= 50000000 THEN 'residential-primary'
                WHEN e.exemption >= 10000000 THEN 'residential-primary-building'
                WHEN e.exemption IS NOT NULL THEN 'residential-other'
                WHEN e.owner_type = 'juristic' THEN 'residential-other'
                ELSE 'residential-primary' END AS residential_use,
           CASE WHEN e.n_records = 0 THEN NULL
                WHEN e.declared_subcase IS NOT NULL THEN 'declared'
                WHEN e.exemption IS NOT NULL THEN 'exemption'
                ELSE 'lowest' END AS subcase_source
) AS sc;

ALTER TABLE _case ADD PRIMARY KEY (parcel_id);
