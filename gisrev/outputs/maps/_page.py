"""One self-contained HTML map page: Leaflet, gisrev's controls and the data, inlined."""

from __future__ import annotations

import functools
import html
import re
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import shapely

from gisrev.load.normalise import CODE_SEPARATORS
from gisrev.outputs.maps._encode import COARSE, FINE, encode_geometries, script_json
from gisrev.vocab import FINDING_CODES, FINDING_LABELS

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
COLORS: dict[str, str] = {
    "UNREGISTERED": "#D55E00",  # vermillion
    "UNDERPAID": "#E69F00",  # orange
    "USE_MISMATCH": "#CC79A7",  # reddish purple
    "AREA_MISMATCH": "#0072B2",  # blue
    "UNDECLARED_BUILDING": "#009E73",  # bluish green
    "ARREARS": "#56B4E9",  # sky blue
    "ORPHAN_RECORD": "#F0E442",  # yellow
    "DUPLICATE_RECORD": "#000000",  # black
}
_BITS = {code: i for i, code in enumerate(FINDING_CODES)}
_TOKEN = re.compile(r"\{\{([A-Z_]+)\}\}")


@functools.cache
def _asset(name: str) -> str:
    base = resources.files("gisrev.outputs.maps")
    folder = "templates" if name.endswith(".html") else "static"
    return (base / folder / name).read_text(encoding="utf-8")


def _money(value: object) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)  # type: ignore[arg-type, call-overload]


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


def _bounds(geoms: list[shapely.Geometry | None]) -> np.ndarray | None:
    """Return (xmin, ymin, xmax, ymax) of the geometries, or None when there is nothing."""
    if not geoms:
        return None
    b = shapely.total_bounds(np.array(geoms, dtype=object))
    return None if np.isnan(b).any() else b


def build_payload(
    drawn: pd.DataFrame,
    *,
    title: str,
    context: dict[str, list[shapely.Geometry]],
    show_owner: bool,
    tiles: dict[str, Any],
    order: list[int] | None = None,
    orphans_note: str | None = None,
    context_scale: int = COARSE,
    packages: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Assemble the JSON the page reads: findings columns, encoded outlines, context.

    Parameters
    ----------
    drawn
        Findings with a parcel outline (``geometry``), lon/lat and the shown columns.
    title
        The legend's title.
    context
        Faint layers by name (``"parcels"``, ``"buildings"``), lon/lat outlines.
    show_owner
        Include ``owner_name``.
    tiles
        ``{"osm": bool, "local": url template or None, "localMaxZoom": int}``.
    order
        Visiting order per row (work packages), drawn as numbered stops.
    orphans_note
        A line for the legend about register rows that are not on the map.
    packages
        Work package outlines for the overview: ``{"n", "count", "href", "hull"}``.
    context_scale
        Quantum of the context outlines: coarse (about 1 m) keeps a whole town's
        overview small; a work package can afford :data:`FINE`.
    """
    strings = _Strings()
    flags_mask = [sum(1 << _BITS[c] for c in flags if c in _BITS) for flags in drawn["flags"]]
    present = [  # ORPHAN_RECORD is listed, never drawn
        c for c in FINDING_CODES if c != "ORPHAN_RECORD" and any(c in f for f in drawn["flags"])
    ]
    geoms = list(drawn["geometry"])
    b = _bounds(geoms)
    if b is None:  # nothing flagged is on the map (only orphan records): show the town
        b = _bounds([g for layer in context.values() for g in layer])
    if b is None:  # nothing at all: somewhere in Thailand rather than a blank error
        b = np.array([100.0, 13.0, 100.01, 13.01])
    findings: dict[str, Any] = {
        "code": [str(c) for c in drawn["parcel_code"]],
        "flags": flags_mask,
        "rth": [strings(v) for v in drawn["reason_th"]],
        "ren": [strings(v) for v in drawn["reason_en"]],
        "deed": [strings(v) for v in drawn["deed_no"]],
        "gap": [_money(v) for v in drawn["gap"]],
        "exp": [_money(v) for v in drawn["expected_tax"]],
        "ass": [_money(v) for v in drawn["tax_assessed"]],
        "paid": [_money(v) for v in drawn["tax_paid"]],
        "lon": np.round(drawn["lon"].to_numpy(float) * 1e6).astype(np.int64).tolist(),
        "lat": np.round(drawn["lat"].to_numpy(float) * 1e6).astype(np.int64).tolist(),
        "geom": encode_geometries(geoms, scale=FINE),
    }
    if order is not None:
        findings["order"] = [int(o) for o in order]
    if show_owner:
        findings["owner"] = [strings(v) for v in drawn["owner_name"]]
    findings["strings"] = strings.items
    return {
        "meta": {"title": title, "orphans": orphans_note},
        # The search box removes what normalise_parcel_code removes (a JavaScript class too).
        "codeSeparators": CODE_SEPARATORS,
        "codes": present,
        "codeBits": _BITS,
        "colors": COLORS,
        "labels": FINDING_LABELS,
        "bounds": [[b[1], b[0]], [b[3], b[2]]],
        "tiles": tiles,
        "packages": packages or [],
        "findings": findings,
        "context": {
            name: encode_geometries(g, scale=context_scale) if g else None
            for name, g in context.items()
        },
    }


def render_map(payload: dict[str, Any], *, title: str) -> str:
    """Return the page: template with Leaflet, gisrev's JS/CSS and the data inlined."""
    parts = {
        "TITLE": html.escape(title),
        "LEAFLET_CSS": _asset("leaflet.css"),
        "MAP_CSS": _asset("gisrev-map.css"),
        "LEAFLET_JS": _asset("leaflet.js"),
        "MAP_JS": _asset("gisrev-map.js"),
        "DATA": script_json(payload),
    }
    # One pass: text substituted in is never scanned again for tokens.
    return _TOKEN.sub(lambda m: parts[m.group(1)], _asset("map.html"))
