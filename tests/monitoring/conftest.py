"""Data for drift tests: generated frames and scikit-learn's bundled data sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.fixture
def mixed_frames(rng):
    """A reference and a current frame with numeric, categorical, binary and broken columns."""
    n = 600
    ref = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "income": rng.lognormal(10, 1, n),
            "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.6, 0.3, 0.1]),
            "churned": rng.random(n) < 0.2,
            "proba": rng.random(n),
            "constant": np.full(n, 3.0),
            "empty": np.full(n, np.nan),
        }
    )
    cur = ref.copy()
    cur["age"] = rng.normal(48, 10, n)  # shifted
    cur["plan"] = rng.choice(["basic", "plus", "pro", "enterprise"], n, p=[0.3, 0.3, 0.2, 0.2])
    cur["proba"] = rng.random(n) ** 2
    cur.loc[: n // 4, "income"] = np.nan  # a quarter goes missing
    return ref, cur


@pytest.fixture
def breast_cancer():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.assign(target=y)
