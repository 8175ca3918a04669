"""The "health" section: drift over time from the monitoring runs, and the model's jobs."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..db.job_tables import CHECKS_FAILED, FAILED, TIMEOUT
from . import sections as S
from .readings import drift_share, drifted, iso_ms, quiet_downloads

UNSUCCESSFUL = (FAILED, TIMEOUT, CHECKS_FAILED)


def health(report) -> S.Health:
    runs = report.monitoring_runs
    if runs:
        drift: list[S.DriftPoint] | S.Unavailable = [
            S.DriftPoint(
                r.info.run_id,
                iso_ms(r.info.start_time) or "",
                drift_share(r) or 0.0,
                drifted(r),
                r.data.tags.get("mlops.job"),
            )
            for r in runs
        ]
        columns = _drifted_columns(runs[-1])
    else:
        drift = columns = S.Unavailable(
            f"no monitoring run of {report.model} yet (a run that logged a drift share and names the "
            "model in a 'model' parameter or the tag mlops.monitored_model, as notebooks/monitor.ipynb does)"
        )
    return S.Health(drift, columns, _jobs(report.model, {r.data.tags.get("mlops.job") for r in runs}))


def _drifted_columns(run) -> list[str] | S.Unavailable:
    """The drifted columns of a monitoring run, from the drift report it logged."""
    from mlflow.exceptions import MlflowException

    from ..registry.mlflow_client import client

    with tempfile.TemporaryDirectory() as tmp, quiet_downloads():
        try:
            path = client().download_artifacts(run.info.run_id, "drift/report.json", tmp)
            data = json.loads(Path(path).read_text())
        except (MlflowException, OSError, ValueError):
            return S.Unavailable("the last monitoring run logged no drift report (report.log())")
    return [c["column"] for c in data.get("columns", []) if c.get("drifted")]


def _jobs(model: str, monitoring: set[str | None]) -> list[S.JobHealth] | S.Unavailable:
    """Jobs that score, monitor or retrain ``model``: a parameter naming it, registering it, or
    ``monitoring`` (the jobs whose runs monitored it)."""
    from ..jobs import service

    mine = [
        j
        for j in service.jobs()
        if j.register_model == model
        or j.name in monitoring
        or any(_names(value, model) for value in (j.parameters or {}).values())
    ]
    if not mine:
        return S.Unavailable(f"no scheduled job scores, monitors or retrains {model}")
    out = []
    for job in mine:
        failures = [
            {"time": f.started_at or f.scheduled_time, "status": f.status, "error": f.error or f.note or ""}
            for f in service.history(job.name, limit=50)
            if f.status in UNSUCCESSFUL
        ][:3]
        out.append(S.JobHealth(job.name, job.success_rate, job.finished, job.last_status, failures))
    return out


def _names(value, model: str) -> bool:
    text = str(value)
    return text == model or text.startswith((f"models:/{model}@", f"models:/{model}/"))
