"""In a real kernel: results display as widgets, import stays light, and logging works from a cell."""

from __future__ import annotations

import subprocess

WIDGET = "application/vnd.jupyter.widget-view+json"


def test_importing_the_api_loads_no_heavy_library(python):
    code = (
        "import sys, mlops_jupyter as m\n"
        "m.drift, m.drift_profile, m.explain, m.load_drift_profile\n"
        "print([k for k in ('shap', 'plotly', 'scipy', 'matplotlib', 'ipywidgets', 'sklearn')"
        " if k in sys.modules])"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_results_render_as_widgets_and_log_from_a_notebook(run_notebook, client):
    nb, _ = run_notebook(
        [
            "import mlops_jupyter as mlops\n"
            "from sklearn.datasets import load_breast_cancer\n"
            "from sklearn.ensemble import RandomForestClassifier\n"
            "X, y = load_breast_cancer(return_X_y=True, as_frame=True)\n"
            "model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)",
            "rep = mlops.drift(X.iloc[::2], X.iloc[1::2])\nrep",
            "exp = mlops.explain(model, X, max_rows=50)\nexp",
            "with mlops.track(experiment='nb') as run:\n    rep.log()\n    exp.log()"
            "\nmlops.flush()\nprint(run.run_id)",
        ],
        timeout=240,
    )
    drift_out, explain_out = nb.cells[1].outputs[0], nb.cells[2].outputs[0]
    assert WIDGET in drift_out["data"] and drift_out["data"]["text/plain"].startswith("<DriftReport no drift")
    assert WIDGET in explain_out["data"] and "50 of 569 rows" in explain_out["data"]["text/plain"]
    run_id = nb.cells[3].outputs[-1]["text"].strip()
    metrics = client.get_run(run_id).data.metrics
    assert "drift.share" in metrics and "shap.worst radius" in metrics
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"drift", "explain"} <= artifacts
