-- Text helpers for the reasons a surveyor reads. Session-local (pg_temp): nothing is left in
-- the database. Run as one script without parameters.
CREATE OR REPLACE FUNCTION pg_temp.gisrev_area(sqwah float8, lang text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN sqwah IS NULL THEN NULL ELSE (
        SELECT COALESCE(NULLIF(concat_ws(' ',
            CASE WHEN div(w, 400) > 0 THEN div(w, 400)::text
                 || CASE WHEN lang = 'th' THEN ' ไร่' ELSE ' rai' END END,
            CASE WHEN div(mod(w, 400), 100) > 0 THEN div(mod(w, 400), 100)::text
                 || CASE WHEN lang = 'th' THEN ' งาน' ELSE ' ngan' END END,
            CASE WHEN mod(w, 100) > 0 THEN mod(w, 100)::text
                 || CASE WHEN lang = 'th' THEN ' ตร.ว.' ELSE ' sq wah' END END
        ), ''), CASE WHEN lang = 'th' THEN '0 ตร.ว.' ELSE '0 sq wah' END)
        FROM (SELECT round(sqwah)::numeric AS w) AS t
    ) END
$$;

CREATE OR REPLACE FUNCTION pg_temp.gisrev_baht(amount float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(round(amount::numeric, 2), 'FM999,999,999,999,990.00')
$$;

-- The vocabulary's labels (gisrev/vocab.py), filled by the runner with bound rows right
-- after this script: reasons use the same words as every page and sheet.
CREATE TEMP TABLE gisrev_labels (
    kind text NOT NULL,
    code text NOT NULL,
    th text NOT NULL,
    en text NOT NULL,
    PRIMARY KEY (kind, code)
) ON COMMIT DROP;

-- A code's label in 'th' or 'en'; a code the vocabulary lacks reads as itself.
CREATE OR REPLACE FUNCTION pg_temp.gisrev_label(kind text, code text, lang text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT CASE WHEN lang = 'th' THEN l.th ELSE l.en END
         FROM pg_temp.gisrev_labels AS l WHERE l.kind = $1 AND l.code = $2),
        code)
$$;

CREATE OR REPLACE FUNCTION pg_temp.gisrev_use(category text, lang text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT pg_temp.gisrev_label('use', category, lang)
$$;

-- What a register row gives for one input: 'given', 'blank' (the file has the column, the
-- cell is empty) or 'absent' (the file has no such column: its load run's options list the
-- canonical fields it had). Rows without that list (written before schema 7, or not by a
-- load) count every column as there. Either way an input that is not given is unknown.
CREATE OR REPLACE FUNCTION pg_temp.gisrev_input(columns jsonb, field text, has_value boolean)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN has_value THEN 'given'
                WHEN columns IS NOT NULL AND NOT columns ? field THEN 'absent'
                ELSE 'blank' END
$$;
