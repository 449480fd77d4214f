"""Compact geometry and safe JSON for the map pages.

Coordinates are quantised to integers (1e-6 degree is about 0.1 m), delta-encoded
along one stream per layer and packed as zigzag varints in base64 (the idea of
Google's encoded polylines, in an alphabet that needs no escaping), so a town's
parcels become a few short strings inside JSON that the browser reads with
``JSON.parse`` (far faster than a JavaScript literal of the same size).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

# Quantum of the flagged parcels (about 0.1 m) and of the faint context (about 1 m).
FINE = 1_000_000
COARSE = 100_000

_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def pack_ints(values: npt.ArrayLike) -> str:
    """Pack signed integers as zigzag varints in base64 (a compact JSON string).

    Small deltas take one byte (1.33 characters) instead of three or four digits
    and a comma; base64 needs no escaping in JSON or HTML.

    Examples
    --------
    >>> pack_ints([0, -1, 1, 63, -64, 64])
    'AAECfn+AAQ=='
    """
    v = np.asarray(values, dtype=np.int64).ravel()
    z = ((v << 1) ^ (v >> 63)).astype(np.uint64)
    nbytes = np.ones(len(z), dtype=np.int64)
    for k in range(1, 10):
        nbytes += z >= np.uint64(1 << (7 * k))
    out = np.zeros(int(nbytes.sum()), dtype=np.uint8)
    start = np.cumsum(nbytes) - nbytes
    for k in range(int(nbytes.max(initial=0))):
        m = nbytes > k
        byte = (z[m] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = (nbytes[m] > k + 1).astype(np.uint64) << np.uint64(7)
        out[start[m] + k] = (byte | more).astype(np.uint8)
    return base64.b64encode(out.tobytes()).decode("ascii")


def unpack_ints(text: str) -> list[int]:
    """Inverse of :func:`pack_ints` (what the page's JavaScript does)."""
    out, value, shift = [], 0, 0
    for byte in base64.b64decode(text):
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
        else:
            out.append((value >> 1) ^ -(value & 1))
            value, shift = 0, 0
    return out


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
        ``{"s": scale, "f": rings per feature, "r": points per ring, "c": dx, dy, ...}``,
        the three lists packed with :func:`pack_ints`. Each ring drops its closing
        point; the first delta is from (0, 0).

    Examples
    --------
    >>> from shapely import box
    >>> enc = encode_geometries([box(100.0, 13.0, 100.00001, 13.00001)])
    >>> unpack_ints(enc["f"]), unpack_ints(enc["r"]), unpack_ints(enc["c"])[:4]
    ([1], [4], [100000010, 13000000, 0, 10])
    """
    arr = np.array([shapely.Polygon() if g is None else g for g in geoms], dtype=object)
    n = len(arr)
    if n == 0:
        return {"s": scale, "f": "", "r": "", "c": ""}
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
    rings_per_feature = np.bincount(poly_idx[ring_idx], minlength=n)
    deltas = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return {
        "s": scale,
        "f": pack_ints(rings_per_feature),
        "r": pack_ints(ring_len),
        "c": pack_ints(deltas),
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
