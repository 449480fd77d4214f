-- Flags, reasons, gap and a point per finding; one row per flagged parcel and per orphan
-- register row. Codes are listed in the order of DESIGN.md's table. A finding is raised only
-- on what the register gives (README.md, "What each finding needs"): no UNDERPAID without an
-- assessed tax, no ARREARS without both assessed and paid, no UNDECLARED_BUILDING without a
-- declared building value of 0, no AREA_MISMATCH without a declared area.
CREATE TEMP TABLE _tax ON COMMIT DROP AS
SELECT parcel_id,
       round(sum(tax) FILTER (WHERE kind = 'expected')::numeric, 2)::float8 AS expected_tax,
       round(sum(tax) FILTER (WHERE kind = 'declared')::numeric, 2)::float8 AS declared_tax
FROM _taxout
GROUP BY parcel_id;

ALTER TABLE _tax ADD PRIMARY KEY (parcel_id);

CREATE TEMP TABLE _flagged ON COMMIT DROP AS
WITH c AS (
    SELECT c.*, t.expected_tax, t.declared_tax,
           GREATEST(:underpaid_min_baht, :underpaid_min_share * t.expected_tax) AS tolerance
    FROM _case AS c
    LEFT JOIN _tax AS t ON t.parcel_id = c.parcel_id
), f AS (
    SELECT c.*,
           NOT registered AS f_unregistered,
           registered AND tax_assessed_in = 'given'
               AND expected_tax - tax_assessed > tolerance AS f_underpaid,
           registered AND declared_use IS NOT NULL AND declared_use <> 'mixed'
               AND taxed_use <> declared_use
               AND abs(expected_tax - declared_tax) > tolerance AS f_use,
           registered AND area_in = 'given'
               AND abs(declared_area_sqwah - mapped_area_sqwah)
                   > :area_tolerance * mapped_area_sqwah AS f_area,
           registered AND n_buildings > 0 AND building_value_in = 'given'
               AND declared_building_value = 0 AS f_building,
           registered AND tax_assessed_in = 'given' AND tax_paid_in = 'given'
               AND tax_assessed - tax_paid
                   > GREATEST(:arrears_min_baht, :arrears_min_share * tax_assessed) AS f_arrears,
           n_records > 1 AS f_duplicate
    FROM c
)
SELECT * FROM f
WHERE f_unregistered OR f_underpaid OR f_use OR f_area OR f_building OR f_arrears OR f_duplicate;

-- Rows are staged first so the priority is given as they are written (no UPDATE pass).
CREATE TEMP TABLE _fout ON COMMIT DROP AS
SELECT lgu_code, tax_year, analysis_run_id, parcel_id, parcel_code, register_ids, account_id,
       deed_no, flags, reason_th, reason_en, declared_use, evidence_use, declared_area_sqwah,
       mapped_area_sqwah, land_value, building_value, zone_id, zone_code, expected_tax,
       tax_assessed, tax_paid, gap, assumed, lon, lat, point
FROM findings
WITH NO DATA;

INSERT INTO _fout (
    lgu_code, tax_year, analysis_run_id, parcel_id, parcel_code, register_ids, account_id,
    deed_no, flags, reason_th, reason_en, declared_use, evidence_use, declared_area_sqwah,
    mapped_area_sqwah, land_value, building_value, zone_id, zone_code, expected_tax,
    tax_assessed, tax_paid, gap, assumed, lon, lat, point
)
SELECT :lgu, :year, :run_id, f.parcel_id, f.parcel_code, f.register_ids, f.account_id,
       f.deed_no,
       array_remove(ARRAY[
           CASE WHEN f.f_unregistered THEN 'UNREGISTERED' END,
           CASE WHEN f.f_underpaid THEN 'UNDERPAID' END,
           CASE WHEN f.f_use THEN 'USE_MISMATCH' END,
           CASE WHEN f.f_area THEN 'AREA_MISMATCH' END,
           CASE WHEN f.f_building THEN 'UNDECLARED_BUILDING' END,
           CASE WHEN f.f_arrears THEN 'ARREARS' END,
           CASE WHEN f.f_duplicate THEN 'DUPLICATE_RECORD' END
       ], NULL),
       concat_ws('; ',
           CASE WHEN f.f_unregistered THEN 'ไม่มีในทะเบียนภาษีปี ' || :year_be
                || CASE WHEN f.n_buildings > 0
                        THEN ' มีสิ่งปลูกสร้าง ' || f.n_buildings || ' หลัง' ELSE '' END
                || ' ภาษีที่ควรได้ ' || pg_temp.gisrev_baht(f.expected_tax) || ' บาท' END,
           CASE WHEN f.f_underpaid THEN 'ประเมินภาษี ' || pg_temp.gisrev_baht(f.tax_assessed)
                || ' บาท ต่ำกว่าที่ควรเป็น ' || pg_temp.gisrev_baht(f.expected_tax) || ' บาท' END,
           CASE WHEN f.f_use THEN 'แจ้งใช้ประโยชน์เป็น' || pg_temp.gisrev_use(f.declared_use, 'th')
                || ' แต่พบเป็น' || pg_temp.gisrev_use(f.taxed_use, 'th') END,
           CASE WHEN f.f_area THEN 'แจ้งพื้นที่ ' || pg_temp.gisrev_area(f.declared_area_sqwah, 'th')
                || ' แผนที่แสดง ' || pg_temp.gisrev_area(f.mapped_area_sqwah, 'th') END,
           CASE WHEN f.f_building THEN 'มีสิ่งปลูกสร้าง ' || f.n_buildings || ' หลังแต่ไม่ได้แจ้ง' END,
           CASE WHEN f.f_arrears THEN 'ค้างชำระ ' || pg_temp.gisrev_baht(f.tax_assessed - f.tax_paid)
                || ' บาท (ประเมิน ' || pg_temp.gisrev_baht(f.tax_assessed)
                || ' ชำระแล้ว ' || pg_temp.gisrev_baht(f.tax_paid) || ')' END,
           CASE WHEN f.f_duplicate THEN 'มี ' || f.n_records
                || ' บัญชีในทะเบียนสำหรับแปลงเดียวกัน' END,
           CASE WHEN f.rests_on_tax AND 'exemption' = ANY (f.assumed)
                THEN pg_temp.gisrev_label('assumed', f.subcase_clause, 'th') END,
           CASE WHEN f.rests_on_tax AND 'owner_type' = ANY (f.assumed)
                THEN pg_temp.gisrev_label('assumed', 'owner_type', 'th') END,
           CASE WHEN f.visited_at IS NOT NULL THEN 'สำรวจแล้ว '
                || extract(day FROM f.visited_at) || '/' || extract(month FROM f.visited_at)
                || '/' || gisrev_be_year(extract(year FROM f.visited_at)) || ' ('
                || pg_temp.gisrev_label('outcome', f.survey_outcome, 'th') || ')' END
       ),
       concat_ws('; ',
           CASE WHEN f.f_unregistered THEN 'not in the ' || :year_be || ' tax register'
                || CASE WHEN f.n_buildings = 1 THEN ', 1 building on the map'
                        WHEN f.n_buildings > 1 THEN ', ' || f.n_buildings || ' buildings on the map'
                        ELSE '' END
                || '; expected tax ' || pg_temp.gisrev_baht(f.expected_tax) || ' baht' END,
           CASE WHEN f.f_underpaid THEN 'assessed ' || pg_temp.gisrev_baht(f.tax_assessed)
                || ' baht, the map''s evidence gives ' || pg_temp.gisrev_baht(f.expected_tax)
                || ' baht' END,
           CASE WHEN f.f_use THEN 'declared ' || pg_temp.gisrev_use(f.declared_use, 'en')
                || ', the map shows ' || pg_temp.gisrev_use(f.taxed_use, 'en') END,
           CASE WHEN f.f_area THEN 'declared ' || pg_temp.gisrev_area(f.declared_area_sqwah, 'en')
                || ', the map shows ' || pg_temp.gisrev_area(f.mapped_area_sqwah, 'en') END,
           CASE WHEN f.f_building THEN
                CASE WHEN f.n_buildings = 1 THEN '1 building stands'
                     ELSE f.n_buildings || ' buildings stand' END
                || ' on the parcel but none is declared' END,
           CASE WHEN f.f_arrears THEN 'unpaid ' || pg_temp.gisrev_baht(f.tax_assessed - f.tax_paid)
                || ' baht (assessed ' || pg_temp.gisrev_baht(f.tax_assessed)
                || ', paid ' || pg_temp.gisrev_baht(f.tax_paid) || ')' END,
           CASE WHEN f.f_duplicate THEN f.n_records || ' register accounts for the same parcel' END,
           CASE WHEN f.rests_on_tax AND 'exemption' = ANY (f.assumed)
                THEN pg_temp.gisrev_label('assumed', f.subcase_clause, 'en') END,
           CASE WHEN f.rests_on_tax AND 'owner_type' = ANY (f.assumed)
                THEN pg_temp.gisrev_label('assumed', 'owner_type', 'en') END,
           CASE WHEN f.visited_at IS NOT NULL THEN 'surveyed ' || f.visited_at || ' ('
                || pg_temp.gisrev_label('outcome', f.survey_outcome, 'en') || ')' END
       ),
       f.declared_use, f.evidence_use, f.declared_area_sqwah, f.mapped_area_sqwah,
       f.land_value, f.building_value, f.zone_id, f.zone_code, f.expected_tax,
       CASE WHEN f.registered THEN f.tax_assessed END,
       CASE WHEN f.registered THEN f.tax_paid END,
       -- Not collected: expected less paid; paid unknown, the assessed tax is taken as paid
       -- (the lower gap); neither known, the gap is unknown.
       CASE WHEN NOT f.registered THEN f.expected_tax
            WHEN COALESCE(f.tax_paid, f.tax_assessed) IS NULL THEN NULL
            ELSE GREATEST(f.expected_tax - COALESCE(f.tax_paid, f.tax_assessed), 0) END,
       f.assumed,
       ST_X(ll.geom), ST_Y(ll.geom), f.pt
FROM (
    SELECT f.*,
           -- The findings that rest on the expected tax, and so on what it assumed.
           f.f_underpaid OR f.f_use AS rests_on_tax,
           'exemption:' || f.subcase_source || ':' || f.residential_use AS subcase_clause
    FROM _flagged AS f
) AS f
CROSS JOIN LATERAL (SELECT ST_Transform(f.pt, 4326) AS geom) AS ll;

-- Orphans: register rows for the year that match no parcel. Listed, not drawn.
INSERT INTO _fout (
    lgu_code, tax_year, analysis_run_id, parcel_id, parcel_code, register_ids, account_id,
    deed_no, flags, reason_th, reason_en, declared_use, declared_area_sqwah, tax_assessed,
    tax_paid, gap
)
SELECT :lgu, :year, :run_id, NULL, o.parcel_code, ARRAY[o.id], o.account_id, o.deed_no,
       array_remove(ARRAY[CASE WHEN o.arrears THEN 'ARREARS' END, 'ORPHAN_RECORD'], NULL),
       concat_ws('; ',
           CASE WHEN o.arrears THEN 'ค้างชำระ ' || pg_temp.gisrev_baht(o.assessed - o.paid)
                || ' บาท (ประเมิน ' || pg_temp.gisrev_baht(o.assessed)
                || ' ชำระแล้ว ' || pg_temp.gisrev_baht(o.paid) || ')' END,
           'ไม่พบแปลงรหัส ' || o.parcel_code || ' ในแผนที่'),
       concat_ws('; ',
           CASE WHEN o.arrears THEN 'unpaid ' || pg_temp.gisrev_baht(o.assessed - o.paid)
                || ' baht (assessed ' || pg_temp.gisrev_baht(o.assessed)
                || ', paid ' || pg_temp.gisrev_baht(o.paid) || ')' END,
           'parcel code ' || o.parcel_code || ' is not on the map'),
       o.declared_use, o.declared_area_sqwah, o.tax_assessed, o.tax_paid,
       NULL  -- no parcel, no evidence: the gap is unknown (the arrears are in the reason)
FROM (
    -- Arrears need both taxes: unknown is never zero.
    SELECT r.*, r.tax_assessed AS assessed, r.tax_paid AS paid,
           COALESCE(r.tax_assessed - r.tax_paid
                    > GREATEST(:arrears_min_baht, :arrears_min_share * r.tax_assessed), false)
               AS arrears
    FROM _reg AS r
    WHERE NOT EXISTS (SELECT 1 FROM _match AS m WHERE m.register_id = r.id)
) AS o;

-- Survey priority: 1 = visit first. Ranked by gap plus the configured weight of each code,
-- ties by parcel code.
INSERT INTO findings (
    lgu_code, tax_year, analysis_run_id, parcel_id, parcel_code, register_ids, account_id,
    deed_no, flags, reason_th, reason_en, declared_use, evidence_use, declared_area_sqwah,
    mapped_area_sqwah, land_value, building_value, zone_id, zone_code, expected_tax,
    tax_assessed, tax_paid, gap, assumed, lon, lat, point, priority
)
SELECT o.lgu_code, o.tax_year, o.analysis_run_id, o.parcel_id, o.parcel_code, o.register_ids,
       o.account_id, o.deed_no, o.flags, o.reason_th, o.reason_en, o.declared_use,
       o.evidence_use, o.declared_area_sqwah, o.mapped_area_sqwah, o.land_value,
       o.building_value, o.zone_id, o.zone_code, o.expected_tax, o.tax_assessed, o.tax_paid,
       o.gap, o.assumed, o.lon, o.lat, o.point,
       row_number() OVER (ORDER BY o.score DESC, o.parcel_code, o.account_id)
FROM (
    SELECT f.*, COALESCE(f.gap, 0) + (
               SELECT COALESCE(sum((CAST(:weights AS jsonb) ->> code)::float8), 0)
               FROM unnest(f.flags) AS code
           ) AS score
    FROM _fout AS f
) AS o;
