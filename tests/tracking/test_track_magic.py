"""`%%mlops track` and `%mlops` in a real IPython shell against a real SQLite MLflow store."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import mlops_jupyter as mlops


def only_run(client, experiment):
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id], "tags.`mlops.kind` != 'notebook-version'")
    assert len(runs) == 1, runs
    return runs[0]


def track(shell, line, body):
    result = shell.run_cell(f"%%mlops track {line}\n{body}")
    mlops.flush()
    return result


def test_params_metrics_tags_and_cell_source_are_logged(shell, client):
    shell.run_cell("alpha = 0.5\nmax_depth = 6")
    result = track(
        shell,
        "-e churn -n first --params alpha,max_depth --metrics auc --tags team=risk,stage=dev",
        "auc = 0.91\nauc * 2",
    )
    assert result.success and result.result == pytest.approx(1.82)  # the last value still displays
    run = only_run(client, "churn")
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "first"
    assert run.data.params == {"alpha": "0.5", "max_depth": "6"}
    assert run.data.metrics == {"auc": 0.91}
    assert run.data.tags["team"] == "risk" and run.data.tags["stage"] == "dev"
    assert run.data.tags["mlops.kind"] == "cell"
    assert run.data.tags["mlops.python"].count(".") == 2
    assert run.info.end_time >= run.info.start_time
    cell = client.download_artifacts(run.info.run_id, "code/cell.py")
    assert open(cell).read().rstrip() == "auc = 0.91\nauc * 2"
    requirements = open(client.download_artifacts(run.info.run_id, "environment/requirements.txt")).read()
    assert "mlflow==" in requirements and "ipython==" in requirements.lower()


def test_params_may_be_assigned_inside_the_cell(shell, client):
    track(shell, "-e e1 --params lr --metrics loss", "lr = 0.01\nloss = 1.5")
    run = only_run(client, "e1")
    assert run.data.params == {"lr": "0.01"} and run.data.metrics == {"loss": 1.5}


def test_exception_marks_run_failed_with_traceback_and_reraises(shell, client):
    result = track(shell, "-e boom", "x = 1\nraise ValueError('bad data')")
    assert isinstance(result.error_in_exec, ValueError)
    run = only_run(client, "boom")
    assert run.info.status == "FAILED"
    assert run.data.tags["mlops.error"] == "ValueError: bad data"
    traceback = open(client.download_artifacts(run.info.run_id, "error/traceback.txt")).read()
    assert "raise ValueError('bad data')" in traceback
    assert shell.user_ns["x"] == 1  # the work done before the error is kept


def test_missing_param_variable_is_a_usage_error_and_the_cell_does_not_run(shell, client, capsys):
    result = track(shell, "-e e2 --params nope", "ran = True")
    assert isinstance(result.error_in_exec, UsageError) or "nope" in capsys.readouterr().err
    assert "ran" not in shell.user_ns
    assert client.get_experiment_by_name("e2") is None  # nothing written


@pytest.mark.parametrize(
    "line, problem",
    [
        ("--bogus 1", "unrecognized arguments: --bogus"),
        ("--params 1x", "'1x' is not a variable name"),
        ("--tags novalue", "'novalue' is not key=value"),
        ("--model missing_model", "'missing_model'"),
    ],
)
def test_bad_options_are_usage_errors_naming_the_problem(shell, line, problem):
    with pytest.raises(UsageError, match=problem):
        shell.run_cell_magic("mlops", f"track {line}", "ran = True")
    assert "ran" not in shell.user_ns


def test_non_numeric_metric_is_a_usage_error_and_the_run_is_failed(shell, client):
    with pytest.raises(UsageError, match="metric 'auc' is str, not a number"):
        shell.run_cell_magic("mlops", "track -e e3 --metrics auc", "auc = 'high'")
    mlops.flush()
    assert only_run(client, "e3").info.status == "FAILED"


def test_model_is_logged_with_its_flavor_and_an_inferred_signature(shell, client):
    shell.run_cell(
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "X, y = load_breast_cancer(return_X_y=True, as_frame=True)"
    )
    track(
        shell,
        "-e models --model model --no-autolog",
        "model = RandomForestClassifier(n_estimators=5, max_depth=3).fit(X, y)",
    )
    run = only_run(client, "models")
    assert run.info.status == "FINISHED"
    import mlflow

    model_uri = run.data.tags["mlops.model_uri"]
    info = mlflow.models.get_model_info(model_uri)
    assert "sklearn" in info.flavors
    assert [c["name"] for c in info.signature.inputs.to_dict()][:2] == ["mean radius", "mean texture"]
    loaded = mlflow.pyfunc.load_model(model_uri)
    assert list(loaded.predict(shell.user_ns["X"].head(3))) == list(
        shell.user_ns["model"].predict(shell.user_ns["X"].head(3))
    )


def test_autolog_logs_framework_params_into_the_cell_run(shell, client):
    shell.run_cell(
        "from sklearn.datasets import load_wine\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "X, y = load_wine(return_X_y=True)"
    )
    track(shell, "-e auto", "clf = LogisticRegression(C=0.5, max_iter=200).fit(X, y)")
    run = only_run(client, "auto")
    assert run.info.status == "FINISHED"
    assert run.data.params.get("C") == "0.5"  # logged by MLflow's sklearn autologging
    assert any(k.startswith("training_") for k in run.data.metrics)


def test_nested_runs_under_a_session_run(shell, client):
    shell.run_line_magic("mlops", "start -e sess -n parent")
    track(shell, "--nested -n child1 --metrics m", "m = 1")
    track(shell, "--nested -n child2 --metrics m", "m = 2")
    shell.run_line_magic("mlops", "end")
    mlops.flush()
    exp = client.get_experiment_by_name("sess")
    runs = {r.info.run_name: r for r in client.search_runs([exp.experiment_id])}
    parent = runs["parent"].info.run_id
    assert runs["child1"].data.tags["mlflow.parentRunId"] == parent
    assert runs["child2"].data.tags["mlflow.parentRunId"] == parent
    assert runs["parent"].info.status == "FINISHED"


def test_a_second_top_level_run_while_one_is_active_says_to_nest(shell):
    shell.run_line_magic("mlops", "start -e sess2")
    with pytest.raises(UsageError, match="--nested"):
        shell.run_cell_magic("mlops", "track", "x = 1")
    shell.run_line_magic("mlops", "end")


def test_python_api_tracks_identically(mlops_home, client):
    with mlops.track(experiment="api", name="py", params={"alpha": 0.1, "layers": [64, 32]}) as run:
        mlops.log_metric("auc", 0.8)
        mlops.log_metric("loss", 0.5, step=3)
        assert mlops.check("auc_ok", 0.8 >= 0.7, value=0.8)
        assert not mlops.check("fast", False)
    mlops.flush()
    got = client.get_run(run.run_id)
    assert got.data.params == {"alpha": "0.1", "layers": "[64, 32]"}
    assert got.data.metrics == {"auc": 0.8, "loss": 0.5}
    assert got.data.tags["mlops.check.auc_ok"] == "passed"
    assert got.data.tags["mlops.check.auc_ok.value"] == "0.8"
    assert got.data.tags["mlops.check.fast"] == "failed"
    assert client.get_metric_history(run.run_id, "loss")[0].step == 3


def test_python_api_exception_marks_failed(mlops_home, client):
    with pytest.raises(KeyError):
        with mlops.track(experiment="api2") as run:
            raise KeyError("missing column")
    mlops.flush()
    assert client.get_run(run.run_id).info.status == "FAILED"


def test_logging_without_a_run_is_a_clear_error(mlops_home):
    with pytest.raises(mlops.MlopsError, match="no active run"):
        mlops.log_metric("auc", 0.9)


# -- line magics -------------------------------------------------------------------------


def test_mlops_without_subcommand_prints_usage(shell):
    with pytest.raises(UsageError, match="needs a sub-command"):
        shell.run_line_magic("mlops", "")
    with pytest.raises(UsageError, match="unknown sub-command 'frobnicate'"):
        shell.run_line_magic("mlops", "frobnicate")


def test_runs_table_shows_recent_runs_with_status_and_metrics(shell):
    track(shell, "-e t -n good --metrics auc", "auc = 0.93")
    track(shell, "-e t -n bad", "1/0")
    table = shell.run_line_magic("mlops", "runs -e t")
    html = table._repr_html_()
    assert "good" in html and "bad" in html
    assert "FINISHED" in html and "FAILED" in html
    assert "0.93" in html
    assert "/#/experiments/" in html  # links into the MLflow UI


def test_experiment_sets_the_default(shell, client, capsys):
    shell.run_line_magic("mlops", "experiment fraud")
    track(shell, "--metrics m", "m = 1")
    assert only_run(client, "fraud").data.metrics == {"m": 1.0}
    assert "fraud" in capsys.readouterr().out


def test_status_flushes_and_reports(shell, capsys, mlops_home):
    track(shell, "-e s", "x = 1")
    shell.run_line_magic("mlops", "status")
    out = capsys.readouterr().out
    assert f"sqlite:///{mlops_home}/mlflow.db" in out
    assert "pending events: 0" in out


def test_compare_charts_metrics_and_diffs_params(shell, client):
    shell.run_cell("a = 1")
    track(shell, "-e c -n r1 --params a --metrics auc", "auc = 0.8\nb = 2")
    shell.run_cell("a = 2")
    track(shell, "-e c -n r2 --params a --metrics auc", "auc = 0.9")
    from mlops_jupyter.tracking.compare import compare

    exp = client.get_experiment_by_name("c")
    ids = [
        r.info.run_id for r in client.search_runs([exp.experiment_id], order_by=["attributes.start_time ASC"])
    ]
    result = compare([ids[0][:8], ids[1]])  # a unique prefix is enough
    fig = result.figure()
    assert list(fig.data[0].y) == [0.8, 0.9]
    assert result.params_diff() == {"a": ["1", "2"]}
    shell.run_line_magic("mlops", f"compare {ids[0]} {ids[1]}")  # renders without error
    with pytest.raises(UsageError, match="at least two"):
        shell.run_line_magic("mlops", f"compare {ids[0]}")
