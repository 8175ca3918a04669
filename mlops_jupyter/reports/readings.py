"""Readings of one run that several sections share: times as text, drift share and verdict."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


def iso_ms(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def training_data(run) -> list:
    """The MLflow dataset inputs of ``run`` (already read with it), as report entries."""
    import json

    from .sections import TrainingData

    found = []
    for given in (run.inputs.dataset_inputs if run is not None and run.inputs else None) or []:
        d = given.dataset
        context = next((t.value for t in given.tags or [] if t.key == "mlflow.data.context"), "")
        try:
            profile, source = json.loads(d.profile or "{}"), json.loads(d.source or "{}")
        except ValueError:  # a dataset logged by other means: its source is plain text
            profile, source = {}, {}
        rows = profile.get("rows") if isinstance(profile, dict) else None
        uri = source.get("uri", d.source) if isinstance(source, dict) else d.source
        found.append(
            TrainingData(d.name, context, d.digest, rows if isinstance(rows, int) else None, str(uri or ""))
        )
    return found


def drift_share(run) -> float | None:
    metrics = run.data.metrics
    value = metrics.get("drift.share", metrics.get("drift_share"))
    return None if value is None else float(value)


def drifted(run) -> bool | None:
    """Did a monitoring run find drift: its ``drift.detected`` metric, else its ``no_drift`` check."""
    detected = run.data.metrics.get("drift.detected")
    if detected is not None:
        return bool(detected)
    check = run.data.tags.get("mlops.check.no_drift")
    return None if check is None else check != "passed"


def verdict(run) -> str:
    share = drift_share(run) or 0.0
    found = drifted(run)
    if found is None:
        return f"{share:.0%} of the input columns drifted"
    return f"{'drift detected' if found else 'no drift'}: {share:.0%} of the input columns drifted"


@contextmanager
def quiet_downloads() -> Iterator[None]:
    """Artifact downloads without MLflow's progress bars (they would land on the page or the terminal)."""
    key = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    saved = os.environ.get(key)
    os.environ[key] = "false"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = saved
