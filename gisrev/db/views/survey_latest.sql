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

-- survey_latest_on(lgu, day): the same, for one municipality, counting only visits made on or
-- before `day` — what was known at that date. The analysis of tax year Y asks for 31 December Y.
CREATE OR REPLACE FUNCTION survey_latest_on(p_lgu text, p_day date)
RETURNS TABLE (
    parcel_code_norm text, visited_at date, found_use text, buildings_count integer,
    floors integer, outcome text, visit_id bigint
)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (v.parcel_code_norm)
           v.parcel_code_norm, v.visited_at, v.found_use, v.buildings_count, v.floors,
           v.outcome, v.id
    FROM survey_visits AS v
    WHERE v.lgu_code = p_lgu AND v.visited_at <= p_day
    ORDER BY v.parcel_code_norm, v.visited_at DESC, v.id DESC
$$;
