"""Our statistics equal scipy's on the same inputs, across random inputs with ties, NaN and -0.0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance

import mlops_jupyter as mlops
from mlops_jupyter.monitoring import sorted_stats as kernels
from mlops_jupyter.monitoring import stattests


def samples(rng, case: int):
    """A pair of 1-D samples of one of several shapes, sizes differing."""
    n, m = rng.integers(5, 400, size=2)
    kind = case % 5
    if kind == 0:  # continuous, shifted and scaled
        a, b = rng.normal(size=n), rng.normal(0.3, 1.5, size=m)
    elif kind == 1:  # heavy ties: small integers
        a, b = rng.integers(-3, 4, n).astype(float), rng.integers(-2, 5, m).astype(float)
    elif kind == 2:  # rounded heavy tails, ties across samples
        a, b = np.round(rng.standard_cauchy(n), 1), np.round(3 * rng.standard_cauchy(m))
    elif kind == 3:  # signed zeros and negatives only
        a, b = -rng.exponential(size=n), -rng.exponential(2, size=m)
        a[rng.random(n) < 0.3] = -0.0
        b[rng.random(m) < 0.3] = 0.0
    else:  # identical samples
        a = rng.normal(size=n)
        b = a.copy()
    return a, b


@pytest.mark.parametrize("case", range(40))
def test_ks_and_wasserstein_equal_scipy(case):
    rng = np.random.default_rng(case)
    a, b = samples(rng, case)
    ws = kernels.Workspace()
    ra, rb = kernels.sorted_finite(a), kernels.sorted_finite(b)
    expected = ks_2samp(a, b)
    d = kernels.ks_statistic(ra, rb, ws)
    assert d == pytest.approx(expected.statistic, abs=1e-12)
    assert stattests.ks_pvalue(d, len(a), len(b)) == pytest.approx(expected.pvalue, abs=1e-9)
    assert kernels.wasserstein(ra, rb) == pytest.approx(wasserstein_distance(a, b), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("n", [10_001, 30_000])
def test_large_sample_ks_pvalue_equals_scipy_asymptotic(n):
    rng = np.random.default_rng(n)
    a, b = rng.normal(size=n), rng.normal(0.02, 1, size=n + 7)
    expected = ks_2samp(a, b)
    d = kernels.ks_statistic(kernels.sorted_finite(a), kernels.sorted_finite(b), kernels.Workspace())
    assert d == pytest.approx(expected.statistic, abs=1e-12)
    assert stattests.ks_pvalue(d, len(a), len(b)) == pytest.approx(expected.pvalue, abs=1e-9)


def test_smirnov_tail_equals_scipy_kstwo():
    from scipy.stats import kstwo

    for n in (141, 2_000, 60_000, 400_000):
        for d in np.linspace(1e-4, 0.45, 60):
            assert stattests.kolmogorov_sf(d, n) == pytest.approx(kstwo.sf(d, n), abs=1e-9)


@pytest.mark.parametrize("case", range(12))
def test_drift_scores_equal_scipy_through_the_public_api(case):
    """drift() with each test gives scipy's numbers for the same columns (NaN dropped)."""
    rng = np.random.default_rng(100 + case)
    a, b = samples(rng, case)
    a[rng.random(len(a)) < 0.1] = np.nan
    ref, cur = pd.DataFrame({"x": a}), pd.DataFrame({"x": b})
    if np.unique(a[~np.isnan(a)]).size < 2:  # a constant reference: shown, not tested
        assert mlops.drift(ref, cur, test="ks")["x"].drifted is None
        return
    fa, fb = a[~np.isnan(a)], b[~np.isnan(b)]
    ks = mlops.drift(ref, cur, test="ks")["x"]
    assert ks.statistic == pytest.approx(ks_2samp(fa, fb).statistic, abs=1e-12)
    assert ks.score == pytest.approx(ks_2samp(fa, fb).pvalue, abs=1e-9)
    w = mlops.drift(ref, cur, test="wasserstein")["x"]
    assert w.score == pytest.approx(wasserstein_distance(fa, fb) / max(np.std(fa), 0.001), rel=1e-9)
    js = mlops.drift(ref, cur, test="jensenshannon")["x"]
    assert js.score == pytest.approx(jensenshannon(*evidently_shares(fa, fb)), abs=1e-12)


def evidently_shares(a, b):
    """Evidently's binning, written out with NumPy: Sturges bins if > 20 values, else per value."""
    if np.unique(a).size > 20:
        edges = np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")
        return np.histogram(a, edges)[0] / len(a), np.histogram(b, edges)[0] / len(b)
    keys = np.union1d(a, b)
    return (
        np.array([(a == k).sum() for k in keys]) / len(a),
        np.array([(b == k).sum() for k in keys]) / len(b),
    )


@pytest.mark.parametrize("seed", range(10))
def test_chisquare_equals_chi2_contingency_and_unseen_categories_count(seed):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({"c": rng.choice(list("abcd"), 300, p=[0.4, 0.3, 0.2, 0.1])})
    cur = pd.DataFrame({"c": rng.choice(list("abcde"), 200)})
    result = mlops.drift(ref, cur, test="chisquare")["c"]
    keys = sorted(set(ref.c) | set(cur.c))
    table = [[(ref.c == k).sum() for k in keys], [(cur.c == k).sum() for k in keys]]
    expected = chi2_contingency(table)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert result.score == pytest.approx(expected.pvalue, abs=1e-12)
    assert result.unseen == ["e"]
    assert result.unseen_share == pytest.approx((cur.c == "e").mean())


def test_psi_conventions_documented_bins_and_epsilon(rng):
    a, b = rng.normal(size=5000), rng.normal(0.5, 1, size=3000)
    ref, cur = pd.DataFrame({"x": a}), pd.DataFrame({"x": b})
    # ours: 10 bins cut at the reference deciles, empty shares -> 1e-4
    edges = np.unique(np.quantile(a, np.arange(1, 10) / 10))
    ref_share = np.bincount(np.searchsorted(edges, a, side="left"), minlength=10) / len(a)
    cur_share = np.bincount(np.searchsorted(edges, b, side="left"), minlength=10) / len(b)
    expected = np.sum((ref_share - cur_share) * np.log(ref_share / cur_share))
    assert mlops.drift(ref, cur, test="psi")["x"].score == pytest.approx(expected, rel=1e-9)
    # Evidently's: Sturges bins over both samples, zero shares filled by its rule
    r, c = evidently_shares(a, b)
    r, c = stattests._fill_zeroes(r, True), stattests._fill_zeroes(c, True)
    expected = np.sum((r - c) * np.log(r / c))
    assert mlops.drift(ref, cur, test="psi_evidently")["x"].score == pytest.approx(expected, rel=1e-9)


def test_ztest_matches_the_two_proportion_formula(rng):
    ref = pd.DataFrame({"flag": rng.random(800) < 0.3})
    cur = pd.DataFrame({"flag": rng.random(500) < 0.4})
    result = mlops.drift(ref, cur)["flag"]
    assert result.test == "ztest"
    p1, p2 = ref.flag.mean(), cur.flag.mean()
    pooled = (p1 * 800 + p2 * 500) / 1300
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / 800 + 1 / 500))
    from scipy.stats import norm

    assert result.score == pytest.approx(2 * (1 - norm.cdf(abs(z))), abs=1e-12)
