"""Reference profiles: computed once, saved, reused; exact by default, sketches within their bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput, NotFound


def test_saved_profile_gives_the_same_report_as_the_reference(mixed_frames, tmp_path):
    ref, cur = mixed_frames
    path = mlops.drift_profile(ref).save(tmp_path / "reference.npz")
    direct = mlops.drift(ref, cur, prediction="proba")
    again = mlops.drift(path, cur, prediction="proba")
    assert again.to_dict() == direct.to_dict()
    assert mlops.drift(str(path), cur, prediction="proba").share == direct.share
    loaded = mlops.load_drift_profile(path)
    assert loaded.n_rows == len(ref) and list(loaded.columns) == list(ref.columns)


def test_sketch_is_small_and_within_its_documented_bounds(rng, tmp_path):
    n = 50_000
    ref = pd.DataFrame({"x": rng.gamma(2, size=n), "k": rng.integers(0, 4, n)})
    cur = pd.DataFrame({"x": rng.gamma(2.2, size=20_000), "k": rng.integers(0, 4, 20_000)})
    exact = mlops.drift_profile(ref)
    sketch = mlops.drift_profile(ref, sketch=1000)
    assert sketch.nbytes < exact.nbytes / 20
    path = sketch.save(tmp_path / "sketch.npz")
    for test in ("ks", "wasserstein", "psi"):
        want = mlops.drift(exact, cur, tests={"x": test})["x"]
        got = mlops.drift(path, cur, tests={"x": test})["x"]
        if test == "ks":
            assert abs(got.statistic - want.statistic) <= 0.5 / 1000 + 1e-12
            assert got.exact is False
        elif test == "wasserstein":
            assert abs(got.statistic - want.statistic) <= sketch.columns["x"].w_error + 1e-12
        else:  # decile bins and their counts are kept exactly
            assert got.score == pytest.approx(want.score, rel=1e-12) and got.exact is True
    low_card = mlops.drift(path, cur)["k"]  # counts per value are kept: exact
    assert low_card.exact and low_card.score == mlops.drift(ref, cur)["k"].score
    assert any("sketch of 1,000 quantiles" in note for note in mlops.drift(path, cur).notes)


def test_profile_errors(tmp_path, mixed_frames):
    with pytest.raises(NotFound, match="no drift profile"):
        mlops.drift(tmp_path / "missing.npz", mixed_frames[1])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(BadInput, match="is not a drift profile"):
        mlops.load_drift_profile(bad)
    with pytest.raises(BadInput, match="sketch=10 is too small"):
        mlops.drift_profile(mixed_frames[0], sketch=10)
    with pytest.raises(BadInput, match=r"chisquare.*sketched profile"):
        n = 5000
        ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=n)})
        mlops.drift(mlops.drift_profile(ref, sketch=200), ref, test="chisquare")
