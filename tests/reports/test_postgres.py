"""The report's data on a team's stores: an MLflow tracking server on PostgreSQL, and the mlops
database (audit log, rules, validations) on PostgreSQL too, all real processes."""

from __future__ import annotations

import uuid

import pytest
from support import MlflowServer

import mlops_jupyter as mlops


@pytest.fixture(scope="module")
def team_stores(postgres, tmp_path_factory):
    """Two PostgreSQL databases, and `mlflow server` on one of them."""
    base = tmp_path_factory.mktemp("team-stores")
    tracking = postgres.create_database(f"rep_mlflow_{uuid.uuid4().hex[:8]}")
    jobs = postgres.create_database(f"rep_mlops_{uuid.uuid4().hex[:8]}")
    args = ("--backend-store-uri", tracking, "--artifacts-destination", str(base / "artifacts"))
    with MlflowServer(*args, log=base / "mlflow.log") as server:
        yield server.url, jobs


@pytest.fixture
def on_team_stores(team_stores, mlops_home, monkeypatch):
    from mlops_jupyter import _testing

    tracking, jobs = team_stores
    monkeypatch.setenv("MLOPS_TRACKING_URI", tracking)
    monkeypatch.setenv("MLOPS_JOBS_URL", jobs)
    monkeypatch.setenv("MLOPS_USER", "root")
    _testing.reset_state()
    yield
    _testing.reset_state()


def test_the_report_is_gathered_from_an_mlflow_server_and_postgresql(on_team_stores):
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from mlops_jupyter import db

    assert db.engine().dialect.name == "postgresql"
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :4]
    runs = []
    for c in (0.01, 1.0):
        model = LogisticRegression(C=c, max_iter=2000).fit(X, y)
        with mlops.track(experiment="team", params={"C": c}, autolog=False) as run:
            mlops.log_metric("accuracy", float(model.score(X, y)))
            mlops.log_kpi("reviews_saved", 10 * c, unit="reviews", higher_is_better=True)
            mlops.log_model(model, sample=X.head(30))
        runs.append(run.run_id)
    mlops.flush(60)
    for run_id in runs:
        mlops.register(run_id, "team-model")
    mlops.promote("team-model", 1, "champion", force=True, reason="baseline, by hand")
    mlops.promote("team-model", 2, "champion", force=True, reason="less regularised")
    for share in (0.0, 0.25):
        with mlops.track(experiment="team-monitoring", params={"model": "team-model"}, autolog=False):
            mlops.log_metric("drift_share", share)
            mlops.check("no_drift", share < 0.5, value=share)
    mlops.flush(60)

    report = mlops.model_report("team-model@champion")
    assert (report.summary.version, report.summary.promoted_by) == ("2", "root")
    assert [p.version for p in report.quality.points] == ["1", "2"]
    assert report.quality.points[0].held == ["champion"]
    (kpi,) = report.kpis
    assert [p.value for p in kpi.points] == [0.1, 10.0]
    assert report.why.computed is True and report.why.explanation.n_rows == 30  # the logged sample
    assert [p.share for p in report.health.drift] == [0.0, 0.25]
    assert report.summary.last_verdict == "no drift: 25% of the input columns drifted"
    assert [e["action"] for e in report.history.entries][:2] == ["promote", "promote"]
    assert report.history.chain_intact is True
    assert "team-model@champion (v2)" in report.to_html()
