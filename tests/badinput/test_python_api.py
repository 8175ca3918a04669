"""Bad input to the Python API (``import mlops_jupyter as mlops``): the error class of its kind with a
message naming the input, never a raw TypeError or AttributeError, and nothing written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput, Conflict, Forbidden, GateRefused, NotFound

CRON = "0 3 * * *"


def _track(**kwargs):
    with mlops.track(**kwargs):
        pass


def _scheduler(**kwargs):
    from mlops_jupyter.jobs.scheduler import Scheduler

    return Scheduler(**kwargs)


def _rules(*add):
    from mlops_jupyter.registry import rules

    return rules.change("churn", "champion", list(add))


# (id, call, error class, words the message must contain)
CASES = [
    # -- running and tracking ------------------------------------------------------------------
    (
        "run-parameters-text",
        lambda: mlops.run("nb.ipynb", parameters="x"),
        BadInput,
        "parameters must be a mapping",
    ),
    ("run-parameters-list", lambda: mlops.run("nb.ipynb", parameters=[1]), BadInput, "got list"),
    ("run-target-number", lambda: mlops.run(3), BadInput, "must be a path, got 3"),
    ("run-target-empty", lambda: mlops.run(""), BadInput, "must be a path"),
    (
        "run-cell-timeout-nan",
        lambda: mlops.run("nb.ipynb", cell_timeout=float("nan")),
        BadInput,
        "--cell-timeout",
    ),
    ("sweep-grid-text", lambda: mlops.sweep("nb.ipynb", grid="x"), BadInput, "grid must be a mapping"),
    (
        "sweep-points-mapping",
        lambda: mlops.sweep("nb.ipynb", points={"x": 1}),
        BadInput,
        "points must be a list",
    ),
    ("sweep-empty-values", lambda: mlops.sweep("nb.ipynb", grid={"x": []}), BadInput, "has no values"),
    ("validate-wrong-type", lambda: mlops.validate("nb.ipynb", {"x": "many"}), BadInput, "expects an int"),
    ("validate-require-nan", lambda: mlops.validate("nb.ipynb", require=["auc>=nan"]), BadInput, "finite"),
    (
        "track-params-list",
        lambda: _track(params=[1, 2]),
        BadInput,
        "params must be a mapping of names to values, got list",
    ),
    ("track-tags-text", lambda: _track(tags="team=a"), BadInput, "tags must be a mapping"),
    ("log-outside-a-run", lambda: mlops.log_metric("auc", 0.9), BadInput, "no active run"),
    ("runs-experiment-number", lambda: mlops.runs(experiment=3), BadInput, "by name or id, as text"),
    ("runs-count-text", lambda: mlops.runs(max_results="x"), BadInput, "got 'x'"),
    # -- registry -----------------------------------------------------------------------------------
    ("promote-model-number", lambda: mlops.promote(3, 1, to="champion"), BadInput, "must be text, got int"),
    ("promote-alias-number", lambda: mlops.promote("churn", 1, to=5), BadInput, "an alias must be text"),
    ("promote-version-text", lambda: mlops.promote("churn", "abc"), BadInput, "invalid model version 'abc'"),
    ("promote-long-name", lambda: mlops.promote("m/" * 100_000, 1), BadInput, "200000 characters"),
    ("promote-unknown-version", lambda: mlops.promote("churn", 42, to="champion"), NotFound, "42"),
    ("promote-holder-again", lambda: mlops.promote("churn", 2, to="champion"), Conflict, "already holds"),
    (
        "promote-require-inf",
        lambda: mlops.promote("churn", 1, to="champion", require=["auc>=inf"]),
        BadInput,
        "finite number",
    ),
    ("rollback-no-history", lambda: mlops.rollback("churn", "challenger"), Conflict, "roll back"),
    ("register-bad-run", lambda: mlops.register("x" * 300, "churn"), BadInput, "invalid run id"),
    (
        "rule-unheld-alias",
        lambda: _rules("auc>=challenger"),
        BadInput,
        "no version of churn holds 'challenger'",
    ),
    ("rule-nan-word", lambda: _rules("auc>=NaN"), BadInput, "finite number"),
    ("card-unknown-version", lambda: mlops.model_card("churn", 99), NotFound, "99"),
    ("models-filter-number", lambda: mlops.models(filter=3), BadInput, "filter must be text, got int"),
    ("models-count-text", lambda: mlops.models(max_results="x"), BadInput, "got 'x'"),
    ("model-count-zero", lambda: mlops.model("churn", max_results=0), BadInput, "from 1 to 1000, got 0"),
    ("audit-limit-text", lambda: mlops.audit(limit="x"), BadInput, "limit must be a positive whole number"),
    ("audit-unknown-action", lambda: mlops.audit(action="deploy"), BadInput, "unknown audit action 'deploy'"),
    # -- jobs ------------------------------------------------------------------------------------------
    (
        "schedule-empty-name",
        lambda: mlops.schedule("nb.ipynb", CRON, name=""),
        BadInput,
        "invalid job name ''",
    ),
    (
        "schedule-nan-parameter",
        lambda: mlops.schedule("nb.ipynb", CRON, name="n1", parameters={"extra": float("nan")}),
        BadInput,
        "parameter 'extra' is not plain JSON",
    ),
    (
        "schedule-object-parameter",
        lambda: mlops.schedule("nb.ipynb", CRON, name="n2", parameters={"extra": object()}),
        BadInput,
        "parameter 'extra'",
    ),
    (
        "schedule-infinite-timeout",
        lambda: mlops.schedule("nb.ipynb", CRON, name="n3", timeout=float("inf")),
        BadInput,
        "finite duration",
    ),
    (
        "schedule-not-validated",
        lambda: mlops.schedule("draft.ipynb", CRON, name="n4"),
        GateRefused,
        "validated",
    ),
    ("history-limit-text", lambda: mlops.job_history("nightly", "x"), BadInput, "got 'x'"),
    ("history-limit-zero", lambda: mlops.job_history("nightly", 0), BadInput, "from 1 to 1000"),
    ("export-unwritable", lambda: mlops.export_job("nightly", "k8s", "/proc/x"), BadInput, "cannot write"),
    ("scheduler-no-workers", lambda: _scheduler(workers=0), BadInput, "workers must be a whole number"),
    ("scheduler-poll-zero", lambda: _scheduler(poll=0), BadInput, "poll must be a number from 0.05"),
    ("scheduler-kernels", lambda: _scheduler(kernels="thread"), BadInput, "spawn, fork"),
]


@pytest.mark.parametrize(("call", "error", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_python_api_refuses_bad_input_with_a_clear_error(call, error, words):
    with pytest.raises(error) as raised:
        call()

    assert type(raised.value) is error
    assert words in str(raised.value)
    assert len(str(raised.value)) < 1000


def test_a_viewer_cannot_promote_and_nothing_moves(world, monkeypatch):
    (world / "viewer.toml").write_text('[roles]\ndefault = "viewer"\n')
    monkeypatch.setenv("MLOPS_CONFIG", str(world / "viewer.toml"))
    try:
        with pytest.raises(Forbidden, match="carol is a viewer"):
            mlops.promote("churn", 1, to="champion", user="carol")
    finally:
        (world / "viewer.toml").unlink()


# -- data frames for drift and explain -----------------------------------------------------------------

RNG = np.random.default_rng(3)
REF = pd.DataFrame({"age": RNG.normal(40, 8, 120), "plan": RNG.choice(["a", "b"], 120)})


def _fitted():
    from sklearn.linear_model import LogisticRegression

    X = pd.DataFrame({"age": RNG.normal(40, 8, 80), "income": RNG.normal(5, 1, 80)})
    return LogisticRegression().fit(X, X.age > 40), X


def _unfitted():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression()


FRAMES = [
    ("drift-empty", lambda: mlops.drift(REF, REF.iloc[:0]), "current has no rows"),
    ("drift-no-columns", lambda: mlops.drift(REF, REF[[]]), "current has no"),
    ("drift-duplicate-columns", lambda: mlops.drift(REF, REF[["age", "age"]]), "duplicate column names: age"),
    ("drift-array", lambda: mlops.drift(REF, REF.to_numpy()), "must be a pandas DataFrame"),
    ("drift-other-columns", lambda: mlops.drift(REF, pd.DataFrame({"z": [1.0]})), "only in current: z"),
    (
        "drift-mixed-types",
        lambda: mlops.drift(*[pd.DataFrame({"a": [1, "x", 2.0]})] * 2),
        "mixes value types",
    ),
    ("drift-complex", lambda: mlops.drift(*[pd.DataFrame({"a": [1j, 2j]})] * 2), "complex numbers"),
    ("drift-kind-changes", lambda: mlops.drift(REF, REF.assign(age="old")), "numeric in the reference"),
    ("drift-threshold-nan", lambda: mlops.drift(REF, REF, threshold=float("nan")), "threshold nan"),
    ("drift-threshold-inf", lambda: mlops.drift(REF, REF, threshold=float("inf")), "finite"),
    ("drift-share-zero", lambda: mlops.drift(REF, REF, drift_share=0), "drift_share=0"),
    ("drift-unknown-test", lambda: mlops.drift(REF, REF, test="t-test"), "unknown drift test 't-test'"),
    ("drift-tests-a-list", lambda: mlops.drift(REF, REF, tests=["ks"]), "tests must map column names"),
    ("drift-thresholds-a-list", lambda: mlops.drift(REF, REF, thresholds=[0.1]), "thresholds must map"),
    ("drift-prediction-missing", lambda: mlops.drift(REF, REF, prediction="score"), "'score'"),
    ("drift-profile-missing", lambda: mlops.drift("nowhere.json", REF), "nowhere.json"),
    ("explain-unfitted", lambda: mlops.explain(_unfitted(), REF[["age"]]), "not fitted"),
    ("explain-empty", lambda: mlops.explain(_fitted()[0], _fitted()[1].iloc[:0]), "X is empty"),
    (
        "explain-nan",
        lambda: mlops.explain(_fitted()[0], _fitted()[1].assign(age=np.nan)),
        "missing or infinite",
    ),
    ("explain-inf", lambda: mlops.explain(_fitted()[0], _fitted()[1].assign(income=np.inf)), "income"),
    ("explain-other-columns", lambda: mlops.explain(_fitted()[0], REF[["age"]]), "missing: income"),
    (
        "explain-duplicate-columns",
        lambda: mlops.explain(_fitted()[0], _fitted()[1][["age", "age"]]),
        "duplicate column names",
    ),
    ("explain-1d", lambda: mlops.explain(_fitted()[0], np.zeros(3)), "2-D array"),
    ("explain-not-a-model", lambda: mlops.explain("model", REF), "no predict"),
    ("explain-max-rows", lambda: mlops.explain(_fitted()[0], _fitted()[1], max_rows=0), "max_rows=0"),
    ("explain-seed-text", lambda: mlops.explain(_fitted()[0], _fitted()[1], random_state="x"), "not a seed"),
]


@pytest.mark.parametrize(("call", "words"), [c[1:] for c in FRAMES], ids=[c[0] for c in FRAMES])
def test_odd_frames_are_refused_naming_the_problem(call, words):
    with pytest.raises((BadInput, NotFound)) as raised:
        call()

    assert words in str(raised.value)


def test_integer_and_tuple_column_names_drift_and_serialize():
    import json

    frames = [pd.DataFrame({0: RNG.normal(size=50), ("a", "b"): RNG.normal(size=50)}) for _ in range(2)]

    report = mlops.drift(*frames)

    assert [c["column"] for c in json.loads(report.to_json())["columns"]] == [0, ["a", "b"]]
    assert report.share == 0.0


# -- inputs that must simply work ------------------------------------------------------------------------


def test_emoji_notebook_and_experiment_names_run(fresh_project):
    from mlops_jupyter import _testing

    path = _testing.write_notebook(
        fresh_project / "🚀 train.ipynb", ["import mlops_jupyter as mlops\nmlops.log_metric('m', 1.0)"]
    )

    result = mlops.run(path, experiment="churn 🎉")

    assert (result.status, result.metrics) == ("FINISHED", {"m": 1.0})


def test_a_param_longer_than_mlflow_takes_is_kept_whole_as_an_artifact(fresh_project, client_for):
    value = "x" * 7000
    with mlops.track(experiment="long", params={"features": value}) as run:
        pass
    mlops.flush()

    client = client_for(fresh_project)
    stored = client.get_run(run.run_id).data.params["features"]
    kept = client.download_artifacts(run.run_id, "params/features.txt", str(fresh_project))

    assert stored.endswith("(cut at 6000 characters; full value in artifact params/features.txt)")
    assert len(stored) == 6000
    assert open(kept).read() == value
