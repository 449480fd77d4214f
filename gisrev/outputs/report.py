"""The executive report: one page of totals, charts, a map and the top parcels.

Everything shown comes from :func:`gisrev.api.summary` (sums done by PostGIS
over the ``findings`` table), so the report's numbers are the export's added up.
HTML is self-contained (charts and map inline) and escapes every value it shows;
PDF is that HTML printed by headless Chromium; XLSX holds the tables.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import font_manager
from matplotlib.figure import Figure
from sqlalchemy.engine import Connection, Engine

from gisrev import api
from gisrev.errors import GisrevError, InputError
from gisrev.vocab import FINDING_LABELS, USE_LABELS
from gisrev.years import tax_year

__all__ = ["render_html", "write_report"]

_TEMPLATES = Path(__file__).parent / "templates"

# Fonts with Thai glyphs, most readable first: TLWG (Debian fonts-thai-tlwg), then the
# ones Windows and macOS ship. The browser picks the first one installed.
_THAI_FONTS = ("Loma", "Garuda", "Waree", "Norasi", "Sarabun", "Leelawadee UI", "Tahoma",
               "Thonburi")
_CSS_FONTS = ", ".join(f'"{f}"' for f in _THAI_FONTS) + ", sans-serif"
_CHART_BAR = "#c0392b"
_CHART_MUTED = "#7f8c8d"


@dataclasses.dataclass(frozen=True)
class _MapShape:
    d: str
    fill: str
    title: str
    label: str
    lx: float
    ly: float


def _baht(value: float) -> str:
    return f"{value:,.0f}"


def _label(table: dict[str, tuple[str, str]], key: Any) -> tuple[str, str]:
    if key is None or (isinstance(key, float) and math.isnan(key)) or key is pd.NA:
        return ("ไม่ระบุ", "not stated")
    return table.get(str(key), (str(key), str(key)))


def _thai_font_for_charts() -> str | None:
    """Return a Thai font matplotlib can measure with, or None (charts stay English)."""
    for name in _THAI_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name),
                                  fallback_to_default=False)
        except ValueError:
            continue
        return name
    return None


def _svg_data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _barh(labels: Sequence[str], values: Sequence[float], *, thai: str | None,
          colors: Sequence[str] | None = None, counts: Sequence[int] | None = None,
          width: float = 2.7) -> str:
    """Return a horizontal bar chart (largest first, values written on the bars) as a data URI."""
    fonts = ["DejaVu Sans", *([thai] if thai else [])]
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "gisrev",
                                "font.family": fonts, "font.size": 7.0}):
        height = 0.3 + 0.2 * max(len(labels), 1)
        fig = Figure(figsize=(width, height))
        ax = fig.add_subplot()
        y = np.arange(len(labels))
        ax.barh(y, values, color=list(colors) if colors else _CHART_BAR, height=0.65)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        top = max([*values, 1.0])
        ax.set_xlim(0, top * 1.35)
        notes = [_baht(v) + ("" if counts is None else f" ({n:,})")
                 for v, n in zip(values, counts or [0] * len(values), strict=True)]
        for yi, v, note in zip(y, values, notes, strict=True):
            ax.text(v + top * 0.02, float(yi), note, va="center", fontsize=6.5)
        ax.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        return _svg_data_uri(fig)


def _charts(s: api.Summary, thai: str | None) -> dict[str, str]:
    def both(pair: tuple[str, str]) -> str:
        return f"{pair[0]} · {pair[1]}" if thai else pair[1]

    t = s.totals
    money = _barh(
        [both(("คาดว่าควรได้", "Expected")), both(("ประเมินแล้ว", "Assessed")),
         both(("ชำระแล้ว", "Paid"))],
        [t["expected_tax"], t["tax_assessed"], t["tax_paid"]],
        thai=thai, colors=["#2c3e50", _CHART_MUTED, "#27ae60"])
    flags = s.by_flag[s.by_flag["findings"] > 0]
    by_flag = _barh([both(_label(FINDING_LABELS, f)) for f in flags["flag"]],
                    flags["gap"].tolist(), counts=flags["findings"].tolist(), thai=thai)
    zones = s.by_zone.head(10)
    zone_labels = [
        ("—" if pd.isna(c) else str(c)) + ("" if pd.isna(n) else f" {n}")
        for c, n in zip(zones["zone_code"], zones["zone_name"], strict=True)
    ]
    by_zone = _barh(zone_labels, zones["gap"].tolist(), counts=zones["findings"].tolist(),
                    thai=thai)
    by_use = _barh([both(_label(USE_LABELS, u)) for u in s.by_use["use"]],
                   s.by_use["gap"].tolist(), counts=s.by_use["findings"].tolist(), thai=thai)
    return {"money": money, "by_flag": by_flag, "by_zone": by_zone, "by_use": by_use}


def _ring_path(coords: np.ndarray, x0: float, y1: float, scale: float) -> str:
    pts = [f"{(x - x0) * scale:.1f},{(y1 - y) * scale:.1f}" for x, y in coords[:-1]]
    return "M" + "L".join(pts) + "Z"


def _map(zones: Any, points: np.ndarray, *, width: float = 260.0) -> dict[str, Any] | None:
    """Return the zones (projected, metres) as SVG paths coloured by gap, and finding dots."""
    zones = zones[~zones.geometry.is_empty & zones.geometry.notna()]
    if zones.empty:
        return None
    x0, y0, x1, y1 = zones.total_bounds
    scale = width / max(x1 - x0, y1 - y0, 1e-9)  # the longer side fills ``width``
    tolerance = max(x1 - x0, y1 - y0) / 600
    cmap = matplotlib.colormaps["YlOrRd"]
    top = float(zones["gap"].max()) or 1.0
    shapes = []
    for row in zones.itertuples():
        geom = shapely.simplify(row.geometry, tolerance, preserve_topology=True)
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            parts.append(_ring_path(np.asarray(poly.exterior.coords), x0, y1, scale))
            parts.extend(_ring_path(np.asarray(r.coords), x0, y1, scale) for r in poly.interiors)
        gap = float(row.gap)
        fill = "#eeeeee" if gap <= 0 else matplotlib.colors.to_hex(cmap(0.15 + 0.85 * gap / top))
        code = "" if pd.isna(row.zone_code) else str(row.zone_code)
        name = "" if pd.isna(row.zone_name) else str(row.zone_name)
        anchor = row.geometry.representative_point()
        shapes.append(_MapShape(
            d="".join(parts), fill=fill,
            title=f"{code} {name}: {_baht(gap)} บาท · baht ({row.findings})".strip(),
            label=code, lx=(anchor.x - x0) * scale, ly=(y1 - anchor.y) * scale))
    dots = [((x - x0) * scale, (y1 - y) * scale) for x, y in points
            if x0 <= x <= x1 and y0 <= y <= y1]
    legend = [matplotlib.colors.to_hex(cmap(v)) for v in (0.15, 0.43, 0.72, 1.0)]
    return {"width": (x1 - x0) * scale, "height": (y1 - y0) * scale, "shapes": shapes, "dots": dots,
            "legend": legend, "top": _baht(top)}


@dataclasses.dataclass(frozen=True)
class _Data:
    summary: api.Summary
    findings: pd.DataFrame
    by_year: pd.DataFrame
    recovered: pd.DataFrame | None  # from last year's findings; None when not analysed


def _recovered(year: int, *, engine: Engine | Connection, lgu: str,
               by_year: pd.DataFrame) -> pd.DataFrame | None:
    """Return what this year recovered from last year's findings, if both were analysed."""
    if year - 1 not in set(by_year["tax_year"]):
        return None
    try:
        return api.revenue_recovered(year - 1, engine=engine, lgu=lgu)
    except InputError:  # findings of a year without a recorded analysis run: nothing to follow
        return None


def _context(year: int, *, engine: Engine | Connection, lgu: str | None,
             top: int) -> tuple[_Data, dict[str, Any]]:
    s = api.summary(tax_year(year), engine=engine, lgu=lgu, top=top)
    found = api.findings(s.year, engine=engine, lgu=s.lgu_code)
    by_year = api.gap_by_year(engine=engine, lgu=s.lgu_code)
    recovered = _recovered(s.year, engine=engine, lgu=s.lgu_code, by_year=by_year)
    zones = api.zone_gaps(s.year, engine=engine, lgu=s.lgu_code)
    thai = _thai_font_for_charts()
    zone_map = None
    if not zones.empty:
        local = zones.estimate_utm_crs()
        pts = found[found.geometry.notna()].geometry.representative_point().to_crs(local)
        zone_map = _map(zones.to_crs(local), shapely.get_coordinates(pts.to_numpy()))
    top_rows = [
        {
            "priority": "" if pd.isna(r.priority) else int(r.priority),
            "parcel_code": r.parcel_code,
            "flags": [(f, _label(FINDING_LABELS, f)[0]) for f in r.flags],
            "zone": "" if pd.isna(r.zone_code) else r.zone_code,
            "declared": "—" if pd.isna(r.declared_use) else _label(USE_LABELS, r.declared_use)[0],
            "evidence": "—" if pd.isna(r.evidence_use) else _label(USE_LABELS, r.evidence_use)[0],
            "expected": _baht(_num(r.expected_tax)),
            "assessed": _baht(_num(r.tax_assessed)),
            "paid": _baht(_num(r.tax_paid)),
            "gap": _baht(_num(r.gap)),
            "gap_value": _num(r.gap),
        }
        for r in s.top.itertuples()
    ]
    context = {
        "year_be": api.be_year(s.year),
        "year_ce": s.year,
        "lgu": s.lgu_code,
        "totals": s.totals,
        "fmt": _baht,
        "charts": _charts(s, thai),
        "map": zone_map,
        "top": top_rows,
        "recovered": None if recovered is None else {
            "total": recovered.attrs["total"], "parcels": len(recovered)},
        "fonts": markupsafe.Markup(_CSS_FONTS),  # a constant; escaping would break the CSS
        "generated": dt.date.today().isoformat(),
    }
    return _Data(s, found, by_year, recovered), context


def _num(value: Any) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


def render_html(
    year: int,
    *,
    engine: Engine | Connection,
    lgu: str | None = None,
    top: int = 20,
) -> str:
    """Return the one-page report for a tax year as self-contained HTML.

    Parameters
    ----------
    year
        Tax year, CE or BE.
    engine
        Engine or connection to the gisrev database.
    lgu
        Municipality code; default: the only municipality analysed for the year.
    top
        How many parcels the "largest gap" table lists.

    Returns
    -------
    str
        HTML with charts and map inline; every value from the database is escaped.
    """
    _, context = _context(year, engine=engine, lgu=lgu, top=top)
    return _environment().get_template("report.html").render(**context)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def write_report(
    year: int,
    out: str | os.PathLike[str],
    *,
    engine: Engine | Connection,
    lgu: str | None = None,
    top: int = 20,
    chromium: str | None = None,
) -> Path:
    """Write the report for a tax year as ``.html``, ``.pdf`` or ``.xlsx`` (by suffix).

    Parameters
    ----------
    year
        Tax year, CE or BE.
    out
        The file to write; its suffix chooses the format. Its folder is created.
    engine
        Engine or connection to the gisrev database.
    lgu
        Municipality code; default: the only municipality analysed for the year.
    top
        How many parcels the "largest gap" table lists.
    chromium
        The Chromium executable that prints the PDF (default: ``chromium`` on PATH).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    gisrev.InputError
        For an unknown suffix, or a year that was not analysed.
    gisrev.GisrevError
        When Chromium is missing or fails to print the PDF.
    """
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf", ".xlsx"):
        msg = f"{path}: unknown report format {suffix or '(none)'!r}; expected .html, .pdf or .xlsx"
        raise InputError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    data, context = _context(year, engine=engine, lgu=lgu, top=top)
    if suffix == ".xlsx":
        _write_xlsx(data, path)
        return path
    html = _environment().get_template("report.html").render(**context)
    if suffix == ".pdf":
        _print_pdf(html, path, chromium=chromium)
    else:
        path.write_text(html, encoding="utf-8")
    return path


def _print_pdf(html: str, out: Path, *, chromium: str | None) -> None:
    """Print HTML to A4 PDF with headless Chromium (system fonts: Thai needs a Thai font)."""
    exe = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None or not Path(exe).exists():
        msg = (
            f"{out}: printing a PDF needs Chromium, which was not found; install it "
            "(apt-get install chromium fonts-thai-tlwg, or scripts/setup.sh --test) "
            "or write .html instead"
        )
        raise GisrevError(msg)
    with tempfile.TemporaryDirectory(prefix="gisrev-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(tmp) / "report.pdf"
        args = [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", page.as_uri(),
        ]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
        except subprocess.TimeoutExpired as exc:
            msg = f"{out}: Chromium took over 120 s to print the report; try again or write .html"
            raise GisrevError(msg) from exc
        if not pdf.exists() or pdf.stat().st_size == 0:
            detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
            msg = f"{out}: Chromium could not print the report (exit {done.returncode}: {detail})"
            raise GisrevError(msg)
        shutil.move(pdf, out)


def _write_xlsx(data: _Data, out: Path) -> None:
    """Write the report's tables, one sheet each; text is never turned into formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    s = data.summary
    t = s.totals
    recovered = data.recovered
    summary_rows: list[tuple[str, str, Any]] = [
        ("ปีภาษี (พ.ศ.)", "Tax year (BE)", api.be_year(s.year)),
        ("ปีภาษี (ค.ศ.)", "Tax year (CE)", s.year),
        ("รหัส อปท.", "Municipality code", s.lgu_code),
        ("แปลงที่ดินในแผนที่", "Parcels on the map", t["parcels"]),
        ("บัญชีในทะเบียน", "Register accounts", t["register_accounts"]),
        ("ภาษีที่ประเมินทั้งหมด (บาท)", "Assessed, all accounts (baht)", t["register_assessed"]),
        ("ภาษีที่ชำระทั้งหมด (บาท)", "Paid, all accounts (baht)", t["register_paid"]),
        ("จำนวนข้อพบ", "Findings", t["findings"]),
        ("แปลงที่พบปัญหา", "Flagged parcels", t["flagged_parcels"]),
        ("รายการไม่พบแปลง", "Orphan register records", t["orphan_records"]),
        ("ภาษีที่ควรได้ (บาท)", "Expected tax, findings (baht)", t["expected_tax"]),
        ("ภาษีที่ประเมิน (บาท)", "Assessed, findings (baht)", t["tax_assessed"]),
        ("ภาษีที่ชำระ (บาท)", "Paid, findings (baht)", t["tax_paid"]),
        ("รายได้ที่ขาดหาย (บาท)", "Revenue gap (baht)", t["gap"]),
        ("รายได้ที่ได้คืนจากข้อพบปีก่อน (บาท)", "Recovered from last year's findings (baht)",
         None if recovered is None else recovered.attrs["total"]),
    ]
    by_flag = s.by_flag.assign(
        label_th=[_label(FINDING_LABELS, f)[0] for f in s.by_flag["flag"]],
        label_en=[_label(FINDING_LABELS, f)[1] for f in s.by_flag["flag"]],
    )[["flag", "label_th", "label_en", "findings", "gap"]]
    by_use = s.by_use.assign(
        label_th=[_label(USE_LABELS, u)[0] for u in s.by_use["use"]],
        label_en=[_label(USE_LABELS, u)[1] for u in s.by_use["use"]],
    )
    by_use = by_use[["use", "label_th", "label_en", *s.by_use.columns.drop("use")]]
    top = s.top.assign(flags=s.top["flags"].map(";".join))
    table = pd.DataFrame(data.findings.drop(columns="geometry"))
    table["flags"] = table["flags"].map(";".join)
    sheets: list[tuple[str, pd.DataFrame]] = [
        ("Summary", pd.DataFrame(summary_rows, columns=["label_th", "label_en", "value"])),
        ("By finding code", by_flag),
        ("By zone", s.by_zone),
        ("By use", by_use),
        (f"Top {len(top)} parcels", top),
        ("Findings", table),
        ("By tax year", data.by_year),
    ]
    if recovered is not None:
        sheets.append((f"Recovered {api.be_year(s.year)}", pd.DataFrame(recovered)))
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for title, df in sheets:
        ws = wb.create_sheet(title)
        ws.append(list(df.columns))
        for cell in ws[1]:
            cell.font = bold
        for values in df.itertuples(index=False):
            ws.append([_xlsx_value(v) for v in values])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # register text like "=HYPERLINK(...)" stays text
                elif isinstance(cell.value, float):
                    cell.number_format = "#,##0.00"
        ws.freeze_panes = "A2"
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col)), *(len(str(v)) for v in df[col].head(200))]) + 2
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(width, 60)
    wb.save(out)


def _xlsx_value(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
