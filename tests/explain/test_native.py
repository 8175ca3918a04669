"""LightGBM and XGBoost explained by their own TreeSHAP: shap's values, every sampled row, same widget."""

from __future__ import annotations

import numpy as np
import pytest

import mlops_jupyter as mlops


def shap_tree_values(model, rows):
    """shap's TreeExplainer on the same rows, as (rows, features, outputs) and (rows, outputs)."""
    import shap

    result = shap.TreeExplainer(model)(rows)
    values = np.asarray(result.values, dtype=np.float64)
    base = np.broadcast_to(
        np.asarray(result.base_values, dtype=np.float64), values.shape[:1] + values.shape[2:]
    )
    return (values[:, :, None], base[:, None]) if values.ndim == 2 else (values, base)


def boosted(library, task, X, y):
    if library == "lightgbm":
        import lightgbm

        kind = lightgbm.LGBMRegressor if task == "regression" else lightgbm.LGBMClassifier
        return kind(n_estimators=25, verbose=-1).fit(X, y)
    import xgboost

    kind = xgboost.XGBRegressor if task == "regression" else xgboost.XGBClassifier
    return kind(n_estimators=25, max_depth=3).fit(X, y)


@pytest.mark.parametrize("library", ["lightgbm", "xgboost"])
@pytest.mark.parametrize("task", ["regression", "multiclass"])
def test_native_values_are_shaps_tree_values_and_add_up(library, task, diabetes, wine):
    X, y = diabetes if task == "regression" else wine
    model = boosted(library, task, X, y)
    exp = mlops.explain(model, X)
    assert exp.explainer == "tree" and exp.output == ("prediction" if task == "regression" else "log-odds")
    values, base = shap_tree_values(model, exp.data)
    np.testing.assert_allclose(exp.values, values, atol=1e-6)
    np.testing.assert_allclose(exp.base_values, base, atol=1e-6)
    margin = model.predict(exp.data, raw_score=True) if library == "lightgbm" else None
    if library == "xgboost":
        margin = model.predict(exp.data, output_margin=True)
    total = exp.base_values + exp.values.sum(axis=1)
    np.testing.assert_allclose(
        total, np.asarray(margin).reshape(total.shape), rtol=1e-6, atol=1e-5
    )  # float32


def test_boosters_explain_every_sampled_row_whatever_the_budget():
    """A budget that leaves shap's explainer its first 100 rows only still gets the booster 2,000."""
    import lightgbm
    import pandas as pd

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(30_000, 20)), columns=[f"f{i}" for i in range(20)])
    y = X.f0 + X.f1 * X.f2 + rng.normal(size=len(X))
    model = lightgbm.LGBMRegressor(n_estimators=100, verbose=-1).fit(X, y)
    exp = mlops.explain(model, X, time_budget=0.001)
    assert exp.n_rows == 2000 and exp.sampled and exp.n_total == 30_000
    assert exp.data.index.is_monotonic_increasing and exp.data.equals(X.loc[exp.data.index])
    total = exp.base_values[:, 0] + exp.values[:, :, 0].sum(axis=1)
    np.testing.assert_allclose(total, model.predict(exp.data), atol=1e-6)
    widget = exp.widget()
    assert widget.beeswarm.data[0].x.shape[0] == 2000 * 10
