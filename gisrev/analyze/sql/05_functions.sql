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

CREATE OR REPLACE FUNCTION pg_temp.gisrev_use(category text, lang text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN lang = 'th' THEN
        CASE category
            WHEN 'agriculture' THEN 'เกษตรกรรม'
            WHEN 'residential' THEN 'ที่อยู่อาศัย'
            WHEN 'other' THEN 'อื่น ๆ (พาณิชยกรรม/อุตสาหกรรม)'
            WHEN 'vacant' THEN 'ที่ดินว่างเปล่า'
            WHEN 'mixed' THEN 'ใช้ประโยชน์หลายประเภท'
            ELSE category END
    ELSE
        CASE category
            WHEN 'other' THEN 'other (commercial/industrial)'
            WHEN 'mixed' THEN 'mixed use'
            ELSE category END
    END
$$;
