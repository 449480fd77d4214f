-- The register's own assessment is evidence of the residential sub-case it does not name.
-- Asked for each registered parcel declared residential (or mixed) with no sub-case and no
-- exemption given, but with an assessed tax: its owner, the register's declared land and
-- building values where given (else the map's), and the shares of a mixed use as
-- 60_tax_input.sql splits one. The tax engine then taxes each sub-case the owner allows
-- (_python_steps.fit_subcases). Only these parcels are asked, so a register that names its
-- sub-cases or exemptions costs nothing here.
CREATE TEMP TABLE _candin ON COMMIT DROP AS
SELECT parcel_id, declared_use AS category, owner_type,
       COALESCE(CASE WHEN land_value_in = 'given' THEN declared_land_value
                     ELSE land_value END, 0) AS land_value,
       COALESCE(CASE WHEN building_value_in = 'given' THEN declared_building_value
                     ELSE building_value END, 0) AS building_value,
       res_share, other_share, agri_share, tax_assessed
FROM _case
WHERE subcase_source = 'lowest' AND tax_assessed_in = 'given'
  AND declared_use IN ('residential', 'mixed');
