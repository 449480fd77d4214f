"""The analysis: match the register to the map, derive the evidence, tax it, write findings.

The steps are SQL files under ``gisrev/analyze/sql/`` run in name order inside one
transaction; only the tax engine runs in Python, on batches streamed out of PostGIS.
"""

from gisrev.analyze._runner import AnalysisReport, run_analysis
from gisrev.analyze.whatif import what_if

__all__ = ["AnalysisReport", "run_analysis", "what_if"]
