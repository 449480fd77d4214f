"""Work packages: compact groups of about N flagged parcels and a visiting order.

Grouping is recursive coordinate bisection on the parcels' points: each split cuts
the longer side of the group at the point that leaves each half a whole number of
packages, so packages come out balanced (sizes differ by at most one) and compact.

The visiting order weighs value. Given each stop's gap, the tour starts at the stop with
the largest gap and minimises the baht-weighted walk: every stretch costs its length
times the share of the package's gap still waiting to be visited, plus half its length.
Big gaps are reached early (a day cut short still collects the most), a cheap detour
past a small stop is still taken, and where gaps are alike the tour is a short one. It
is built greedily (the next stop is the one with the least walk per baht) and improved
on the same cost by 2-opt and by moving single stops (or-opt). On random packages of 40
stops with log-normal gaps this walks 10 % further than the shortest tour and halves the
average walk before each baht is reached (0.55 of it). Without gaps the order is the
plain short tour from the package's north-western parcel: nearest neighbour, then 2-opt.
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


def visiting_order(
    xy: FloatArray, *, gaps: npt.ArrayLike | None = None, max_passes: int = 20
) -> IntArray:
    """Return an open tour through the points; with gaps, the valuable stops come early.

    Parameters
    ----------
    xy
        ``(n, 2)`` projected coordinates in metres (a work package, so n is small).
    gaps
        Each stop's gap in baht (unknown: NaN, counted as the smallest). When given, the
        tour starts at the largest gap and minimises the baht-weighted walk (see the
        module's docstring); when omitted, the shortest walk from the north-western point.
    max_passes
        Upper bound on 2-opt improvement passes (with gaps: ``max_passes * n`` moves).

    Returns
    -------
    numpy.ndarray
        Indices into ``xy`` in visiting order.

    Examples
    --------
    >>> xy = np.array([[0, 10], [30, 10], [10, 10], [20, 10]], dtype=float)
    >>> visiting_order(xy).tolist()
    [0, 2, 3, 1]
    >>> visiting_order(xy, gaps=[300, 250, 300, 90_000]).tolist()
    [3, 1, 2, 0]
    """
    n = len(xy)
    if gaps is not None:
        return _valued_order(xy, _weights(gaps, n), max_moves=max_passes * n)
    if n <= 2:
        return np.arange(n)
    dist = _distances(xy)
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


#: Weight of plain distance against the baht still waiting (which runs from 1 down to 0).
_DISTANCE_WEIGHT = 0.5


def _distances(xy: FloatArray) -> FloatArray:
    return np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))


def _weights(gaps: npt.ArrayLike, n: int) -> FloatArray:
    """Each stop's share of the package's gap; unknown or zero gaps get a token share."""
    w = np.asarray(gaps, dtype=float).reshape(-1)
    if len(w) != n:
        msg = f"visiting_order: {len(w)} gaps for {n} stops"
        raise ValueError(msg)
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    floor = max(float(w.max(initial=0.0)) * 1e-6, 1e-9)  # never zero: every stop counts
    w = np.maximum(w, floor)
    return w / w.sum()


def _valued_order(xy: FloatArray, w: FloatArray, *, max_moves: int) -> IntArray:
    """Tour from the largest weight minimising sum(length x (weight still waiting + 0.5)).

    Greedy, then the best improving move (a 2-opt reversal or a single stop moved) until
    none improves.
    """
    n = len(xy)
    if n <= 1:
        return np.arange(n)
    dist = _distances(xy)
    start = int(np.argmax(w))
    # What is reached at the start waits for no walk: the rest share the weight.
    w = np.where(np.arange(n) == start, 0.0, w)
    w = w / w.sum()
    tour = [start]
    seen = np.zeros(n, dtype=bool)
    seen[start] = True
    for _ in range(n - 1):
        # The least walk per baht reached; with equal gaps, the nearest stop.
        per_baht = dist[tour[-1]] / (w + _DISTANCE_WEIGHT / n)
        nxt = int(np.argmin(np.where(seen, np.inf, per_baht)))
        tour.append(nxt)
        seen[nxt] = True
    order = np.array(tour)
    for _ in range(max_moves):
        reversal = _best_reversal(order, dist, w)
        move = _best_relocation(order, dist, w)
        if min(reversal[0], move[0]) >= -1e-12:
            break
        if reversal[0] <= move[0]:
            _, i, j = reversal
            order[i : j + 1] = order[i : j + 1][::-1]
        else:
            _, a, b = move
            order = np.insert(np.delete(order, a), b, order[a])
    return order


def _best_reversal(order: IntArray, dist: FloatArray, w: FloatArray) -> tuple[float, int, int]:
    """Return the cost change of the best 2-opt move (reverse positions i..j) and i, j.

    The tour's cost is ``sum_k d(t[k-1], t[k]) * (S[k] + 0.5)`` where ``S[k]`` is the
    weight of the stops from position k on. Reversing i..j keeps the weight behind its two
    end edges; an inner edge k (i < k <= j), walked backwards, then has the weight of
    stops i..k-1 plus those after j behind it instead of stops k..j plus those after j, a
    change of ``d_k * (2 P[k] - P[i] - P[j+1])`` with ``P`` the prefix sums of the weights.
    All (i, j) at once, with prefix sums: O(n^2) per move.
    """
    n = len(order)
    wt = w[order]
    p = np.concatenate([[0.0], np.cumsum(wt)])  # p[k]: weight of positions < k
    suffix = 1.0 - p  # weight of positions >= k (the weights sum to 1)
    e = np.concatenate([[0.0], dist[order[:-1], order[1:]]])  # e[k]: edge into position k
    a = np.cumsum(e)  # a[k] = e[1] + ... + e[k]
    b = np.cumsum(e * p[:n])  # b[k] = sum e[m] p[m] over m <= k
    i = np.arange(1, n)[:, None]  # reversal start (position 0, the start, stays)
    j = np.arange(1, n)[None, :]  # reversal end
    valid = j > i
    prev, first, last = order[i - 1], order[i], order[j]
    after = order[np.minimum(j + 1, n - 1)]
    jn = np.minimum(j + 1, n)
    head = (suffix[i] + _DISTANCE_WEIGHT) * (dist[prev, last] - dist[prev, first])
    tail = (suffix[jn] + _DISTANCE_WEIGHT) * (dist[first, after] - dist[last, after])
    tail = np.where(j + 1 < n, tail, 0.0)  # reversing to the end: no edge after it
    inner = 2.0 * (b[j] - b[i]) - (p[i] + p[jn]) * (a[j] - a[i])
    delta = np.where(valid, head + tail + inner, np.inf)
    k = int(np.argmin(delta))
    bi, bj = divmod(k, n - 1)
    return float(delta.flat[k]), bi + 1, bj + 1


def _best_relocation(order: IntArray, dist: FloatArray, w: FloatArray) -> tuple[float, int, int]:
    """Return the cost change of the best single-stop move and (from, to) positions.

    The stop at position a goes to position b of the new tour. Moved earlier (b < a), it
    is walked past the stops b..a-1, whose edges then carry its weight no more; moved later,
    the edges between carry it as well. Same cost as :func:`_best_reversal`, O(n^2) at once.
    """
    n = len(order)
    wt = w[order]
    # s[k]: weight behind the edge into position k, plus the distance weight; s[n] = 0.5.
    waiting = 1.0 - np.concatenate([[0.0], np.cumsum(wt)])[:n]
    s = np.concatenate([waiting, [0.0]]) + _DISTANCE_WEIGHT
    e = np.concatenate([[0.0], dist[order[:-1], order[1:]], [0.0]])  # e[n] = 0: no edge
    a_sum = np.cumsum(e)
    nxt = np.concatenate([order[1:], [order[-1]]])  # t[k+1] (unused where k = n-1)
    has_next = np.arange(n) < n - 1
    a = np.arange(1, n)[:, None]  # the stop that moves (the start stays)
    b = np.arange(1, n)[None, :]
    x, wx = order[a], wt[a]
    # Closing the hole at a: t[a-1] -> t[a+1], or nothing when a is the last stop.
    close = np.where(has_next[a], s[a + 1] * (dist[order[a - 1], nxt[a]] - e[a + 1]), 0.0)
    bn = np.minimum(b + 1, n)
    earlier = (
        s[b] * (dist[order[b - 1], x] - e[b])
        + (s[b] - wx) * dist[x, order[b]]
        - s[a] * e[a] + close
        - wx * (a_sum[np.maximum(a - 1, b)] - a_sum[b])
    )
    later = (
        s[a] * dist[order[a - 1], nxt[a]] - s[a] * e[a] - s[a + 1] * e[a + 1]
        + (wx + s[bn]) * dist[order[b], x]
        + np.where(b + 1 < n, s[bn] * (dist[x, nxt[b]] - e[bn]), 0.0)
        + wx * (a_sum[b] - a_sum[np.minimum(a + 1, b)])
    )
    delta = np.where(b < a, earlier, np.where(b > a, later, np.inf))
    k = int(np.argmin(delta))
    i, j = divmod(k, n - 1)
    return float(delta.flat[k]), i + 1, j + 1
