"""One notebook execution: the unit every executor runs, locally or on a Dask worker.

A :class:`Step` carries everything needed to execute and record a notebook (its exact
source text, typed parameters, the MLflow run created for it up front), so it can be
pickled to another process. :func:`execute` runs it with papermill on a kernel and never
raises for a notebook's own failure; :func:`record` writes what happened to the run;
:func:`run_step` does both, which is what a Dask worker calls.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExecutionFailed

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# What a kernel of a step must not inherit from the process that started the pool.
RUN_VARIABLES = ("MLOPS_JOURNAL", "MLOPS_RUN_ID", "MLOPS_NOTEBOOK_PATH", "MLOPS_EXPERIMENT")


@dataclass
class Step:
    name: str  # what the user calls it: the notebook, a sweep point, a DAG step
    notebook: str  # display path of the source notebook
    notebook_path: str  # absolute path; its directory is the kernel's working directory
    source: str  # the notebook's JSON text: what is versioned is what is executed
    output_path: str
    parameters: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None  # the MLflow run, created before execution (None: untracked)
    artifact_uri: str | None = None  # the run's artifact location, known since its creation
    experiment: str | None = None
    settings: dict[str, str] = field(default_factory=dict)  # MLOPS_HOME, tracking URI, ...
    cell_timeout: float | None = None
    kernel_name: str | None = None
    language: str | None = None  # for papermill's parameters cell, when the notebook names none
    outputs: dict[str, str] = field(default_factory=dict)  # declared outputs: name -> path
    requires: list[str] = field(default_factory=list)  # metric thresholds, "auc>=0.9"
    tags: dict[str, str] = field(default_factory=dict)  # set on the run when it ends

    @property
    def journal_path(self) -> str:
        return str(Path(self.output_path).with_name("journal.jsonl"))

    def kernel_env(self) -> dict[str, str | None]:
        """Variables the kernel gets before the first cell (None: unset)."""
        env: dict[str, str | None] = dict.fromkeys(RUN_VARIABLES)
        env |= self.settings
        env["MLOPS_NOTEBOOK_PATH"] = self.notebook_path
        if self.run_id:
            env |= {"MLOPS_JOURNAL": self.journal_path, "MLOPS_RUN_ID": self.run_id}
            if self.experiment:
                env["MLOPS_EXPERIMENT"] = self.experiment
        return env


@dataclass
class Execution:
    """What papermill did: the output notebook and, if it stopped, where and why."""

    status: str  # FINISHED | FAILED | KILLED
    started: int  # ms since the epoch
    ended: int
    output_path: str | None
    error: dict | None = None  # message, cell_index, cell, ename, evalue, traceback


@dataclass
class StepResult:
    name: str
    run_id: str | None
    status: str
    parameters: dict[str, Any]
    metrics: dict[str, float]
    checks: dict[str, bool]
    output_path: str | None
    duration_s: float
    error: dict | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    tracking_error: str | None = None
    check_values: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "FINISHED"

    def to_dict(self) -> dict:
        return asdict(self)

    def raise_for_status(self) -> StepResult:
        """Raise :class:`ExecutionFailed` (where and why) unless the run finished."""
        if self.ok:
            return self
        error = self.error or {}
        raise ExecutionFailed(
            f"{self.name}: {error.get('message') or self.status.lower()}",
            _failure_detail(self),
            cell_index=error.get("cell_index"),
            ename=error.get("ename"),
            evalue=error.get("evalue"),
            traceback=error.get("traceback"),
            run_id=self.run_id,
            output_path=self.output_path,
        )


def _failure_detail(result: StepResult) -> str:
    parts = []
    if result.output_path:
        parts.append(f"output notebook: {result.output_path}")
    if result.run_id:
        parts.append(f"run: {result.run_id}")
    return "; ".join(parts)


def run_step(step: Step, km=None, keep_killed: bool = False) -> StepResult:
    """Execute and record one step (what a Dask worker runs)."""
    for key, value in step.settings.items():
        os.environ[key] = value  # a worker process records into the caller's store
    return record(step, execute(step, km), keep_killed=keep_killed)


def execute(step: Step, km=None) -> Execution:
    """Run the notebook with papermill on ``km`` (a fresh IPC kernel when None)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from . import engine

    out = Path(step.output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, input_path = tempfile.mkstemp(suffix=".ipynb", prefix=".input-", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(step.source)
    own_kernel = km is None
    scratch = None
    if own_kernel:
        km, scratch = _fresh_kernel_manager(step.kernel_name or "python3")
    started = _now()
    error = None
    try:
        papermill.execute_notebook(
            input_path,
            str(out),
            parameters=step.parameters or None,
            engine_name=engine.NAME,
            kernel_name=step.kernel_name,
            language=step.language,
            request_save_on_cell_execute=False,  # one write at the end: saves a JSON-schema pass per cell
            progress_bar=False,
            # nbclient counts whole seconds
            execution_timeout=math.ceil(step.cell_timeout) if step.cell_timeout else None,
            km=km,
            prelude=engine.prelude(step.kernel_env(), str(Path(step.notebook_path).parent)),
            input_label=step.notebook_path,
            cwd=None,
        )
    except PapermillExecutionError as exc:
        error = _cell_error(step, exc)
    except Exception as exc:  # noqa: BLE001 - a kernel that would not start, an unreadable notebook...
        error = {"message": f"{type(exc).__name__}: {exc}", "ename": type(exc).__name__, "evalue": str(exc)}
    finally:
        os.unlink(input_path)
        if own_kernel:
            _shutdown(km, scratch)
    return Execution(
        "FAILED" if error else "FINISHED",
        started,
        _now(),
        str(out) if out.exists() else None,
        error,
    )


def _fresh_kernel_manager(kernel_name: str):
    """An unstarted IPC kernel manager with its files in a private directory."""
    from jupyter_client import AsyncKernelManager

    scratch = tempfile.mkdtemp(prefix="mlops-k-")
    km = AsyncKernelManager(
        kernel_name=kernel_name,
        transport="ipc",
        ip=f"{scratch}/k-ipc",
        connection_file=f"{scratch}/k.json",
    )
    return km, scratch


def _shutdown(km, scratch: str | None) -> None:
    import shutil

    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - already dead
        pass
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)


def _cell_error(step: Step, exc) -> dict:
    """Where the notebook broke, as an index into the *source* notebook the user edits."""
    source_cells = json.loads(step.source).get("cells", [])
    index = exc.cell_index
    injected = bool(step.parameters)
    params_at = next(
        (i for i, c in enumerate(source_cells) if "parameters" in (c.get("metadata", {}).get("tags") or [])),
        -1,
    )
    if injected and index is not None and index > params_at:
        index -= 1  # papermill inserted its parameters cell after the tagged one
    source = "".join(exc.source) if isinstance(exc.source, list) else (exc.source or "")
    first_line = next((line.strip() for line in source.splitlines() if line.strip()), "")
    traceback = _ANSI.sub("", "\n".join(exc.traceback or []))
    where = f"cell {index}" + (f" `{first_line[:60]}`" if first_line else "")
    evalue = str(exc.evalue or "")
    return {
        "message": f"{where} raised {exc.ename}" + (f": {evalue}" if evalue else ""),
        "cell_index": index,
        "cell": first_line,
        "ename": exc.ename,
        "evalue": evalue,
        "traceback": traceback or f"{exc.ename}: {evalue}",
    }


def record(step: Step, execution: Execution, killed: bool = False, keep_killed: bool = False) -> StepResult:
    """Write the execution into its run (journal, output notebook, status); never raises.

    ``keep_killed``: a run the caller already marked KILLED stays KILLED.
    """
    from .recording import write_step

    return write_step(step, execution, killed=killed, keep_killed=keep_killed)


def _now() -> int:
    return int(time.time() * 1000)
