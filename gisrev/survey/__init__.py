"""The survey round trip: forms for the field, and what surveyors found back into PostGIS.

``write_survey_forms`` writes, per worklist, a CSV/XLSX template and a GeoPackage for
QField (and an XLSForm for ODK Collect); ``import_survey`` validates a filled-in
form and stores its visits in ``survey_visits``, keeping history. The view
``survey_latest`` gives each parcel's most recent visit for the analysis.
"""

from gisrev.survey._forms import SurveyForm, write_survey_forms
from gisrev.survey._import import SurveyReject, SurveyReport, import_survey
from gisrev.vocab import CONFIRMED_OUTCOMES, FOUND_USES, OUTCOMES, Choice

__all__ = [
    "CONFIRMED_OUTCOMES",
    "FOUND_USES",
    "OUTCOMES",
    "Choice",
    "SurveyForm",
    "SurveyReject",
    "SurveyReport",
    "import_survey",
    "write_survey_forms",
]
