"""Work packages: compact groups of about N flagged parcels and a visiting order.

Grouping is recursive coordinate bisection on the parcels' points: each split cuts
the longer side of the group at the point that leaves each half a whole number of
packages, so packages come out balanced (sizes differ by at most one) and compact.
The visiting order is a nearest-neighbour tour improved by 2-opt, started at the
package's north-western parcel.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def partition(xy: FloatArray, *, size: int) -> IntArray:
    """Assign each point to a compact work package of about ``size`` points.

    Parameters
    ----------
    xy
        ``(n, 2)`` projected coordinates in metres.
    size
        Target number of points per package (at least 1).

    Returns
    -------
    numpy.ndarray
        Package number per point, ``0 .. k-1`` with ``k = ceil(n / size)``; package
        numbers follow the bisection, so neighbouring numbers are neighbouring areas.

    Examples
    --------
    >>> xy = np.array([[0, 0], [1, 0], [100, 0], [101, 0]], dtype=float)
    >>> partition(xy, size=2).tolist()
    [0, 0, 1, 1]
    """
    if size < 1:
        msg = f"work package size must be at least 1, got {size}"
        raise ValueError(msg)
    n = len(xy)
    labels = np.zeros(n, dtype=np.int64)
    if n == 0:
        return labels
    next_label = 0

    def split(idx: IntArray, k: int) -> None:
        nonlocal next_label
        if k <= 1:
            labels[idx] = next_label
            next_label += 1
            return
        pts = xy[idx]
        extent = pts.max(axis=0) - pts.min(axis=0)
        axis = 0 if extent[0] >= extent[1] else 1
        order = np.lexsort((pts[:, 1 - axis], pts[:, axis]))
        k_first = k // 2
        n_first = round(len(idx) * k_first / k)
        split(idx[order[:n_first]], k_first)
        split(idx[order[n_first:]], k - k_first)

    split(np.arange(n), math.ceil(n / size))
    return labels


def visiting_order(xy: FloatArray, *, max_passes: int = 20) -> IntArray:
    """Return an open tour through the points: nearest neighbour, then 2-opt.

    Parameters
    ----------
    xy
        ``(n, 2)`` projected coordinates in metres (a work package, so n is small).
    max_passes
        Upper bound on 2-opt improvement passes.

    Returns
    -------
    numpy.ndarray
        Indices into ``xy`` in visiting order, starting at the north-western point.

    Examples
    --------
    >>> xy = np.array([[0, 10], [30, 10], [10, 10], [20, 10]], dtype=float)
    >>> visiting_order(xy).tolist()
    [0, 2, 3, 1]
    """
    n = len(xy)
    if n <= 2:
        return np.arange(n)
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    start = int(np.argmax(xy[:, 1] - xy[:, 0]))  # north-west: high y, low x
    route = [start]
    seen = np.zeros(n, dtype=bool)
    seen[start] = True
    for _ in range(n - 1):
        d = np.where(seen, np.inf, dist[route[-1]])
        nxt = int(np.argmin(d))
        route.append(nxt)
        seen[nxt] = True
    tour = np.array(route)
    for _ in range(max_passes):
        improved = False
        for i in range(1, n - 1):
            a, b = tour[i - 1], tour[i]
            c = tour[i + 1 :]
            d_next = np.append(tour[i + 2 :], -1)
            old = dist[a, b] + np.where(d_next >= 0, dist[c, d_next], 0.0)
            new = dist[a, c] + np.where(d_next >= 0, dist[b, d_next], 0.0)
            gain = old - new
            j = int(np.argmax(gain))
            if gain[j] > 1e-9:
                end = i + 1 + j
                tour[i : end + 1] = tour[i : end + 1][::-1]
                improved = True
        if not improved:
            break
    return tour
