"""What the report shows, read through one connection for one year and municipality."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pandas as pd
from sqlalchemy.engine import Connection

from gisrev.db.municipalities import Municipality, municipality
from gisrev.db.session import resolve_lgu
from gisrev.errors import InputError
from gisrev.outputs.recovery import revenue_recovered
from gisrev.outputs.summary import Summary, findings, gap_by_year, summary, zone_gaps


@dataclasses.dataclass(frozen=True)
class ReportData:
    """Everything one report shows: the summary and the tables behind its charts and map."""

    town: Municipality
    summary: Summary
    findings: gpd.GeoDataFrame
    by_year: pd.DataFrame
    zones: gpd.GeoDataFrame
    recovered: pd.DataFrame | None  # from last year's findings; None when not analysed


def read_report_data(conn: Connection, year: int, *, lgu_code: str, top: int) -> ReportData:
    """Read the report of one tax year (CE) and municipality.

    Raises
    ------
    InputError
        When the municipality has no analysis for the year.
    """
    resolve_lgu(conn, year, lgu_code)  # the one check that the year was analysed for it
    by_year = gap_by_year(conn, lgu_code=lgu_code)
    return ReportData(
        town=municipality(conn, lgu_code),
        summary=summary(conn, year, lgu_code=lgu_code, top=top),
        findings=findings(conn, year, lgu_code=lgu_code),
        by_year=by_year,
        zones=zone_gaps(conn, year, lgu_code=lgu_code),
        recovered=_recovered(conn, year, lgu_code=lgu_code, by_year=by_year),
    )


def _recovered(conn: Connection, year: int, *, lgu_code: str,
               by_year: pd.DataFrame) -> pd.DataFrame | None:
    """Return what this year recovered from last year's findings, if both were analysed."""
    if year - 1 not in set(by_year["tax_year"]):
        return None
    try:
        return revenue_recovered(conn, year - 1, lgu_code=lgu_code)
    except InputError:  # findings of a year without a recorded analysis run: nothing to follow
        return None
