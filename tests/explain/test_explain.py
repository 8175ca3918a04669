"""explain(): the right explainer per model, values in the stated units that add up, sampling, errors."""

from __future__ import annotations

import numpy as np
import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput


def total(exp):
    """What the SHAP values add up to per row and class: base + sum over features."""
    return exp.base_values + exp.values.sum(axis=1)


def test_forest_classifier_explains_positive_class_probability(forest, cancer):
    X, _ = cancer
    exp = mlops.explain(forest, X, max_rows=120)
    assert (exp.explainer, exp.output, exp.classes) == ("tree", "probability", [1])
    assert exp.values.shape == (120, X.shape[1], 1)
    np.testing.assert_allclose(total(exp)[:, 0], forest.predict_proba(exp.data)[:, 1], atol=1e-6)
    assert exp.importance().index[0] in X.columns


@pytest.mark.parametrize("library", ["lightgbm", "xgboost"])
def test_boosted_binary_classifiers_explain_probability(library, cancer):
    X, y = cancer
    if library == "lightgbm":
        import lightgbm

        model = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(X, y)
    else:
        import xgboost

        model = xgboost.XGBClassifier(n_estimators=20, max_depth=3).fit(X, y)
    exp = mlops.explain(model, X, max_rows=80)
    assert (exp.explainer, exp.output) == ("tree", "probability")
    np.testing.assert_allclose(total(exp)[:, 0], model.predict_proba(exp.data)[:, 1], atol=1e-5)


def test_multiclass_boosting_explains_each_class_in_log_odds(wine):
    import xgboost

    X, y = wine
    model = xgboost.XGBClassifier(n_estimators=15, max_depth=3).fit(X, y)
    exp = mlops.explain(model, X)
    assert (exp.explainer, exp.output, exp.classes) == ("tree", "log-odds", [0, 1, 2])
    assert not exp.sampled
    np.testing.assert_allclose(total(exp), model.predict(X, output_margin=True), atol=1e-4)
    assert exp.importance(cls=2).index[0] != "" and exp.for_class(2).values.shape == (len(X), X.shape[1])


def test_linear_models_use_the_linear_explainer(wine, diabetes):
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline  # noqa: F401

    X, y = diabetes
    ridge = Ridge().fit(X, y)
    exp = mlops.explain(ridge, X)
    assert (exp.explainer, exp.output, exp.classes) == ("linear", "prediction", ["prediction"])
    np.testing.assert_allclose(total(exp)[:, 0], ridge.predict(X), rtol=1e-6)
    Xw, yw = wine
    logit = LogisticRegression(max_iter=5000).fit(Xw, yw)
    exp = mlops.explain(logit, Xw)
    assert (exp.explainer, exp.output, len(exp.classes)) == ("linear", "log-odds", 3)


def test_other_models_use_permutation_with_a_small_background(wine):
    from sklearn.neighbors import KNeighborsClassifier

    X, y = wine
    X = X.iloc[:, :5]
    model = KNeighborsClassifier().fit(X, y)
    exp = mlops.explain(model, X, max_rows=12)
    assert (exp.explainer, exp.output, exp.classes) == ("permutation", "probability", [0, 1, 2])
    np.testing.assert_allclose(total(exp), model.predict_proba(exp.data), atol=1e-9)


def test_rows_beyond_max_rows_are_sampled_and_said(forest, cancer):
    X, _ = cancer
    exp = mlops.explain(forest, X, max_rows=50, random_state=3)
    assert exp.sampled and exp.n_rows == 50 and exp.n_total == len(X)
    assert set(exp.data.index) <= set(X.index)
    assert "random sample of 50 of 569 rows" in exp.widget().header.value
    assert mlops.explain(forest, X, max_rows=50, random_state=3).data.index.equals(exp.data.index)


def test_keeps_shaps_explanation(forest, cancer):
    import shap

    X, _ = cancer
    exp = mlops.explain(forest, X.iloc[:30])
    assert isinstance(exp.shap, shap.Explanation)
    assert exp.shap.values.shape == (30, X.shape[1]) and exp.shap.feature_names == list(X.columns)


def test_numpy_input_gets_feature_names(forest, cancer, diabetes):
    from sklearn.linear_model import Ridge

    X, _ = cancer
    exp = mlops.explain(forest, X.to_numpy()[:20])  # fitted on a frame: its names
    assert exp.feature_names == list(X.columns)
    Xd, yd = diabetes
    ridge = Ridge().fit(Xd.to_numpy(), yd)  # fitted on an array: positional names
    assert mlops.explain(ridge, Xd.to_numpy()[:20]).feature_names[:2] == ["x0", "x1"]


def test_the_public_name_stays_callable_after_submodule_imports(forest, cancer):
    import mlops_jupyter.explain.choose  # noqa: F401  (binds the package over the function)

    assert mlops.explain(forest, cancer[0].iloc[:5]).n_rows == 5


def test_bad_input_gets_clear_errors(forest, cancer):
    from sklearn.ensemble import RandomForestClassifier

    X, _ = cancer
    with pytest.raises(BadInput, match="not a model SHAP can explain"):
        mlops.explain(object(), X)
    with pytest.raises(BadInput, match="RandomForestClassifier is not fitted"):
        mlops.explain(RandomForestClassifier(), X)
    with pytest.raises(BadInput, match="must be a pandas DataFrame or a 2-D array, got list"):
        mlops.explain(forest, [[1, 2, 3]])
    with pytest.raises(BadInput, match="X is empty"):
        mlops.explain(forest, X.iloc[:0])
    with pytest.raises(BadInput, match="max_rows"):
        mlops.explain(forest, X, max_rows=0)
    text = X.iloc[:10].astype(str).assign(**{X.columns[0]: "high"})
    with pytest.raises(BadInput, match="SHAP cannot explain RandomForestClassifier") as info:
        mlops.explain(forest, text)
    assert "numeric features" in info.value.detail


def test_log_writes_shap_metrics_and_artifacts(mlops_home, client, forest, cancer, tmp_path):
    from mlops_jupyter.explain import Explanation

    X, _ = cancer
    exp = mlops.explain(forest, X, max_rows=60)
    with mlops.track(experiment="explain") as run:
        exp.log()
    mlops.flush()
    metrics = client.get_run(run.run_id).data.metrics
    top = exp.importance()
    assert metrics[f"shap.{top.index[0]}"] == pytest.approx(top.iloc[0])
    assert sum(k.startswith("shap.") for k in metrics) == X.shape[1]
    local = client.download_artifacts(run.run_id, "explain", str(tmp_path))
    again = Explanation.load(f"{local}/explanation.json")
    np.testing.assert_allclose(again.values, exp.values)
    assert list(again.data.index) == list(exp.data.index)
    assert again.widget().waterfall.data  # re-renders without the model
    html = open(f"{local}/report.html", encoding="utf-8").read()
    assert "plotly.js v" in html and "Explained a random sample of 60 of 569 rows" in html


def test_multiclass_metrics_are_per_class(wine):
    from sklearn.ensemble import RandomForestClassifier

    X, y = wine
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    metrics = mlops.explain(model, X, max_rows=40).metrics()
    assert len(metrics) == 3 * X.shape[1]
    assert "shap.0.proline" in metrics and "shap.2.proline" in metrics


def test_probabilities_that_do_not_add_up_fall_back_to_log_odds(cancer):
    """shap's interventional probabilities for histogram boosting miss predict_proba: say log-odds."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = cancer
    model = HistGradientBoostingClassifier(max_iter=20).fit(X, y)
    exp = mlops.explain(model, X, max_rows=60)
    assert (exp.explainer, exp.output) == ("tree", "log-odds")
    np.testing.assert_allclose(total(exp)[:, 0], model.decision_function(exp.data), atol=1e-4)
    assert "log-odds" in exp.widget().importance.layout.xaxis.title.text
