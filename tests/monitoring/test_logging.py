"""Drift reports logged to MLflow runs: metrics, a self-contained HTML page, a JSON that re-renders."""

from __future__ import annotations

import json

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput
from mlops_jupyter.monitoring.report import DriftReport


def test_log_writes_metrics_and_artifacts_into_the_active_run(mlops_home, client, mixed_frames, tmp_path):
    ref, cur = mixed_frames
    report = mlops.drift(ref, cur, prediction="proba")
    with mlops.track(experiment="monitoring") as run:
        report.log()
    mlops.flush()
    logged = client.get_run(run.run_id)
    metrics = logged.data.metrics
    assert metrics["drift.share"] == pytest.approx(report.share)
    assert metrics["drift.detected"] == 1.0
    assert metrics["drift.age.score"] == pytest.approx(report["age"].score)
    assert "drift.constant.score" not in metrics  # no drift computable: no score
    files = {a.path for a in client.list_artifacts(run.run_id, "drift")}
    assert files == {"drift/report.html", "drift/report.json"}
    local = client.download_artifacts(run.run_id, "drift", str(tmp_path))
    html = open(f"{local}/report.html", encoding="utf-8").read()
    assert "Data drift detected" in html and "plotly.js v" in html  # plotly.js inlined: opens offline
    assert '<script src="http' not in html and "<script src='http" not in html
    again = DriftReport.load(f"{local}/report.json")
    assert again.to_dict() == json.loads(report.to_json())
    assert again.widget().figure.data  # the JSON alone re-renders the widget


def test_log_into_a_finished_run_by_id(mlops_home, client, mixed_frames):
    ref, cur = mixed_frames
    with mlops.track(experiment="monitoring") as run:
        pass
    mlops.flush()
    mlops.drift(ref, cur).log(run_id=run.run_id, artifact_path="drift/batch-1")
    logged = client.get_run(run.run_id)
    assert "drift.share" in logged.data.metrics
    assert {a.path for a in client.list_artifacts(run.run_id, "drift/batch-1")} == {
        "drift/batch-1/report.html",
        "drift/batch-1/report.json",
    }


def test_log_outside_a_run_says_where_to_call_it(mlops_home, mixed_frames):
    with pytest.raises(BadInput, match="no active run") as info:
        mlops.drift(*mixed_frames).log()
    assert "%%mlops track" in info.value.detail and "run_id=" in info.value.detail
    with pytest.raises(BadInput, match="no run with id"):
        mlops.drift(*mixed_frames).log(run_id="0" * 32)


def test_to_html_writes_a_page(mixed_frames, tmp_path):
    path = tmp_path / "drift.html"
    mlops.drift(*mixed_frames).to_html(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "mlops-drift-table" in text
    assert text.count("plotly.js v") == 1  # inlined once, shared by every figure


def test_metric_names_are_made_valid_for_mlflow(mlops_home, client, rng):
    import pandas as pd

    ref = pd.DataFrame({"price ($)": rng.normal(size=300), "rate%": rng.normal(size=300)})
    report = mlops.drift(ref, ref)
    assert set(report.metrics()) >= {"drift.price ___.score", "drift.rate_.score"}
    with mlops.track(experiment="monitoring") as run:
        report.log()
    mlops.flush()
    assert {"drift.price ___.score", "drift.rate_.score"} <= set(client.get_run(run.run_id).data.metrics)
