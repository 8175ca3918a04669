"""mlops.fairness with real fairlearn: per-group rates and gaps, logging, the promotion rule form."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_ratio
from sklearn.linear_model import LogisticRegression

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput
from mlops_jupyter.registry import rules


@pytest.fixture(scope="module")
def fitted():
    """A model that never sees gender, on data where churn depends on it."""
    rng = np.random.default_rng(1)
    n = 3000
    X = pd.DataFrame({"usage": rng.normal(size=n), "gender": rng.choice(["f", "m"], n, p=[0.4, 0.6])})
    X["usage"] += np.where(X.gender == "m", 0.7, 0.0)
    y = ((X.usage + rng.normal(scale=0.6, size=n)) > 0.5).astype(int)
    model = LogisticRegression().fit(X[["usage"]], y)
    return model, X, y


def test_per_group_rates_and_gaps_are_fairlearns(fitted):
    model, X, y = fitted
    report = mlops.fairness(model, X, y, sensitive="gender")

    predicted = model.predict(X[["usage"]])
    assert report.n_groups == 2
    for group in ("f", "m"):
        rows = (X.gender == group).to_numpy()
        assert report.by_group.loc[group, "count"] == rows.sum()
        assert report.by_group.loc[group, "selection_rate"] == pytest.approx(predicted[rows].mean())
        assert report.by_group.loc[group, "accuracy"] == pytest.approx((predicted[rows] == y[rows]).mean())
    assert report.gaps["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(y, predicted, sensitive_features=X.gender)
    )
    assert report.gaps["equalized_odds_ratio"] == pytest.approx(
        equalized_odds_ratio(y, predicted, sensitive_features=X.gender)
    )
    assert report.gaps["demographic_parity_difference"] > 0.1  # the data is built unfair


def test_an_aligned_series_or_predictions_made_elsewhere_work_too(fitted):
    model, X, y = fitted
    predicted = model.predict(X[["usage"]])
    by_series = mlops.fairness(model, X[["usage"]], y, sensitive=X.gender.rename("sex"))
    by_predictions = mlops.fairness(y=y, y_pred=predicted, sensitive=X.gender.to_numpy())
    assert by_series.sensitive == "sex"
    assert by_series.gaps == pytest.approx(by_predictions.gaps, nan_ok=True)


def test_hundreds_of_groups_are_reported_and_drawn_largest_first(fitted):
    model, X, y = fitted
    many = np.random.default_rng(2).integers(0, 300, len(X))
    report = mlops.fairness(model, X, y, sensitive=many)
    assert report.n_groups == 300 and report.by_group["count"].sum() == len(X)
    page = report.to_html()
    assert "the 40 largest of 300 groups" in page


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sensitive": "age"}, "sensitive column 'age' is not in X"),
        ({"sensitive": np.array(["f"] * 3000)}, "has a single group"),
        ({"sensitive": np.array(["f", None] * 1500, dtype=object)}, "has 1500 missing value"),
        ({"sensitive": np.arange(10)}, "has 10 values for 3000 rows"),
        ({"sensitive": np.arange(3000)}, "has 3,000 groups"),
        ({"sensitive": "gender", "y": np.tile([0, 1, 2], 1000)}, "more than two labels"),
        ({"sensitive": "gender", "y": np.full(3000, np.nan)}, "y has 3000 missing value"),
    ],
)
def test_bad_data_gets_a_message_naming_it(fitted, kwargs, message):
    model, X, y = fitted
    kwargs = {"y": y, **kwargs}
    with pytest.raises(BadInput, match=message):
        mlops.fairness(model, X, **kwargs)


def test_an_empty_frame_is_refused(fitted):
    model, X, y = fitted
    with pytest.raises(BadInput, match="y is empty"):
        mlops.fairness(model, X.iloc[:0], y.iloc[:0], sensitive="gender")


@pytest.mark.usefixtures("mlops_home")
def test_log_writes_gap_metrics_and_the_html_page(client, fitted):
    model, X, y = fitted
    with mlops.track(experiment="fair") as run:
        report = mlops.fairness(model, X, y, sensitive="gender").log()
        assert report.check("demographic_parity_difference", max_gap=0.05) is False
    mlops.flush()

    logged = client.get_run(run.run_id).data
    assert logged.metrics["fairness.demographic_parity_difference"] == pytest.approx(
        report.gaps["demographic_parity_difference"]
    )
    assert logged.tags["mlops.check.fairness.demographic_parity_difference"] == "failed"
    page = open(client.download_artifacts(run.run_id, "fairness/gender.html")).read()
    assert "Fairness by gender" in page and "plotly" in page
    saved = json.loads(open(client.download_artifacts(run.run_id, "fairness/gender.json")).read())
    assert {g["group"] for g in saved["groups"]} == {"f", "m"}


def test_the_promotion_rule_form_reads_the_logged_gap():
    rule = rules.parse("fairness.demographic_parity_difference<=0.1")
    fair = rules.check(rule, "2", {"fairness.demographic_parity_difference": 0.04}, {})
    unfair = rules.check(rule, "3", {"fairness.demographic_parity_difference": 0.23}, {})
    missing = rules.check(rule, "4", {"auc": 0.9}, {})
    assert fair.passed and not unfair.passed and not missing.passed
    assert "fairness.demographic_parity_difference of v3 is 0.23" in unfair.detail
    assert "has no metric 'fairness.demographic_parity_difference'" in missing.detail
