"""One firing of a job, executed through the pipeline executor: a tracked MLflow run with its
output notebook, a timeout that stops the kernel, and an outcome the scheduler records."""

from __future__ import annotations

import json
import logging
import os
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime

from ..db.job_tables import CHECKS_FAILED, FAILED, SUCCEEDED, TIMEOUT
from . import cron

log = logging.getLogger(__name__)
# After a kill, how long the executor may take to record the run before we stop waiting.
_AFTER_KILL = 120


@dataclass
class Outcome:
    status: str
    error: str | None = None
    run_id: str | None = None
    output_path: str | None = None
    kernel_started_at: datetime | None = None
    checks: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


class Factories:
    """One MLflow run factory per experiment, kept for the scheduler's life (it caches git tags)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._made: dict[str, object] = {}

    def get(self, experiment: str):
        from ..pipelines.recording import RunFactory

        with self._lock:
            if experiment not in self._made:
                self._made[experiment] = RunFactory(experiment)
            return self._made[experiment]


def prepare(job, firing, factories: Factories):
    """Create the firing's MLflow run and the pipeline step that will execute the pinned notebook."""
    from ..pipelines.notebooks import Notebook, output_dir

    nb = Notebook.pinned(job.notebook, job.notebook_path, job.source, job.kernel_name or "python3")
    typed = nb.typed(dict(job.parameters or {})) | secret_values(nb, job.secret_env or {})
    secret = sorted(job.secret_env or {})
    factory = factories.get(job.experiment)
    local = cron.utc(firing.scheduled_time).astimezone(cron.zone(job.timezone))
    tags = {
        **factory.context(job.notebook_path, job.source),
        "mlops.kind": "job",
        "mlops.job": job.name,
        "mlops.job.firing": str(firing.id),
        "mlops.job.attempt": str(firing.attempt),
        "mlops.job.trigger": firing.trigger,
        "mlops.job.scheduled_time": local.isoformat(timespec="seconds"),
    }
    run_id = factory.create(f"{job.name} {local:%Y-%m-%d %H:%M:%S}", tags, params=typed, secret=secret)
    return nb.step(
        job.name, typed, run_id, output_dir(run_id), factory=factory, cell_timeout=job.timeout, secret=secret
    )


def secret_values(nb, secret_env: dict[str, str]) -> dict:
    """The secret parameters' values, read from their environment variables where the job runs."""
    values: dict = {}
    for name, variable in secret_env.items():
        if variable not in os.environ:
            raise RuntimeError(
                f"the secret parameter {name} is read from the environment variable {variable}, "
                "which is not set where the scheduler runs"
            )
        try:
            values |= nb.typed({name: os.environ[variable]})
        except Exception:  # noqa: BLE001 - its message would quote the secret
            raise RuntimeError(
                f"the secret parameter {name} (from {variable}) does not fit its declared type"
            ) from None
    return values


def execute(job, step, executor) -> Outcome:
    """Run ``step`` on ``executor`` and wait; past the job's timeout its kernel is killed."""
    future = executor.submit(step)
    timed_out = False
    try:
        result = future.result(timeout=job.timeout + 1 if job.timeout else None)
    except FutureTimeout:
        # A notebook of many short cells can outlast the timeout without any one cell doing so.
        timed_out = True
        killer = getattr(executor, "kill", None)
        if killer is not None:
            killer(step)
        result = future.result(timeout=_AFTER_KILL)
    return outcome(job, step, result, timed_out)


def outcome(job, step, result, timed_out: bool = False) -> Outcome:
    from .spec import format_duration

    error = result.error or {}
    checks = dict(result.checks or {})
    found = Outcome(
        SUCCEEDED,
        run_id=result.run_id,
        output_path=result.output_path or step.output_path,
        kernel_started_at=kernel_start(result.output_path),
        checks=checks,
        metrics=dict(result.metrics or {}),
    )
    if timed_out or error.get("ename") == "CellTimeoutError":
        found.status = TIMEOUT
        found.error = (
            f"ran longer than the job timeout of {format_duration(job.timeout)}; its kernel was stopped"
        )
        if error.get("message"):
            found.error += f" ({error['message']})"
    elif not result.ok:
        found.status = FAILED
        found.error = error.get("message") or f"the run ended {result.status}"
    else:
        failed = [name for name, passed in checks.items() if not passed]
        if failed:
            found.status = CHECKS_FAILED
            found.error = f"check{'s' if len(failed) > 1 else ''} failed: {', '.join(failed)}"
    if result.tracking_error:
        found.error = (found.error + "; " if found.error else "") + f"tracking: {result.tracking_error}"
    return found


def kernel_start(output_path: str | None) -> datetime | None:
    """When the kernel began the first cell, from papermill's own record in the output notebook."""
    if not output_path:
        return None
    try:
        with open(output_path, encoding="utf-8") as fh:
            nb = json.load(fh)
    except (OSError, ValueError):
        return None
    for cell in nb.get("cells", []):
        stamp = cell.get("metadata", {}).get("papermill", {}).get("start_time")
        if stamp:
            try:
                return cron.utc(datetime.fromisoformat(stamp.replace("Z", "+00:00")))
            except ValueError:
                return None
    return None


def mark_run_failed(run_id: str | None, reason: str) -> None:
    """End an orphaned firing's MLflow run FAILED, saying why, so MLflow agrees with the history."""
    if not run_id:
        return
    try:
        from ..tracking.writer import TERMINAL, RunWriter

        writer = RunWriter()
        if writer.get_run(run_id).info.status in TERMINAL:
            return
        writer.log_batch(run_id, tags={"mlops.error": reason[:500]})
        writer.end_run(run_id, "FAILED")
    except Exception as exc:  # noqa: BLE001 - the history row already says what happened
        log.warning("could not mark run %s failed: %s", run_id, exc)
