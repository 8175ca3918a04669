"""Logging a result (drift report, explanation) into a run: metrics plus text artifacts."""

from __future__ import annotations

import math

from ..errors import BadInput, NotFound
from .clock import now_ms


def log_result(metrics: dict[str, float], texts: dict[str, str], run_id: str | None = None) -> str | None:
    """Log into ``run_id`` (any run, e.g. a finished one) or else the active run.

    Returns the MLflow run id when known. Through the active run the writes are
    asynchronous like every other ``log_*`` call; ``mlops.flush()`` waits for them.
    """
    metrics = {k: float(v) for k, v in metrics.items() if v is not None and not math.isinf(float(v))}
    if run_id is not None:
        from .writer import RunWriter

        writer = RunWriter()
        try:
            writer.get_run(run_id)
        except NotFound as exc:  # the caller's argument names no run
            raise BadInput(exc.message, "Pass the id of an existing run.") from exc
        stamp = now_ms()
        writer.log_batch(run_id, metrics=[[k, v, 0, stamp] for k, v in metrics.items()])
        for artifact_file, text in texts.items():
            writer.log_text(run_id, text, artifact_file)
        return run_id
    from . import fluent

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
