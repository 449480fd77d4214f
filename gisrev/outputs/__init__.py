"""What the findings become: summaries, survey maps, worklists, exports, the keying sheet, reports.

Each output reads one municipality's tax year (CE) through an engine or connection it is
given, and returns tables (:mod:`~gisrev.outputs.summary`, :mod:`~gisrev.outputs.recovery`)
or writes files; none of them changes the analysis.
"""
