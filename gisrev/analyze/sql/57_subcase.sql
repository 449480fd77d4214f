-- Where the assessment fits a sub-case (_subcase, from the tax engine), that sub-case stands;
-- elsewhere the lowest reading of 50_evidence.sql stays. Either way the sub-case was assumed,
-- and the finding's reasons say how ('assessed' or 'lowest').
UPDATE _case AS c
SET residential_use = s.residential_use, subcase_source = 'assessed'
FROM _subcase AS s
WHERE s.parcel_id = c.parcel_id;
