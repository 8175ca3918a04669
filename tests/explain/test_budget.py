"""Explaining within a time budget: a sample sized to the explainer's speed, still exact SHAP values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput


@pytest.fixture(scope="module")
def big():
    """20,000 rows x 12 features and a random forest (path-dependent tree SHAP: slow per row)."""
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(20_000, 12)), columns=[f"f{i}" for i in range(12)])
    y = (X.f0 + X.f1 * X.f2 + rng.normal(size=len(X)) > 0).astype(int)
    model = RandomForestClassifier(n_estimators=30, max_depth=8, random_state=0, n_jobs=1).fit(X, y)
    return model, X


def adds_up(exp, model) -> float:
    """The largest gap between SHAP values plus base value and the predicted probability."""
    rows = exp.data
    total = exp.values[:, :, 0].sum(axis=1) + exp.base_values[:, 0]
    return float(np.abs(total - model.predict_proba(rows)[:, 1]).max())


def test_the_default_explains_a_sample_that_fits_the_budget_and_still_adds_up(big):
    model, X = big
    exp = mlops.explain(model, X, time_budget=0.5)
    assert 100 <= exp.n_rows <= 2000 and exp.sampled and exp.n_total == 20_000
    assert exp.data.index.is_monotonic_increasing  # the rows in their original order...
    assert exp.data.equals(X.loc[exp.data.index])  # ...with their own values
    assert adds_up(exp, model) < 1e-6  # each row's values sum to its prediction


def test_a_larger_budget_explains_more_rows(big):
    model, X = big
    small = mlops.explain(model, X, time_budget=0.05)
    large = mlops.explain(model, X, time_budget=3.0)
    assert small.n_rows == 100 or small.n_rows < large.n_rows
    assert large.n_rows > small.n_rows
    assert adds_up(large, model) < 1e-6


def test_max_rows_explains_exactly_that_many_rows_whatever_the_budget(big):
    model, X = big
    exp = mlops.explain(model, X, max_rows=300, time_budget=0.01)
    assert exp.n_rows == 300
    assert adds_up(exp, model) < 1e-6


@pytest.mark.parametrize("budget", [0, -1, "2", True, float("nan"), 10_000])
def test_a_bad_budget_is_refused(big, budget):
    model, X = big
    with pytest.raises(BadInput, match="time_budget"):
        mlops.explain(model, X.iloc[:50], time_budget=budget)
