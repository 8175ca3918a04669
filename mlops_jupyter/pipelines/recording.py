"""The MLflow side of pipeline runs: created before execution, written after it.

Runs are created up front (a kernel needs its run id before the first cell) with the
same reproducibility tags ``%%mlops track`` runs get (:meth:`RunWriter.context_tags`),
computed once per notebook version rather than once per run. After execution,
:func:`write_step` replays the kernel's journal into the run, logs the output notebook
and sets the final status; it never raises, so a tracking problem cannot lose a result.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from pathlib import Path
from typing import Any

from .. import config
from ..masking import mask_values
from ..tracking import journal
from ..tracking.values import param_value
from ..tracking.writer import TERMINAL, RunWriter
from . import requirements
from .step import Execution, Step, StepResult

log = logging.getLogger(__name__)


class RunFactory:
    """Creates the runs of one pipeline invocation (a run, a sweep, a DAG) in one experiment."""

    def __init__(self, experiment: str, uri: str | None = None):
        self.uri = uri or config.tracking_uri()
        self.experiment = experiment
        self.writer = RunWriter(self.uri)
        self.experiment_id = self.writer.experiment_id(experiment)
        self._context: dict[tuple[str, str], dict[str, str]] = {}
        self._lock = threading.Lock()
        self.created: list[str] = []
        self.artifact_uris: dict[str, str] = {}  # run id -> where its files go

    @property
    def client(self):
        return self.writer.client

    def context(self, notebook_path: str, source: str) -> dict[str, str]:
        """Git, environment and notebook-version tags for a notebook given as its exact text."""
        from ..tracking.notebook import version_of

        version = version_of(json.loads(source))
        key = (notebook_path, version)
        with self._lock:
            if key not in self._context:
                with tempfile.TemporaryDirectory() as tmp:
                    # The version record stores exactly the text that runs, under the notebook's name.
                    snapshot = Path(tmp) / Path(notebook_path).name
                    snapshot.write_text(source, encoding="utf-8")
                    event = {"notebook": notebook_path}
                    self._context[key] = self.writer.context_tags(event, version=version, snapshot=snapshot)
            return dict(self._context[key])

    def create(
        self,
        name: str,
        tags: dict[str, str],
        parent: str | None = None,
        params: dict[str, Any] | None = None,
        secret: list[str] | tuple[str, ...] = (),
    ) -> str:
        tags = {"mlflow.user": config.current_user(), **tags}
        if parent:
            tags["mlflow.parentRunId"] = parent
        if params:
            shown = mask_values(params, secret)
            tags["mlops.parameters"] = json.dumps(shown, default=str)[:8000]
        run = self.writer.create_run(self.experiment_id, name, tags)
        with self._lock:
            self.created.append(run.info.run_id)
            self.artifact_uris[run.info.run_id] = run.info.artifact_uri
        return run.info.run_id

    def finish(self, run_id: str, status: str, tags: dict[str, str] | None = None) -> None:
        """End a run that is not a step (a sweep's or a DAG's parent)."""
        if tags:
            self.writer.log_batch(run_id, tags=tags)
        self.writer.end_run(run_id, status)

    def end_unfinished(self, run_ids, status: str = "KILLED") -> list[str]:
        """End every run in ``run_ids`` that has not ended (KILLED after Ctrl-C)."""
        ended = []
        for run_id in dict.fromkeys(run_ids):
            try:
                if self.writer.get_run(run_id).info.status not in TERMINAL:
                    self.writer.end_run(run_id, status)
                    ended.append(run_id)
            except Exception as exc:  # noqa: BLE001 - keep ending the others
                log.warning("could not mark run %s %s: %s", run_id, status, exc)
        return ended


def write_step(
    step: Step, execution: Execution, killed: bool = False, keep_killed: bool = False
) -> StepResult:
    """Replay the journal, check requirements and outputs, log the notebook, end the run."""
    status = "KILLED" if killed and execution.status != "FINISHED" else execution.status
    error = execution.error
    events = _events(step)
    metrics, checks, check_values = _root_results(events, step.run_id)
    for requirement in requirements.parse_all(step.requires):
        passed, seen = requirement.evaluate(metrics)
        checks[requirement.check_name] = passed
        check_values[requirement.check_name] = seen
        if not passed and status == "FINISHED":
            status = "FAILED"
            error = {
                "message": f"requirement {requirement} not met: {seen}",
                "ename": "RequirementFailed",
                "evalue": seen,
            }
    gates = _data_gates(step, checks, check_values)
    if gates is not None:
        checks |= gates.checks
        check_values |= gates.values
        metrics |= gates.metrics
        if gates.error and status == "FINISHED":
            status, error = "FAILED", gates.error
    missing = [name for name, path in step.outputs.items() if not Path(path).exists()]
    if missing and status == "FINISHED":
        status = "FAILED"
        error = {
            "message": f"declared output {', '.join(missing)} was not written "
            f"(expected at {step.outputs[missing[0]]})",
            "ename": "MissingOutput",
            "evalue": ", ".join(missing),
        }
    result = StepResult(
        name=step.name,
        run_id=step.run_id,
        status=status,
        parameters=mask_values(step.parameters, step.secret),
        metrics=metrics,
        checks=checks,
        output_path=execution.output_path,
        duration_s=round((execution.ended - execution.started) / 1000, 3),
        error=error,
        outputs=dict(step.outputs),
        check_values=check_values,
    )
    if step.run_id:
        try:
            writer = RunWriter(config.tracking_uri(), known={step.run_id: step.run_id})
            if keep_killed and writer.get_run(step.run_id).info.status == "KILLED":
                result.status = "KILLED"
            _write(writer, step, execution, result, events, check_values, gates)
        except Exception as exc:  # noqa: BLE001 - the result stands; say tracking failed
            log.warning("could not record run %s: %s", step.run_id, exc)
            result.tracking_error = f"{type(exc).__name__}: {exc}"
            _end_anyway(step.run_id, result)
    return result


def _data_gates(step: Step, checks: dict[str, bool], values: dict[str, str]):
    """Declared files as datasets, ``expects:`` and ``fairness:``, failed data checks (None: none apply)."""
    declared = step.inputs or step.outputs or step.expects or step.fairness
    if not declared and not step.gate_data_checks:
        return None  # a notebook run, a validation or a job firing without declared files
    from ..data.gates import GATED, evaluate

    if not declared and not any(name.startswith(GATED) for name in checks):
        return None
    return evaluate(step, checks, values)


def _events(step: Step) -> list[dict]:
    if not step.run_id:
        return []
    try:
        events, _ = journal.read(step.journal_path)
    except (OSError, ValueError):
        return []
    return events


def _root_results(events: list[dict], run_id: str | None):
    """The step run's own metrics (last value each), checks and check values."""
    metrics: dict[str, float] = {}
    checks: dict[str, bool] = {}
    values: dict[str, str] = {}
    for event in events:
        if event.get("run") != run_id:
            continue
        if event["op"] == "metrics":
            for key, value, *_ in event["metrics"]:
                metrics[key] = value
        elif event["op"] == "tags":
            for key, value in event["tags"].items():
                if not key.startswith("mlops.check."):
                    continue
                if key.endswith(".value"):
                    values[key[len("mlops.check.") : -len(".value")]] = value
                else:
                    checks[key[len("mlops.check.") :]] = value == "passed"
    return metrics, checks, values


def _write(
    writer: RunWriter,
    step: Step,
    execution: Execution,
    result: StepResult,
    events: list[dict],
    check_values,
    gates=None,
) -> None:
    """Everything about the step's own run in one batch, then nested runs, files and status.

    MLflow's SQLite store commits once per kind of value in a batch, and every call looks
    the run up again: one batch instead of one per event, and files copied straight into
    the run's artifact location, keep recording a fraction of a small notebook's run.
    """
    run_id = step.run_id
    assert run_id is not None  # only a tracked step's run is written
    tags = {
        **step.tags,
        "mlops.duration_s": f"{result.duration_s:.3f}",
        "mlops.output": str(execution.output_path or ""),
    }
    for name, passed in result.checks.items():
        if name.startswith("require.") or (gates is not None and name in gates.checks):
            tags[f"mlops.check.{name}"] = "passed" if passed else "failed"
            tags[f"mlops.check.{name}.value"] = check_values.get(name, "")
    for name, path in step.outputs.items():
        tags[f"mlops.output.{name}"] = path
    if result.error:
        tags["mlops.error"] = result.error.get("message", "")[:500]
        if result.error.get("cell_index") is not None:
            tags["mlops.error.cell"] = str(result.error["cell_index"])

    params = {k: param_value(v) for k, v in mask_values(step.parameters, step.secret).items()}
    metrics: list = []
    own_tags: dict[str, str] = {}
    rest = []
    for event in events:
        if event.get("run") != run_id or event["op"] not in ("params", "metrics", "tags"):
            rest.append(event)
        elif event["op"] == "params":
            for key, value in event["params"].items():
                params.setdefault(key, value)  # the pipeline's value stands
        elif event["op"] == "metrics":
            metrics.extend(event["metrics"])
        else:
            own_tags.update(event["tags"])
    if gates is not None:
        metrics.extend([key, value, 0, execution.ended] for key, value in gates.metrics.items())
    writer.log_batch(run_id, params, metrics, {**own_tags, **tags})
    writer.apply(rest)
    for found in gates.datasets if gates is not None else []:
        writer.log_input(run_id, found)
    for artifact_file, text in gates.texts.items() if gates is not None else []:
        writer.log_text(run_id, text, artifact_file)
    _end_open_children(writer, events, run_id, result.status)

    files = []
    if execution.output_path:
        files.append((execution.output_path, "notebook"))
    files += [(path, f"outputs/{name}") for name, path in step.outputs.items() if Path(path).is_file()]
    if result.error and result.error.get("traceback"):
        traceback = Path(step.output_path).with_name("traceback.txt")
        traceback.write_text(result.error["traceback"], encoding="utf-8")
        files.append((str(traceback), "error"))
    for path, artifact_path in files:
        writer.log_artifact(run_id, path, artifact_path, artifact_uri=step.artifact_uri)
    writer.end_run(run_id, result.status, end_time=execution.ended)


def _end_open_children(writer: RunWriter, events: list[dict], root: str, status: str) -> None:
    """Nested runs the notebook started but never ended (it died first) end with the step."""
    started = [e["run"] for e in events if e["op"] == "start"]
    ended = {e["run"] for e in events if e["op"] == "end"}
    for local in started:
        if local not in ended and local != root and local in writer.run_ids:
            final = status if status != "FINISHED" else "FAILED"
            writer.end_run(writer.run_ids[local], final)


def _end_anyway(run_id: str, result: StepResult) -> None:
    try:
        RunWriter(config.tracking_uri()).end_run(run_id, result.status if result.ok else "FAILED")
    except Exception:  # noqa: BLE001 - the store itself is unreachable; the result says so
        pass
