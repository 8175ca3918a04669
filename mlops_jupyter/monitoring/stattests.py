"""The drift tests by name, their thresholds, and the default choice per column.

Defaults follow Evidently's, so results read the same to people who know it:

===============  =====================================  =========  ==========================
test             score                                  threshold  drift when
===============  =====================================  =========  ==========================
ks               KS p-value (scipy ``ks_2samp``)        0.05       p <= threshold
chisquare        p-value of ``chi2_contingency``        0.05       p < threshold
ztest            two-proportion z-test p-value          0.05       p < threshold
wasserstein      W1 / max(std(reference), 0.001)        0.1        score >= threshold
jensenshannon    JS distance (natural log)              0.1        score >= threshold
psi              PSI, 10 reference-quantile bins        0.1        score >= threshold
psi_evidently    PSI, Evidently's bins                  0.1        score >= threshold
===============  =====================================  =========  ==========================

Default per column (``n`` = non-missing reference values, ``k`` = distinct values in
reference and current together): ``n <= 1000``: numeric ``ks`` (``chisquare`` if k <= 5,
``ztest`` if k <= 2), categorical ``chisquare`` (``ztest`` if k <= 2); ``n > 1000``:
numeric ``wasserstein`` (``jensenshannon`` if k <= 5), categorical ``jensenshannon``.

Binning: ``jensenshannon`` and ``psi_evidently`` use Evidently's convention, i.e. for a
numeric column with more than 20 distinct reference values, Sturges bins over the range of
both samples (``np.histogram_bin_edges(..., bins="sturges")``), otherwise one bin per
value. ``psi`` uses 10 bins cut at the reference deciles, fixed by the reference, so the
profile stores them and PSI stays exact from a sketch. Empty bins: ``psi`` replaces a zero
share with epsilon = 1e-4; ``psi_evidently`` uses Evidently's rule (1e-4, or the smallest
non-zero share / 1e6 when that is below 1e-4); ``jensenshannon`` needs no epsilon.

``chisquare`` is the test of homogeneity on the 2 x k table of counts (scipy's
``chi2_contingency``, with its Yates correction when k = 2); Evidently instead runs a
goodness-of-fit test against the reference shares, which is infinite as soon as the
current data has a category the reference lacks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PSI_BINS = 10
PSI_EPSILON = 1e-4
EVIDENTLY_CATEGORY_LIMIT = 20  # Evidently bins numeric values only above 20 distinct ones


@dataclass(frozen=True)
class StatTest:
    name: str
    label: str
    kinds: tuple[str, ...]
    threshold: float
    pvalue: bool  # True: drift when the p-value is small; False: when the distance is large
    inclusive: bool = False  # KS drifts at p == threshold too (as in Evidently)

    def drifted(self, score: float, threshold: float) -> bool:
        if self.pvalue:
            return score <= threshold if self.inclusive else score < threshold
        return score >= threshold


TESTS = {
    t.name: t
    for t in (
        StatTest("ks", "K-S p-value", ("numeric",), 0.05, True, inclusive=True),
        StatTest("chisquare", "chi-square p-value", ("numeric", "categorical"), 0.05, True),
        StatTest("ztest", "Z-test p-value", ("numeric", "categorical"), 0.05, True),
        StatTest("wasserstein", "Wasserstein (normed)", ("numeric",), 0.1, False),
        StatTest("jensenshannon", "Jensen-Shannon distance", ("numeric", "categorical"), 0.1, False),
        StatTest("psi", "PSI (reference deciles)", ("numeric", "categorical"), 0.1, False),
        StatTest("psi_evidently", "PSI (Evidently bins)", ("numeric", "categorical"), 0.1, False),
    )
}


def default_test(kind: str, n_reference: int, n_values: int) -> str:
    """Evidently's default test for a column (see the module docstring)."""
    if n_reference <= 1000:
        if kind == "numeric" and n_values > 5:
            return "ks"
        return "chisquare" if n_values > 2 else "ztest"
    if kind == "numeric" and n_values > 5:
        return "wasserstein"
    return "jensenshannon"


# -- p-values ---------------------------------------------------------------------------


def ks_pvalue(d: float, n: int, m: int) -> float:
    """The p-value ``scipy.stats.ks_2samp(method="auto")`` gives for statistic ``d``."""
    if max(n, m) <= 10000:
        try:  # scipy's own exact computation, so p-values agree to the last digit
            from scipy.stats._stats_py import _attempt_exact_2kssamp

            ok, _, prob = _attempt_exact_2kssamp(n, m, math.gcd(n, m), d, "two-sided")
            if ok:
                return float(np.clip(prob, 0, 1))
        except ImportError:  # a scipy without the helper: the asymptotic value below
            pass
    big, small = sorted([float(n), float(m)], reverse=True)
    return kolmogorov_sf(d, int(np.round(big * small / (big + small))))


def kolmogorov_sf(x: float, n: int) -> float:
    """``scipy.stats.kstwo.sf(x, n)``, with its slowest branch vectorised.

    For n*x^2 in [2.2, 370) scipy evaluates 2 * ``scipy.special.smirnov(n, x)``, an exact
    sum of about n terms in a scalar loop (0.7 s at n = 500,000). The same sum in log space
    over a NumPy array gives the same value to about 1e-10 relative, 20 times faster; every
    other branch is scipy's own.
    """
    from scipy.stats import kstwo

    t = n * x
    if 0 < x < 0.5 and n > 140 and 1 < t < n - 1 and 2.2 <= t * x:
        if t * x >= 370.0:
            return 0.0
        return float(np.clip(2 * _smirnov(n, x), 0, 1))
    return float(np.clip(kstwo.sf(x, n), 0, 1))


def _smirnov(n: int, d: float) -> float:
    """One-sided P(D+_n >= d) by the Birnbaum-Tingey sum, term by term in log space."""
    from scipy.special import gammaln

    j = np.arange(int(np.floor(n * (1 - d))) + 1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_terms = (
            gammaln(n + 1)
            - gammaln(j + 1)
            - gammaln(n - j + 1)
            + (n - j) * np.log(1 - d - j / n)
            + (j - 1) * np.log(d + j / n)
        )
    return float(d * np.nan_to_num(np.exp(log_terms)).sum())


def chisquare(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[float, float]:
    """(statistic, p-value) of the homogeneity test on the 2 x k table."""
    from scipy.stats import chi2_contingency

    if len(ref_counts) < 2:
        return 0.0, 1.0
    result = chi2_contingency(np.vstack([ref_counts, cur_counts]))
    return float(result.statistic), float(result.pvalue)


def ztest(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[float, float]:
    """(z, p-value) of the two-proportion z-test on the first category (Evidently's)."""
    from scipy.stats import norm

    if len(ref_counts) > 2:
        raise ValueError("ztest compares two categories")
    n1, n2 = ref_counts.sum(), cur_counts.sum()
    if len(ref_counts) < 2:
        return 0.0, 1.0
    p1, p2 = ref_counts[1] / n1, cur_counts[1] / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(z), float(2 * (1 - norm.cdf(abs(z))))


def jensenshannon(ref_share: np.ndarray, cur_share: np.ndarray) -> float:
    from scipy.spatial.distance import jensenshannon as js

    return float(js(ref_share, cur_share))


def psi(ref_share: np.ndarray, cur_share: np.ndarray, evidently: bool = False) -> float:
    """Population stability index sum((r - c) * ln(r / c)) with zero shares filled."""
    ref_share = _fill_zeroes(ref_share, evidently)
    cur_share = _fill_zeroes(cur_share, evidently)
    return float(np.sum((ref_share - cur_share) * np.log(ref_share / cur_share)))


def _fill_zeroes(share: np.ndarray, evidently: bool) -> np.ndarray:
    share = np.asarray(share, dtype=np.float64).copy()
    zero = share == 0
    if not zero.any():
        return share
    fill = PSI_EPSILON
    if evidently and (~zero).any():
        smallest = share[~zero].min()
        fill = smallest / 10**6 if smallest <= PSI_EPSILON else PSI_EPSILON
    share[zero] = fill
    return share
