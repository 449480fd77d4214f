-- The sub-case whose tax is within max(1 baht, 1 %) of the assessed tax stands (ties: the
-- lowest tax, then the order primary, house only, other); where none fits, the lowest
-- reading of 50_evidence.sql stays. Either way the sub-case was assumed, and the finding's
-- reasons say how ('assessed' or 'lowest').
CREATE TEMP TABLE _subcase ON COMMIT DROP AS
SELECT DISTINCT ON (o.parcel_id) o.parcel_id, o.kind AS residential_use
FROM (
    SELECT parcel_id, kind, round(sum(tax)::numeric, 2)::float8 AS tax
    FROM _candout
    GROUP BY parcel_id, kind
) AS o
JOIN _case AS c ON c.parcel_id = o.parcel_id
WHERE abs(o.tax - c.tax_assessed) <= GREATEST(1.0, 0.01 * c.tax_assessed)
ORDER BY o.parcel_id, o.tax,
         array_position(ARRAY['residential-primary', 'residential-primary-building',
                              'residential-other'], o.kind);

UPDATE _case AS c
SET residential_use = s.residential_use, subcase_source = 'assessed'
FROM _subcase AS s
WHERE s.parcel_id = c.parcel_id;
