"""Compact geometry and safe JSON for the map pages.

Coordinates are quantised to integers (1e-6 degree is about 0.1 m) and
delta-encoded along one stream per layer, so a town's parcels become a short list
of small integers that the browser reads with ``JSON.parse`` (far faster than a
JavaScript literal of the same size).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

# Quantum of the flagged parcels (about 0.1 m) and of the faint context (about 1 m).
FINE = 1_000_000
COARSE = 100_000

_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def encode_geometries(
    geoms: Sequence[shapely.Geometry | None], *, scale: int = FINE
) -> dict[str, Any]:
    """Encode (multi)polygons in EPSG:4326 as delta-encoded integer rings.

    Parameters
    ----------
    geoms
        One geometry per feature, lon/lat; ``None`` or empty gives a feature without rings.
    scale
        Integer units per degree (``1_000_000`` keeps about 0.1 m).

    Returns
    -------
    dict
        ``{"s": scale, "f": rings per feature, "r": points per ring, "c": [dx, dy, ...]}``:
        each ring drops its closing point; the first delta is from (0, 0).

    Examples
    --------
    >>> from shapely import box
    >>> enc = encode_geometries([box(100.0, 13.0, 100.00001, 13.00001)])
    >>> enc["f"], enc["r"], enc["c"][:2]
    ([1], [4], [100000010, 13000000])
    """
    arr = np.array([shapely.Polygon() if g is None else g for g in geoms], dtype=object)
    n = len(arr)
    if n == 0:
        return {"s": scale, "f": [], "r": [], "c": []}
    polys, poly_idx = shapely.get_parts(arr, return_index=True)
    rings, ring_idx = shapely.get_rings(polys, return_index=True)
    coords, pt_idx = shapely.get_coordinates(rings, return_index=True)
    ring_len = np.bincount(pt_idx, minlength=len(rings))
    # Drop each ring's closing point: the browser closes rings itself.
    last = np.cumsum(ring_len) - 1
    keep = np.ones(len(coords), dtype=bool)
    keep[last[ring_len > 0]] = False
    q = np.round(coords[keep] * scale).astype(np.int64)
    ring_len = np.maximum(ring_len - 1, 0)
    feature_of_ring = poly_idx[ring_idx]
    rings_per_feature = np.bincount(feature_of_ring, minlength=n)
    deltas = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return {
        "s": scale,
        "f": rings_per_feature.tolist(),
        "r": ring_len.tolist(),
        "c": deltas.ravel().tolist(),
    }


def script_json(data: Any) -> str:
    r"""Serialise ``data`` for a ``<script type="application/json">`` block.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026``, so no
    value (say an owner name containing ``</script>``) can end the block or open a
    tag; ``JSON.parse`` turns them back into the same text.

    Examples
    --------
    >>> script_json({"name": "</script><b>"})
    '{"name":"\\u003c/script\\u003e\\u003cb\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_ESCAPES)
