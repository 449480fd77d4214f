-- What the tax engine is asked: per parcel the tax on the evidence ('expected') and, where the
-- evidence changes the use category, the tax on the declared use with the same values
-- ('declared'; not for a declared 'mixed', whose shares the register does not give).
-- A mixed use becomes one row per part, its share of land and building value.
CREATE TEMP TABLE _taxin ON COMMIT DROP AS
WITH k AS (
    SELECT parcel_id, 'expected' AS kind, taxed_use AS category, land_value, building_value,
           owner_type, residential_use, res_share, other_share, agri_share
    FROM _case
    UNION ALL
    SELECT parcel_id, 'declared', declared_use, land_value, building_value,
           owner_type, residential_use, res_share, other_share, agri_share
    FROM _case
    WHERE registered AND declared_use IS NOT NULL AND declared_use <> 'mixed'
        AND declared_use <> taxed_use
)
SELECT k.parcel_id, k.kind, part.use,
       COALESCE(k.land_value, 0) * part.share AS land_value,
       COALESCE(k.building_value, 0) * part.share AS building_value,
       k.owner_type
FROM k
CROSS JOIN LATERAL (VALUES
    (CASE WHEN k.category IN ('residential', 'mixed') THEN k.residential_use ELSE k.category END,
     CASE WHEN k.category = 'mixed' THEN k.res_share ELSE 1.0 END),
    ('other', CASE WHEN k.category = 'mixed' THEN k.other_share ELSE 0.0 END),
    ('agriculture', CASE WHEN k.category = 'mixed' THEN k.agri_share ELSE 0.0 END)
) AS part (use, share)
WHERE part.share > 0;

CREATE TEMP TABLE _taxout (
    parcel_id bigint NOT NULL,
    kind text NOT NULL,
    tax float8 NOT NULL
) ON COMMIT DROP;
