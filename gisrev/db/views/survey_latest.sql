-- survey_latest: each parcel's most recent survey visit (history stays in survey_visits).
-- The analysis joins it on (lgu_code, parcel_code_norm) to use what surveyors found;
-- QGIS and notebooks can read it as an ordinary table. Same-day visits: the later import wins.
CREATE OR REPLACE VIEW survey_latest AS
SELECT DISTINCT ON (v.lgu_code, v.parcel_code_norm)
    v.lgu_code,
    v.parcel_code,
    v.parcel_code_norm,
    v.visited_at,
    v.surveyor,
    v.found_use,
    v.buildings_count,
    v.floors,
    v.outcome,
    v.notes,
    v.photo,
    v.lon,
    v.lat,
    v.id AS visit_id,
    count(*) OVER (PARTITION BY v.lgu_code, v.parcel_code_norm) AS n_visits
FROM survey_visits AS v
ORDER BY v.lgu_code, v.parcel_code_norm, v.visited_at DESC, v.id DESC;
