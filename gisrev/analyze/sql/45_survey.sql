-- What surveyors found: each parcel's latest visit made by the end of the tax year
-- (survey_latest_on is defined with the views, gisrev/db/views/survey_latest.sql).
CREATE TEMP TABLE _survey ON COMMIT DROP AS
SELECT s.parcel_code_norm, s.visited_at, s.found_use, s.buildings_count, s.outcome
FROM survey_latest_on(:lgu, make_date(:year, 12, 31)) AS s;

ALTER TABLE _survey ADD PRIMARY KEY (parcel_code_norm);
