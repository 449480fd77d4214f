-- Functions the views and the analysis share; created (or replaced) by every `gisrev db init`.
-- gisrev_be_year: a CE year as Thai readers write it, in the Buddhist Era (2023 -> 2566).
-- The one place SQL knows the offset; Python's is gisrev/years.py.
CREATE OR REPLACE FUNCTION gisrev_be_year(ce_year double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (ce_year + 543)::integer
$$;
