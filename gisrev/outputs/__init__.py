"""What the findings become: survey maps and worklists, exports, the keying sheet, reports.

Each output reads the database through a connection it is given and writes files;
none of them changes the analysis.
"""
