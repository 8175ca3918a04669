"""One notebook execution as data: the unit every executor runs, locally or on a Dask worker.

A :class:`Step` carries everything needed to execute and record a notebook (its exact
source text, typed parameters, the MLflow run created for it up front), so it can be
pickled to another process; :class:`Execution` is what papermill did and
:class:`StepResult` what the caller gets back. :mod:`.execute` runs steps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExecutionFailed

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
    inputs: dict[str, str] = field(default_factory=dict)  # declared inputs: name -> path
    expects: dict[str, str] = field(default_factory=dict)  # input or output name -> schema file
    fairness: dict[str, Any] | None = None  # a fairness gate (see pipelines.spec.FairnessSpec)
    # A pipeline.yaml step fails when one of its own data checks (expect.*, fairness.*) fails;
    # a validation or a job firing records it as a failed check instead (checks_failed).
    gate_data_checks: bool = False
    tags: dict[str, str] = field(default_factory=dict)  # set on the run when it ends
    secret: list[str] = field(default_factory=list)  # parameters declared secret (see masking)

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
