"""Printable A4 pages (one per work package) and the index page, as plain escaped HTML."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from gisrev.outputs.maps._page import COLORS
from gisrev.vocab import FINDING_LABELS

_PRINT_CSS = """
@page { size: A4; margin: 10mm; }
body { font-family: "Loma", "Garuda", "Noto Sans Thai", sans-serif; font-size: 10pt; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 4px; }
.sub { color: #444; margin-bottom: 6px; }
svg { width: 100%; height: 120mm; border: 1px solid #999; background: #f3f1ea; }
table { border-collapse: collapse; width: 100%; margin-top: 6px; }
th, td { border: 1px solid #bbb; padding: 2px 4px; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.box { width: 18mm; }
.legend span { display: inline-block; margin-right: 10px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; }
tr { page-break-inside: avoid; }
@media screen { body { max-width: 210mm; margin: 8px auto; } }
"""


def _esc(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value))


def _baht(value: object) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    return f"{float(value):,.2f}"  # type: ignore[arg-type]


def package_svg(
    rows: pd.DataFrame, context: Sequence[shapely.Geometry], *, width: int = 1000, height: int = 700
) -> str:
    """Draw a package's parcels (coloured by first finding) and numbered stops as SVG.

    Lon/lat are drawn in a local equirectangular projection (good to a few metres
    across a package); context outlines are faint.
    """
    geoms = np.array(list(rows["geometry"]), dtype=object)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    if np.isnan(x0):
        return ""
    k = np.cos(np.radians((y0 + y1) / 2))
    pad = 0.08 * max((x1 - x0) * k, y1 - y0, 1e-4)
    vx0, vy0 = (x0 * k) - pad, -y1 - pad
    vw, vh = (x1 - x0) * k + 2 * pad, (y1 - y0) + 2 * pad
    s = min(width / vw, height / vh)

    def path(g: shapely.Geometry) -> str:
        out = []
        for poly in shapely.get_parts(g):
            for ring in shapely.get_rings(poly):
                c = shapely.get_coordinates(ring)
                px = (c[:, 0] * k - vx0) * s
                py = (-c[:, 1] - vy0) * s
                out.append(
                    "M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True)) + "Z"
                )
        return "".join(out)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img">']
    ctx = "".join(path(g) for g in context if g is not None)
    if ctx:
        parts.append(f'<path d="{ctx}" fill="none" stroke="#999" stroke-width="0.6"/>')
    for row in rows.itertuples():
        color = COLORS.get(row.flags[0], "#D55E00") if row.flags else "#D55E00"
        parts.append(
            f'<path d="{path(row.geometry)}" fill="{color}" fill-opacity="0.35" stroke="{color}" '
            'stroke-width="1.5" fill-rule="evenodd"/>'
        )
    ordered = rows.sort_values("order")
    pts = [
        ((lon * k - vx0) * s, (-lat - vy0) * s)
        for lon, lat in zip(ordered["lon"], ordered["lat"], strict=True)
    ]
    if len(pts) > 1:
        d = "M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in pts)
        parts.append(
            f'<path d="{d}" fill="none" stroke="#333" stroke-width="1.2" stroke-dasharray="4 5"/>'
        )
    for (px, py), no in zip(pts, ordered["order"], strict=True):
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="10" fill="#111" stroke="#fff" '
            'stroke-width="2"/>'
            f'<text x="{px:.1f}" y="{py + 4:.1f}" font-size="11" font-weight="bold" fill="#fff" '
            f'text-anchor="middle">{int(no)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def print_page(
    rows: pd.DataFrame,
    context: Sequence[shapely.Geometry],
    *,
    title: str,
    subtitle: str,
    show_owner: bool,
) -> str:
    """Return an A4 page for one work package: an SVG map and the visiting list."""
    head = [
        "ลำดับ<br>Stop",
        "รหัสแปลง<br>Parcel",
        "ข้อพบ<br>Findings",
        "เหตุผล<br>Reason",
        "โฉนด<br>Deed",
        "ส่วนต่าง (บาท)<br>Gap (baht)",
    ]
    if show_owner:
        head.insert(2, "เจ้าของ<br>Owner")
    head.append("ผลสำรวจ<br>Found")
    body = []
    for row in rows.sort_values("order").itertuples():
        flags = "<br>".join(
            _esc(" / ".join(FINDING_LABELS[c])) if c in FINDING_LABELS else _esc(c)
            for c in row.flags
        )
        cells = [
            f'<td class="num">{int(row.order)}</td>',
            f"<td>{_esc(row.parcel_code)}</td>",
            f"<td>{flags}</td>",
            f"<td>{_esc(row.reason_th)}<br>{_esc(row.reason_en)}</td>",
            f"<td>{_esc(row.deed_no)}</td>",
            f'<td class="num">{_baht(row.gap)}</td>',
            '<td class="box"></td>',
        ]
        if show_owner:
            cells.insert(2, f"<td>{_esc(row.owner_name)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    present = [c for c in FINDING_LABELS if any(c in f for f in rows["flags"])]
    legend = "".join(
        f'<span><i style="background:{COLORS[c]}"></i>{html.escape(FINDING_LABELS[c][0])} / '
        f"{html.escape(FINDING_LABELS[c][1])}</span>"
        for c in present
    )
    return (
        '<!DOCTYPE html><html lang="th"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_PRINT_CSS}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><div class="sub">{html.escape(subtitle)}</div>'
        f'{package_svg(rows, context)}<div class="legend">{legend}</div>'
        f"<table><thead><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></body></html>"
    )


@dataclass(frozen=True)
class IndexEntry:
    """One line of the index: a work package and its files."""

    number: int
    n_parcels: int
    gap: float
    label: str
    files: dict[str, Path]


def index_page(
    out_dir: Path,
    *,
    title: str,
    overview: Path,
    entries: Sequence[IndexEntry],
    extra: dict[str, dict[str, Path]],
) -> str:
    """Return index.html linking the overview, each package's files and the other lists.

    ``extra`` maps a line's label to its files (``{"CSV": path, "XLSX": path}``).
    """

    def link(path: Path, text: str) -> str:
        rel = os.path.relpath(path, out_dir).replace(os.sep, "/")
        return f'<a href="{html.escape(rel)}">{html.escape(text)}</a>'

    with_area = any(e.label for e in entries)
    rows = "".join(
        f"<tr><td>{e.number}</td>"
        + (f"<td>{_esc(e.label)}</td>" if with_area else "")
        + f'<td class="num">{e.n_parcels}</td><td class="num">{_baht(e.gap)}</td><td>'
        + " · ".join(link(p, name) for name, p in e.files.items())
        + "</td></tr>"
        for e in entries
    )
    total = (
        f"<tr><th>รวม<br>Total</th>{'<td></td>' if with_area else ''}"
        f'<td class="num">{sum(e.n_parcels for e in entries)}</td>'
        f'<td class="num">{_baht(sum(e.gap for e in entries))}</td><td></td></tr>'
    )
    extras = "".join(
        f"<li>{html.escape(label)}: " + " · ".join(link(p, n) for n, p in files.items()) + "</li>"
        for label, files in extra.items()
    )
    return (
        '<!DOCTYPE html><html lang="th"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_PRINT_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p>{link(overview, 'แผนที่ภาพรวม / Overview map')}</p><ul>{extras}</ul>"
        "<table><thead><tr><th>ชุดงาน<br>Package</th>"
        + ("<th>พื้นที่<br>Area</th>" if with_area else "")
        + "<th>แปลง<br>Parcels</th><th>ส่วนต่าง (บาท)<br>Gap (baht)</th>"
        "<th>ไฟล์<br>Files</th></tr></thead>"
        f"<tbody>{rows}{total}</tbody></table></body></html>"
    )
