-- Parcel -> appraisal zone by the zone holding a point inside the parcel. Zones are cut into
-- small pieces first (ST_Subdivide) so each point test touches a few vertices, not thousands.
-- ST_Intersects, not ST_Contains: a point on a cut line between two pieces lies in neither
-- piece's interior. Overlapping zones: the lowest zone id wins, so reruns agree.
CREATE TEMP TABLE _zs ON COMMIT DROP AS
SELECT id AS zone_id, zone_code, price_per_sqwah, ST_Subdivide(geom, 64) AS geom
FROM zones
WHERE lgu_code = :lgu;

ANALYZE _zs;

-- Few zone pieces, many points: probing a point index once per piece (the piece's prepared
-- geometry is cached between tests) beats probing the zone index once per point
-- (measured at 100k parcels: 0.35 s + 0.35 s index vs 1.1 s).
CREATE INDEX ON _par USING gist (pt);

CREATE TEMP TABLE _pz ON COMMIT DROP AS
SELECT DISTINCT ON (p.id) p.id AS parcel_id, z.zone_id, z.zone_code, z.price_per_sqwah
FROM _zs AS z
JOIN _par AS p ON ST_Intersects(z.geom, p.pt)
ORDER BY p.id, z.zone_id;

ALTER TABLE _pz ADD PRIMARY KEY (parcel_id);
