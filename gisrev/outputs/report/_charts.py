"""The report's pictures: bar charts as inline SVG, and the zones map as SVG paths."""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import font_manager
from matplotlib.figure import Figure

from gisrev.outputs.report._text import baht, label
from gisrev.outputs.summary import Summary
from gisrev.vocab import FINDING_LABELS, USE_LABELS

# Fonts with Thai glyphs, most readable first: TLWG (Debian fonts-thai-tlwg), then the
# ones Windows and macOS ship. The browser picks the first one installed.
THAI_FONTS = ("Loma", "Garuda", "Waree", "Norasi", "Sarabun", "Leelawadee UI", "Tahoma",
              "Thonburi")
_CHART_BAR = "#c0392b"
_CHART_MUTED = "#7f8c8d"


@dataclasses.dataclass(frozen=True)
class MapShape:
    """One zone of the report's map: an SVG path, its colour, tooltip and label position."""

    d: str
    fill: str
    title: str
    label: str
    lx: float
    ly: float


def thai_font_for_charts() -> str | None:
    """Return a Thai font matplotlib can measure with, or None (charts stay English)."""
    for name in THAI_FONTS:
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
        notes = [baht(v) + ("" if counts is None else f" ({n:,})")
                 for v, n in zip(values, counts or [0] * len(values), strict=True)]
        for yi, v, note in zip(y, values, notes, strict=True):
            ax.text(v + top * 0.02, float(yi), note, va="center", fontsize=6.5)
        ax.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        return _svg_data_uri(fig)


def charts(s: Summary, thai: str | None) -> dict[str, str]:
    """Return the four charts (money, by finding code, by zone, by use) as data URIs.

    With a Thai font, labels are Thai and English; without one, English only.
    """
    def both(pair: tuple[str, str]) -> str:
        return f"{pair[0]} · {pair[1]}" if thai else pair[1]

    t = s.totals
    money = _barh(
        [both(("คาดว่าควรได้", "Expected")), both(("ประเมินแล้ว", "Assessed")),
         both(("ชำระแล้ว", "Paid"))],
        [t["expected_tax"], t["tax_assessed"], t["tax_paid"]],
        thai=thai, colors=["#2c3e50", _CHART_MUTED, "#27ae60"])
    flags = s.by_flag[s.by_flag["findings"] > 0]
    by_flag = _barh([both(label(FINDING_LABELS, f)) for f in flags["flag"]],
                    flags["gap"].tolist(), counts=flags["findings"].tolist(), thai=thai)
    zones = s.by_zone.head(10)
    zone_labels = [
        ("—" if pd.isna(c) else str(c)) + ("" if pd.isna(n) else f" {n}")
        for c, n in zip(zones["zone_code"], zones["zone_name"], strict=True)
    ]
    by_zone = _barh(zone_labels, zones["gap"].tolist(), counts=zones["findings"].tolist(),
                    thai=thai)
    by_use = _barh([both(label(USE_LABELS, u)) for u in s.by_use["use"]],
                   s.by_use["gap"].tolist(), counts=s.by_use["findings"].tolist(), thai=thai)
    return {"money": money, "by_flag": by_flag, "by_zone": by_zone, "by_use": by_use}


def _ring_path(coords: np.ndarray, x0: float, y1: float, scale: float) -> str:
    pts = [f"{(x - x0) * scale:.1f},{(y1 - y) * scale:.1f}" for x, y in coords[:-1]]
    return "M" + "L".join(pts) + "Z"


def zone_map(zones: Any, points: np.ndarray, *, width: float = 260.0) -> dict[str, Any] | None:
    """Return the zones (projected, metres) as SVG paths coloured by gap, and finding dots.

    None when no zone has a geometry.
    """
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
        shapes.append(MapShape(
            d="".join(parts), fill=fill,
            title=f"{code} {name}: {baht(gap)} บาท · baht ({row.findings})".strip(),
            label=code, lx=(anchor.x - x0) * scale, ly=(y1 - anchor.y) * scale))
    dots = [((x - x0) * scale, (y1 - y) * scale) for x, y in points
            if x0 <= x <= x1 and y0 <= y <= y1]
    legend = [matplotlib.colors.to_hex(cmap(v)) for v in (0.15, 0.43, 0.72, 1.0)]
    return {"width": (x1 - x0) * scale, "height": (y1 - y0) * scale, "shapes": shapes, "dots": dots,
            "legend": legend, "top": baht(top)}
