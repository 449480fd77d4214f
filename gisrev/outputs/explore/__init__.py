"""The planners' interactive map: a folium map for the notebook that works offline.

:func:`explore_map` draws one tax year of one municipality on an
:class:`~gisrev.outputs.explore._folium.OfflineMap`:

- appraisal zones coloured by their revenue gap or their expected revenue (every parcel of
  the zone, :func:`gisrev.outputs.revenue.zone_revenue`);
- the flagged parcels coloured by their first finding code, with Thai/English tooltips and
  popups (reason, expected, assessed, paid, gap), one layer per code;
- the other parcels and the buildings as faint context when zoomed in close;
- a layer control and a legend.

Leaflet and the drawing code are inlined and the data is one escaped JSON block, so the
map works offline, in a saved HTML file and in an exported notebook; every value is shown
with ``textContent``. Above :data:`DETAIL_LIMIT` parcels the map shows the zones and the
:data:`TOP_PARCELS` parcels with the largest gap only, so a browser draws it in about the
time a town-sized map takes (``bench/explore.py``).
"""

from __future__ import annotations

from typing import Any, Literal

import folium
import numpy as np
import pandas as pd
import shapely
from sqlalchemy.engine import Connection

from gisrev.db.municipalities import municipality
from gisrev.errors import InputError
from gisrev.outputs.explore import _data
from gisrev.outputs.explore._folium import ExploreLayers, OfflineMap
from gisrev.outputs.maps._encode import COARSE, FINE, encode_geometries
from gisrev.outputs.maps._page import COLORS
from gisrev.outputs.revenue import zone_revenue
from gisrev.vocab import FINDING_CODES, FINDING_LABELS, USE_LABELS
from gisrev.years import be

__all__ = ["COLOR_BY", "DETAIL_LIMIT", "TOP_PARCELS", "ZONE_COLORS", "explore_map"]

#: What the zones can be coloured by: the revenue gap or the expected revenue.
COLOR_BY = ("gap", "expected")
#: Above this many parcels the map leaves out the context and draws the top parcels only.
#: bench/explore.py: 30k parcels draw in 1.3 s, 100k with every layer in 2.9 s (2 cores).
DETAIL_LIMIT = 60_000
#: How many flagged parcels, largest gap first, a map above :data:`DETAIL_LIMIT` draws.
TOP_PARCELS = 3_000
#: ColorBrewer Purples, 5 classes: one hue, readable with colour-vision deficiencies and
#: apart from the finding colours (Okabe–Ito) drawn on top.
ZONE_COLORS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
_BITS = {code: i for i, code in enumerate(FINDING_CODES)}
_TOLERANCE_M = 0.5  # simplification of the parcels and buildings drawn
_CONTEXT_MIN_ZOOM = 16  # the faint layers are drawn from this zoom on (about 2 m a pixel)


def explore_map(
    conn: Connection,
    year: int,
    *,
    lgu_code: str,
    color_by: Literal["gap", "expected"] = "gap",
    show_owner: bool = False,
    detail_limit: int = DETAIL_LIMIT,
    top: int = TOP_PARCELS,
    online_tiles: bool = False,
    height: str = "600px",
) -> folium.Map:
    """Return one tax year's zones, findings and parcels on an offline folium map.

    Parameters
    ----------
    conn
        A connection to an analysed gisrev database.
    year
        Tax year, CE.
    lgu_code
        The municipality.
    color_by
        ``"gap"`` (revenue not collected, every parcel of the zone) or ``"expected"``
        (expected revenue) for the zones' colours.
    show_owner
        Show owner names from the register in popups. Owner ID numbers are never read.
    detail_limit
        Above this many parcels, leave out the context layers and draw only the ``top``
        flagged parcels by gap.
    top
        Flagged parcels drawn above ``detail_limit``.
    online_tiles
        Offer OpenStreetMap as a background (off at first; it needs a network).
    height
        Height of the map in the notebook (CSS).

    Returns
    -------
    folium.Map
        Shown by Jupyter as it is; ``.save("map.html")`` writes one self-contained file.

    Raises
    ------
    InputError
        A ``color_by`` other than ``gap`` or ``expected``, or a limit below 1.
    """
    if color_by not in COLOR_BY:
        msg = f"explore(color_by={color_by!r}): expected one of {', '.join(COLOR_BY)}"
        raise InputError(msg)
    if detail_limit < 1 or top < 1:
        msg = f"explore(detail_limit={detail_limit}, top={top}): expected positive numbers"
        raise InputError(msg)
    n_parcels, n_flagged, n_orphans = _data.counts(conn, year, lgu_code=lgu_code)
    detailed = n_parcels <= detail_limit
    zones = zone_revenue(conn, year, lgu_code=lgu_code)
    flagged = _data.flagged_parcels(
        conn, year, lgu_code=lgu_code, show_owner=show_owner,
        limit=None if detailed else top, tolerance_m=_TOLERANCE_M,
    )
    context = {
        name: _data.context(conn, name, year, lgu_code=lgu_code, tolerance_m=_TOLERANCE_M)
        if detailed else []
        for name in ("parcels", "buildings")
    }
    town = municipality(conn, lgu_code).name_th
    title = f"{town} · ปีภาษี {be(year)}"
    payload = {
        "meta": {
            "title": title,
            "colorBy": color_by,
            "contextMinZoom": _CONTEXT_MIN_ZOOM,
            "onlineTiles": online_tiles,
            "notes": _notes(n_flagged=n_flagged, drawn=len(flagged), n_orphans=n_orphans,
                            detailed=detailed, n_parcels=n_parcels),
        },
        "labels": FINDING_LABELS,
        "useLabels": USE_LABELS,
        "colors": COLORS,
        "codes": [c for c in FINDING_CODES if c != "ORPHAN_RECORD"],
        "bounds": _bounds(zones, flagged, context),
        "zones": _zone_data(zones, color_by),
        "parcels": _parcel_data(flagged, show_owner=show_owner),
        "context": {name: encode_geometries(g, scale=COARSE) if g else None
                    for name, g in context.items()},
    }
    fmap = OfflineMap(location=None, tiles=None, height=height, prefer_canvas=True,
                      control_scale=True)
    ExploreLayers(payload).add_to(fmap)
    return fmap


def _notes(*, n_flagged: int, drawn: int, n_orphans: int, detailed: bool,
           n_parcels: int) -> list[str]:
    """Lines for the legend: what is left out of the map, and why."""
    notes = []
    if not detailed:
        notes.append(
            f"แสดง {drawn:,} แปลงที่ส่วนต่างสูงสุดจาก {n_flagged:,} แปลงที่พบ / the {drawn:,} "
            f"parcels with the largest gap of {n_flagged:,} flagged ({n_parcels:,} parcels: "
            "other parcels and buildings left out)"
        )
    if n_orphans:
        notes.append(f"ไม่พบแปลงในแผนที่ {n_orphans:,} รายการ / {n_orphans:,} register rows "
                     "not on the map")
    return notes


def _money(values: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else round(float(v), 2) for v in values]


def _classes(values: np.ndarray) -> list[float]:
    """Upper bounds of up to five quantile classes (the last is the maximum)."""
    if not len(values):
        return []
    qs = np.quantile(values, [0.2, 0.4, 0.6, 0.8, 1.0])
    return sorted({round(float(q), 2) for q in qs})


def _zone_data(zones: pd.DataFrame, color_by: str) -> dict[str, Any]:
    """Return the zones' values, colour classes and outlines."""
    column = "gap" if color_by == "gap" else "expected_tax"
    geoms = list(shapely.from_wkb([bytes(b) if b is not None else None for b in zones["wkb"]]))
    breaks = _classes(zones[column].to_numpy(float))
    return {
        "code": ["" if pd.isna(c) else str(c) for c in zones["zone_code"]],
        "name": ["" if pd.isna(c) else str(c) for c in zones["zone_name"]],
        "price": _money(zones["price_per_sqwah"]),
        "parcels": [int(v) for v in zones["parcels"]],
        "flagged": [int(v) for v in zones["flagged"]],
        "exp": _money(zones["expected_tax"]),
        "ass": _money(zones["tax_assessed"]),
        "paid": _money(zones["tax_paid"]),
        "gap": _money(zones["gap"]),
        "fgap": _money(zones["findings_gap"]),
        "value": column,
        "breaks": breaks,
        "ramp": list(ZONE_COLORS[len(ZONE_COLORS) - len(breaks):]),
        "geom": encode_geometries(geoms, scale=FINE),
    }


class _Strings:
    """A string table: repeated reasons and names are stored once."""

    def __init__(self) -> None:
        self.items: list[str] = [""]
        self._index: dict[str, int] = {"": 0}

    def __call__(self, value: object) -> int:
        text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        if text not in self._index:
            self._index[text] = len(self.items)
            self.items.append(text)
        return self._index[text]


def _parcel_data(flagged: pd.DataFrame, *, show_owner: bool) -> dict[str, Any]:
    """Return the flagged parcels' values and outlines; texts index a string table."""
    strings = _Strings()
    out: dict[str, Any] = {
        "code": [str(c) for c in flagged["parcel_code"]],
        "flags": [sum(1 << _BITS[c] for c in f if c in _BITS) for f in flagged["flags"]],
        "rth": [strings(v) for v in flagged["reason_th"]],
        "ren": [strings(v) for v in flagged["reason_en"]],
        "use": [strings(v) for v in flagged["use"]],
        "zone": [strings(v) for v in flagged["zone_code"]],
        "exp": _money(flagged["expected_tax"]),
        "ass": _money(flagged["tax_assessed"]),
        "paid": _money(flagged["tax_paid"]),
        "gap": _money(flagged["gap"]),
        "geom": encode_geometries(list(flagged["geometry"]), scale=FINE),
        "codeBits": _BITS,
    }
    if show_owner:
        out["owner"] = [strings(v) for v in flagged["owner_name"]]
    out["strings"] = strings.items
    return out


def _bounds(zones: pd.DataFrame, flagged: pd.DataFrame,
            context: dict[str, list[shapely.Geometry]]) -> list[list[float]]:
    """[[south, west], [north, east]] of everything drawn; somewhere in Thailand if nothing."""
    geoms = [*shapely.from_wkb([bytes(b) for b in zones["wkb"] if b is not None]),
             *flagged["geometry"], *context["parcels"]]
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return [[13.0, 100.0], [13.01, 100.01]]
    b = shapely.total_bounds(np.array(geoms, dtype=object))
    return [[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]]
