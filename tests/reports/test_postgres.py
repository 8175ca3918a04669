"""The report's data on a team's stores: an MLflow tracking server on PostgreSQL, and the mlops
database (audit log, rules, validations) on PostgreSQL too, all real processes."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import mlops_jupyter as mlops


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def team_stores():
    """A PostgreSQL cluster (private socket) holding two databases, and `mlflow server` on one of them."""
    import psycopg

    base = Path(tempfile.mkdtemp(prefix="mlops-rep-pg-"))  # short: socket paths are limited
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    prefix = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        pwd.getpwnam("postgres")
        subprocess.run(["chown", "-R", "postgres:", str(base)], check=True)
        prefix = ["runuser", "-u", "postgres", "--"]

    def pg(*argv):
        done = subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{argv[0]} failed: {done.stdout}{done.stderr}"

    pg(shutil.which("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync")
    options = f"-c listen_addresses='' -k {sockets} -c fsync=off"
    pg(shutil.which("pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start")
    with psycopg.connect(host=str(sockets), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute('CREATE DATABASE "mlflow"')
        conn.execute('CREATE DATABASE "mlops"')
    artifacts = Path(tempfile.mkdtemp(prefix="mlops-rep-art-"))
    port = free_port()
    log = open(base.with_name(base.name + "-mlflow.log"), "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"postgresql+psycopg://postgres@/mlflow?host={sockets}",
            "--artifacts-destination",
            str(artifacts),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    import urllib.request

    while True:
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            log.close()
            pytest.fail("mlflow server did not start:\n" + Path(log.name).read_text()[-3000:])
        time.sleep(0.5)  # polling a server that is not listening yet: nothing to wait on
    yield uri, f"postgresql+psycopg://postgres@/mlops?host={sockets}"
    server.terminate()
    server.wait(30)
    log.close()
    pg(shutil.which("pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    shutil.rmtree(base, ignore_errors=True)
    shutil.rmtree(artifacts, ignore_errors=True)


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
