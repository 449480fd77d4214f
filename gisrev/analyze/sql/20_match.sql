-- Register row -> parcel: exact code, else normalised code (only when it names one parcel),
-- else deed number (only a deed that names one parcel). Every link keeps how it was made.
-- One statement written once (CTAS), instead of three INSERTs that each maintained the
-- primary key and anti-joined the rows matched so far (measured at 1M: 3.6 s -> 2.0 s).
CREATE TEMP TABLE _match ON COMMIT DROP AS
WITH by_code AS MATERIALIZED (
    -- Parcel codes are unique per municipality: at most one parcel per register row.
    SELECT r.id, r.parcel_code_norm, r.deed_no, p.id AS parcel_id
    FROM _reg AS r
    LEFT JOIN _par AS p ON p.parcel_code = r.parcel_code
), normalised AS MATERIALIZED (
    SELECT r.id, min(p.id) AS parcel_id
    FROM by_code AS r
    JOIN _par AS p ON p.parcel_code_norm = r.parcel_code_norm
    WHERE r.parcel_id IS NULL
    GROUP BY r.id
    HAVING count(*) = 1
), deed AS (
    -- A register row's deed counts when it names exactly one parcel on the map.
    SELECT r.id, min(p.id) AS parcel_id
    FROM by_code AS r
    JOIN _par AS p ON p.deed_no = r.deed_no
    WHERE r.parcel_id IS NULL AND r.deed_no IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM normalised AS n WHERE n.id = r.id)
    GROUP BY r.id
    HAVING count(*) = 1
)
SELECT id AS register_id, parcel_id, 'exact' AS method, 1.0::float8 AS confidence
FROM by_code
WHERE parcel_id IS NOT NULL
UNION ALL
SELECT id, parcel_id, 'normalised', 0.9
FROM normalised
UNION ALL
SELECT id, parcel_id, 'deed', 0.7
FROM deed;

ALTER TABLE _match ADD PRIMARY KEY (register_id);

ANALYZE _match;
