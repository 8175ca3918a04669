"""What a user sees from drift(): test choice, verdict, missing values, roles, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput


def test_default_tests_follow_evidently_by_size_and_type(mixed_frames, rng):
    ref, cur = mixed_frames
    small = mlops.drift(ref, cur)
    assert {c.column: c.test for c in small.columns if c.computed} == {
        "age": "ks",
        "income": "ks",
        "plan": "chisquare",
        "churned": "ztest",
        "proba": "ks",
    }
    big_ref = pd.concat([ref] * 2, ignore_index=True)  # 1,200 rows: above Evidently's 1,000
    big = mlops.drift(big_ref, cur)
    assert {c.column: c.test for c in big.columns if c.computed} == {
        "age": "wasserstein",
        "income": "wasserstein",
        "plan": "jensenshannon",
        "churned": "jensenshannon",
        "proba": "wasserstein",
    }
    # a numeric column with few values is tested like a categorical one
    few = pd.DataFrame({"rating": rng.integers(1, 5, 300)})
    assert mlops.drift(few, few)["rating"].test == "chisquare"


def test_verdict_share_and_threshold_are_configurable(mixed_frames):
    ref, cur = mixed_frames
    report = mlops.drift(ref, cur)
    assert set(report.drifted_columns) == {"age", "plan", "proba"}
    assert report.share == pytest.approx(3 / 5)  # constant and all-NaN columns are not counted
    assert report.drifted is True
    assert mlops.drift(ref, cur, drift_share=0.8).drifted is False
    loose = mlops.drift(ref, cur, thresholds={"age": 1e-300})
    assert loose["age"].drifted is False and loose["age"].threshold == 1e-300


def test_per_column_test_overrides(mixed_frames):
    ref, cur = mixed_frames
    report = mlops.drift(ref, cur, tests={"age": "psi", "plan": "jensenshannon"}, threshold=0.2)
    assert report["age"].test == "psi" and report["age"].threshold == 0.2
    assert report["plan"].test == "jensenshannon"
    assert report["income"].test == "ks"


def test_constant_and_all_missing_columns_are_visible_not_computable(mixed_frames):
    ref, cur = mixed_frames
    report = mlops.drift(ref, cur)
    constant, empty = report["constant"], report["empty"]
    assert constant.drifted is None and "constant in the reference" in constant.reason
    assert empty.drifted is None and "all values missing" in empty.reason
    frame = report.to_frame()
    assert frame.loc["constant", "reason"].startswith("constant")
    assert any("no drift computable" in note for note in report.notes)


def test_missing_share_change_and_unseen_categories(mixed_frames):
    ref, cur = mixed_frames
    report = mlops.drift(ref, cur)
    income = report["income"]
    assert income.reference_missing == 0
    assert income.current_missing == pytest.approx(151 / 600)
    assert report.to_frame().loc["income", "missing_change"] == pytest.approx(151 / 600)
    plan = report["plan"]
    assert plan.unseen == ["enterprise"]
    assert plan.unseen_share == pytest.approx((cur.plan == "enterprise").mean())


def test_prediction_and_target_drift_are_reported_apart(mixed_frames):
    ref, cur = mixed_frames
    report = mlops.drift(ref, cur, prediction="proba", target="churned")
    assert report.prediction_drift.column == "proba" and report.prediction_drift.drifted is True
    assert report.target_drift.column == "churned" and report.target_drift.drifted is False
    assert "proba" not in report.drifted_columns  # features only in the data-set share
    assert report.share == pytest.approx(2 / 3)


def test_no_drift_between_halves_of_the_same_data(breast_cancer):
    ref, cur = breast_cancer.iloc[::2], breast_cancer.iloc[1::2]
    report = mlops.drift(ref, cur, target="target")
    assert report.drifted is False
    assert report.share < 0.2


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda r, c: (r, c.drop(columns=["age"])), "different columns"),
        (lambda r, c: (r, c.iloc[:0]), "current has no rows"),
        (lambda r, c: (r.iloc[:0], c), "reference has no rows"),
        (lambda r, c: (r.to_numpy(), c), "reference must be a pandas DataFrame, got ndarray"),
        (lambda r, c: (r, c["age"]), "current must be a pandas DataFrame, got Series"),
        (lambda r, c: (r, c.assign(plan=[1, "a"] * 300)), "mixes value types"),
        (lambda r, c: (r, c.assign(age=c.age.astype(str))), "numeric in the reference but categorical"),
    ],
)
def test_bad_input_gets_a_clear_error(mixed_frames, make, message):
    ref, cur = make(*mixed_frames)
    with pytest.raises(BadInput, match=message) as info:
        mlops.drift(ref, cur)
    assert info.value.detail  # says what is accepted


def test_bad_options_name_what_is_accepted(mixed_frames):
    ref, cur = mixed_frames
    with pytest.raises(BadInput, match="unknown drift test 'kolmogorov'") as info:
        mlops.drift(ref, cur, test="kolmogorov")
    assert "ks" in info.value.detail
    with pytest.raises(BadInput, match="does not apply to categorical column 'plan'"):
        mlops.drift(ref, cur, tests={"plan": "ks"})
    with pytest.raises(BadInput, match="at most two values"):
        mlops.drift(ref, cur, tests={"plan": "ztest"})
    with pytest.raises(BadInput, match="unknown columns: nope"):
        mlops.drift(ref, cur, thresholds={"nope": 0.1})
    with pytest.raises(BadInput, match="prediction column 'score'"):
        mlops.drift(ref, cur, prediction="score")
    with pytest.raises(BadInput, match="drift_share"):
        mlops.drift(ref, cur, drift_share=0)


def test_columns_selects_a_common_subset(mixed_frames):
    ref, cur = mixed_frames
    report = mlops.drift(ref, cur.assign(extra=1), columns=["age", "plan"])
    assert [c.column for c in report.columns] == ["age", "plan"]


def test_infinite_values_count_as_missing(rng):
    ref = pd.DataFrame({"x": rng.normal(size=200)})
    cur = pd.DataFrame({"x": np.r_[rng.normal(size=190), [np.inf] * 5, [-np.inf] * 5]})
    result = mlops.drift(ref, cur)["x"]
    assert result.current_missing == pytest.approx(10 / 200)
    assert result.n_current == 190
