"""Drift statistics on sorted columns: exact two-sample statistics, the hot loops of drift.

Every statistic here works on *sorted* finite float64 arrays, because a reference profile
keeps its columns sorted: the reference is sorted once, the current column once, and every
test after that is linear or logarithmic in the data.

Why per column and not one 2-D call: a pandas frame of floats stores each column contiguously,
and NumPy's vectorised (AVX-512) sort of one contiguous column is about four times faster
than a 2-D sort along axis 0; fresh multi-megabyte temporaries also cost more in page faults
than the arithmetic they hold. So each worker thread owns a :class:`Workspace` of buffers
sized once and reused for every column, and NumPy releases the GIL inside each call, so
columns run in parallel threads.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

_M63 = np.uint64((1 << 63) - 1)
_ONE = np.uint64(1)


class Workspace:
    """Reusable buffers for one thread; grown on demand, never shrunk."""

    def __init__(self) -> None:
        self.size = 0

    def ensure(self, size: int) -> None:
        if size <= self.size:
            return
        self.size = size
        self.keys = np.empty(size, np.uint64)
        self.counts = np.empty(size, np.int64)
        self.diffs = np.empty(size, np.int64)
        self.ends = np.empty(size, bool)
        self.ranks = np.arange(1, size + 1, dtype=np.int64)
        self.values = np.empty(size, np.float64)


def sorted_finite(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Finite values of ``values`` sorted, with -0.0 turned into 0.0 (they compare equal)."""
    finite = np.isfinite(values)
    if not finite.all():
        values = values[finite]
    if out is None:
        out = np.empty(len(values), np.float64)
    else:
        out = out[: len(values)]
    np.add(values, 0.0, out=out)  # also normalises -0.0, whose bits would sort apart
    out.sort()
    return out


def ks_statistic(ref: np.ndarray, cur: np.ndarray, ws: Workspace) -> float:
    """Two-sided KS statistic D = sup |F_ref - F_cur|, equal to ``scipy.stats.ks_2samp``.

    The two sorted samples are merged by one sort of 64-bit keys that carry the value in
    the high 63 bits and the sample (0 = reference, 1 = current) in the lowest bit; negatives
    and non-negatives are keyed separately because a double needs all 64 bits otherwise.
    The ECDF difference is kept as the exact integer ``(i+1)*m - c*(n+m)`` and only
    evaluated where a run of equal values ends, which is how scipy's searchsorted treats ties.
    """
    n, m = len(ref), len(cur)
    size = n + m
    ws.ensure(size)
    keys = ws.keys[:size]
    ref_neg = int(np.searchsorted(ref, 0.0))
    cur_neg = int(np.searchsorted(cur, 0.0))
    neg = ref_neg + cur_neg
    # negatives: key = M63 - bits(-x), which ascends with x and fits in 63 bits
    for lo, part in ((0, ref[:ref_neg]), (ref_neg, cur[:cur_neg])):
        view = keys[lo : lo + len(part)]
        np.negative(part, out=view.view(np.float64))
        np.subtract(_M63, view, out=view)
    keys[neg : neg + n - ref_neg].view(np.float64)[:] = ref[ref_neg:]
    keys[neg + n - ref_neg :].view(np.float64)[:] = cur[cur_neg:]
    keys <<= _ONE
    keys[ref_neg:neg] |= _ONE
    keys[neg + n - ref_neg :] |= _ONE
    # each region holds two sorted runs: the stable sort (timsort) merges them in linear time
    keys[:neg].sort(kind="stable")
    keys[neg:].sort(kind="stable")

    cur_count = ws.counts[:size]
    np.bitwise_and(keys, _ONE, out=cur_count.view(np.uint64))
    np.add.accumulate(cur_count, out=cur_count)
    diff = ws.diffs[:size]
    np.multiply(ws.ranks[:size], m, out=diff)
    cur_count *= size
    diff -= cur_count  # = n*m * (F_ref - F_cur) at each merged position

    ends = ws.ends[:size]
    keys >>= _ONE
    np.not_equal(keys[1:], keys[:-1], out=ends[:-1])
    ends[-1] = True
    if neg:
        ends[neg - 1] = True  # the two regions encode values differently
    high = int(np.max(diff, where=ends, initial=0))
    low = int(np.min(diff, where=ends, initial=0))
    return max(high, -low) / (n * m)


@lru_cache(maxsize=4)
def _coupling(n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pieces of the quantile coupling of sizes n and m: (ref index, cur index, length).

    Breakpoints of the two quantile functions, in units of 1/(n*m), are the multiples of m
    and of n; their merged order is known in closed form, so no sort is needed.
    """
    i = np.arange(n + 1, dtype=np.int64)
    j = np.arange(m + 1, dtype=np.int64)
    points = np.empty(n + m + 2, np.int64)
    points[i + -(-i * m // n)] = i * m  # position: i + #{j: j*n < i*m}
    points[j + j * n // m + 1] = j * n  # position: j + #{i: i*m <= j*n}
    starts = points[:-1]
    lengths = np.diff(points)
    keep = lengths > 0
    starts = starts[keep]
    return starts // m, starts // n, lengths[keep]


def wasserstein(ref: np.ndarray, cur: np.ndarray) -> float:
    """First Wasserstein distance, equal to ``scipy.stats.wasserstein_distance``.

    Computed as the integral of |Q_ref(u) - Q_cur(u)| over u in (0, 1) between the two
    quantile functions, which for sorted samples is a linear pass (no merge).
    """
    n, m = len(ref), len(cur)
    if n == m:
        return float(np.abs(ref - cur).sum() / n)
    ri, ci, lengths = _coupling(n, m)
    gaps = np.abs(ref[ri] - cur[ci])
    return float(np.dot(gaps, lengths) / (n * m))


def histogram_counts(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts like ``np.histogram(values, edges)`` (last bin closed) from sorted values."""
    left = np.searchsorted(sorted_values, edges[:-1], side="left")
    right = np.searchsorted(sorted_values, edges[1:], side="left")
    right[-1] = np.searchsorted(sorted_values, edges[-1], side="right")
    return right - left


def sturges_edges(low: float, high: float, count: int) -> np.ndarray:
    """``np.histogram_bin_edges(values, bins="sturges")`` from min, max and size alone."""
    bins = math.ceil(math.log2(count) + 1.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1, endpoint=True, dtype=np.float64)


def quantile_edges(sorted_values: np.ndarray, bins: int) -> np.ndarray:
    """Interior edges at the reference quantiles 1/bins, ..., (bins-1)/bins, deduplicated.

    Same values as ``np.quantile`` (linear interpolation), read off the sorted array
    instead of partitioning it again.
    """
    pos = np.arange(1, bins) / bins * (len(sorted_values) - 1)
    low = np.floor(pos).astype(np.int64)
    high = np.minimum(low + 1, len(sorted_values) - 1)
    frac = pos - low
    a, b = sorted_values[low], sorted_values[high]
    return np.unique(a + (b - a) * frac)


def quantile_bin_counts(sorted_values: np.ndarray, interior: np.ndarray) -> np.ndarray:
    """Counts in the bins (-inf, e1], (e1, e2], ..., (ek, inf) for interior edges e."""
    cuts = np.searchsorted(sorted_values, interior, side="right")
    return np.diff(np.concatenate(([0], cuts, [len(sorted_values)])))


def ecdf_points(sorted_values: np.ndarray, points: int = 200) -> tuple[list[float], list[float]]:
    """A small step-ECDF outline (x, F(x)) for plots."""
    n = len(sorted_values)
    if n == 0:
        return [], []
    idx = np.unique(np.linspace(0, n - 1, min(points, n)).round().astype(np.int64))
    x = sorted_values[idx]
    f = np.searchsorted(sorted_values, x, side="right") / n
    return x.tolist(), f.tolist()
