"""The report as one self-contained HTML page: the template and what it is given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd
import shapely

from gisrev.outputs.report._charts import THAI_FONTS, charts, thai_font_for_charts, zone_map
from gisrev.outputs.report._data import ReportData
from gisrev.outputs.report._text import baht, label, num
from gisrev.outputs.summary import Summary
from gisrev.vocab import FINDING_LABELS, USE_LABELS
from gisrev.years import be

_TEMPLATES = Path(__file__).parent / "templates"
_CSS_FONTS = ", ".join(f'"{f}"' for f in THAI_FONTS) + ", sans-serif"


def render(data: ReportData) -> str:
    """Return the report page; jinja2 escapes every value from the database."""
    return _environment().get_template("report.html").render(**_context(data))


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _context(data: ReportData) -> dict[str, Any]:
    """Return what the template shows: totals, charts, the zones map, the top parcels."""
    s = data.summary
    recovered = data.recovered
    return {
        "year_be": be(s.year),
        "year_ce": s.year,
        "lgu": s.lgu_code,
        "town": data.town,
        "totals": s.totals,
        "fmt": baht,
        "charts": charts(s, thai_font_for_charts()),
        "map": _findings_map(data),
        "top": _top_rows(s),
        "recovered": None if recovered is None else {
            "total": recovered.attrs["total"], "parcels": len(recovered)},
        "fonts": markupsafe.Markup(_CSS_FONTS),  # a constant; escaping would break the CSS
        "generated": dt.date.today().isoformat(),
    }


def _findings_map(data: ReportData) -> dict[str, Any] | None:
    """Return the zones map with a dot per drawn finding, in the town's UTM zone."""
    zones = data.zones
    if zones.empty:
        return None
    local = zones.estimate_utm_crs()
    found = data.findings
    pts = found[found.geometry.notna()].geometry.representative_point().to_crs(local)
    return zone_map(zones.to_crs(local), shapely.get_coordinates(pts.to_numpy()))


def _top_rows(s: Summary) -> list[dict[str, Any]]:
    """Return the largest-gap table's rows, money formatted and codes in Thai."""
    return [
        {
            "priority": "" if pd.isna(r.priority) else int(r.priority),
            "parcel_code": r.parcel_code,
            "flags": [(f, label(FINDING_LABELS, f)[0]) for f in r.flags],
            "zone": "" if pd.isna(r.zone_code) else r.zone_code,
            "declared": "—" if pd.isna(r.declared_use) else label(USE_LABELS, r.declared_use)[0],
            "evidence": "—" if pd.isna(r.evidence_use) else label(USE_LABELS, r.evidence_use)[0],
            "expected": baht(num(r.expected_tax)),
            "assessed": baht(num(r.tax_assessed)),
            "paid": baht(num(r.tax_paid)),
            "gap": baht(num(r.gap)),
            "gap_value": num(r.gap),
        }
        for r in s.top.itertuples()
    ]
