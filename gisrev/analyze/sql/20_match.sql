-- Register row -> parcel: exact code, else normalised code (only when it names one parcel),
-- else deed number (only a deed that names one parcel). Every link keeps how it was made.
CREATE TEMP TABLE _match (
    register_id bigint PRIMARY KEY,
    parcel_id bigint NOT NULL,
    method text NOT NULL,
    confidence float8 NOT NULL
) ON COMMIT DROP;

INSERT INTO _match
SELECT r.id, p.id, 'exact', 1.0
FROM _reg AS r
JOIN _par AS p ON p.parcel_code = r.parcel_code;

INSERT INTO _match
SELECT r.id, min(p.id), 'normalised', 0.9
FROM _reg AS r
JOIN _par AS p ON p.parcel_code_norm = r.parcel_code_norm
WHERE NOT EXISTS (SELECT 1 FROM _match AS m WHERE m.register_id = r.id)
GROUP BY r.id
HAVING count(*) = 1;

-- A register row's deed counts when it names exactly one parcel on the map.
INSERT INTO _match
SELECT r.id, min(p.id), 'deed', 0.7
FROM _reg AS r
JOIN _par AS p ON p.deed_no = r.deed_no
WHERE r.deed_no IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM _match AS m WHERE m.register_id = r.id)
GROUP BY r.id
HAVING count(*) = 1;

ANALYZE _match;
