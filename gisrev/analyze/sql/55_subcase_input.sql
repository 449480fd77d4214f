-- The register's own assessment is evidence of the residential sub-case it does not name.
-- For each registered parcel declared residential (or mixed) with no sub-case and no
-- exemption given, but with an assessed tax, the tax engine is asked the tax of every
-- sub-case consistent with the owner (a juristic owner has no primary residence) on the
-- register's declared land and building values where given, else the map's, and the declared
-- use's shares as 60_tax_input.sql splits a mixed use. Only these parcels get rows, so a
-- register that names its sub-cases or exemptions costs nothing here.
CREATE TEMP TABLE _candin ON COMMIT DROP AS
WITH k AS (
    SELECT c.parcel_id, c.declared_use AS category, s.subcase, c.owner_type,
           CASE WHEN c.land_value_in = 'given' THEN c.declared_land_value
                ELSE c.land_value END AS land_value,
           CASE WHEN c.building_value_in = 'given' THEN c.declared_building_value
                ELSE c.building_value END AS building_value,
           c.res_share, c.other_share, c.agri_share
    FROM _case AS c
    CROSS JOIN LATERAL unnest(
        CASE WHEN c.owner_type = 'juristic' THEN ARRAY['residential-other']
             ELSE ARRAY['residential-primary', 'residential-primary-building',
                        'residential-other'] END
    ) AS s (subcase)
    WHERE c.subcase_source = 'lowest' AND c.tax_assessed_in = 'given'
      AND c.declared_use IN ('residential', 'mixed')
)
SELECT k.parcel_id, k.subcase AS kind, part.use,
       COALESCE(k.land_value, 0) * part.share AS land_value,
       COALESCE(k.building_value, 0) * part.share AS building_value,
       k.owner_type
FROM k
CROSS JOIN LATERAL (VALUES
    (k.subcase, CASE WHEN k.category = 'mixed' THEN k.res_share ELSE 1.0 END),
    ('other', CASE WHEN k.category = 'mixed' THEN k.other_share ELSE 0.0 END),
    ('agriculture', CASE WHEN k.category = 'mixed' THEN k.agri_share ELSE 0.0 END)
) AS part (use, share)
WHERE part.share > 0;

CREATE TEMP TABLE _candout (
    parcel_id bigint NOT NULL,
    kind text NOT NULL,
    tax float8 NOT NULL
) ON COMMIT DROP;
