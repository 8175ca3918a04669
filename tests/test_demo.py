"""The main job: `mlops demo` runs end to end on the embedded defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_demo_runs_from_experiment_to_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
    out = tmp_path / "demo"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlops_jupyter.cli",
            "demo",
            "--notebooks",
            str(REPO / "notebooks"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = result.stdout
    assert "rf-tuned" in text and "FINISHED" in text  # tracked cells
    assert "evaluate  FINISHED" in text  # the DAG
    assert text.count("FINISHED 0.9") >= 6  # six sweep points
    assert "gate refused, as it should" in text and "cancer@champion -> v1" in text
    assert "drift-monitor  checks_failed" in text  # monitoring caught the shift
    assert "registered cancer v2; challenger -> v2" in text  # and retrained a challenger
    assert "{'challenger': '2', 'champion': '1'}" in text
    assert "verified: the chain is intact" in text
    for report in ("drift.html", "explain.html"):
        assert (out / "reports" / report).stat().st_size > 1_000_000  # plotly.js inlined: opens offline
    card = (out / "reports" / "model-card.html").read_text()
    assert "mean concave points" in card and "champion" in card  # SHAP features and promotion history
    report = (out / "reports" / "report.html").read_text()  # the champion's report, one offline page
    assert len(report.encode()) < 6_000_000 and report.count("plotly.js v") == 1
    assert "Model report: cancer@champion (v1)" in report and "missed_malignant" in report
    assert "drift detected" in report and "drift-monitor" in report  # the monitoring job's runs
    assert "mlops report cancer@champion" in text
    assert (out / "export" / "daily-scoring" / "cronjob.yaml").exists()
    assert (out / ".mlops" / "mlflow.db").exists() and (out / ".mlops" / "jobs.db").exists()
