"""Logging a result (drift report, explanation) into a run: metrics plus text artifacts."""

from __future__ import annotations

import math
import time

from ..errors import BadInput


def log_result(metrics: dict[str, float], texts: dict[str, str], run_id: str | None = None) -> str | None:
    """Log into ``run_id`` (any run, e.g. a finished one) or else the active run.

    Returns the MLflow run id when known. Through the active run the writes are
    asynchronous like every other ``log_*`` call; ``mlops.flush()`` waits for them.
    """
    metrics = {k: float(v) for k, v in metrics.items() if v is not None and not math.isinf(float(v))}
    if run_id is not None:
        from mlflow.entities import Metric

        from ..tracking.store import client

        mlflow = client()
        try:
            mlflow.get_run(run_id)
        except Exception as exc:  # MlflowException for an unknown id
            raise BadInput(f"no run with id {run_id!r}", "Pass the id of an existing run.") from exc
        stamp = int(time.time() * 1000)
        items = [Metric(k, v, stamp, 0) for k, v in metrics.items()]
        for start in range(0, len(items), 1000):  # MLflow's batch limit
            mlflow.log_batch(run_id, metrics=items[start : start + 1000])
        for artifact_file, text in texts.items():
            mlflow.log_text(run_id, text, artifact_file)
        return run_id
    from ..tracking import fluent

    run = fluent.active_run()
    if run is None:
        raise BadInput(
            "no active run to log into",
            "Call .log() inside a `%%mlops track` cell or a `with mlops.track(...)` block, or pass run_id=.",
        )
    run.log_metrics(metrics)
    for artifact_file, text in texts.items():
        run.log_text(text, artifact_file)
    return run._known_id
