"""Executing a step: papermill on a kernel, then the result written to the step's run.

:func:`execute` runs a :class:`~.step.Step` with papermill and never raises for a notebook's
own failure; :func:`record` writes what happened to the run; :func:`run_step` does both,
which is what a Dask worker calls.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path

from ..tracking.clock import now_ms
from .step import Execution, Step, StepResult

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def run_step(step: Step, km=None, keep_killed: bool = False) -> StepResult:
    """Execute and record one step (what a Dask worker runs)."""
    for key, value in step.settings.items():
        os.environ[key] = value  # a worker process records into the caller's store
    return record(step, execute(step, km), keep_killed=keep_killed)


def execute(step: Step, km=None) -> Execution:
    """Run the notebook with papermill on ``km`` (a fresh IPC kernel when None)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from ..masking import MASK, secret_names
    from . import papermill_engine

    secret = secret_names(step.parameters, step.secret)
    shown = {k: MASK if k in secret else v for k, v in step.parameters.items()}
    out = Path(step.output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, input_path = tempfile.mkstemp(suffix=".ipynb", prefix=".input-", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(step.source)
    own_kernel = km is None
    scratch = None
    if own_kernel:
        km, scratch = _fresh_kernel_manager(step.kernel_name or "python3")
    started = now_ms()
    error = None
    try:
        papermill.execute_notebook(
            input_path,
            str(out),
            parameters=shown or None,  # the saved notebook shows secrets as ***
            engine_name=papermill_engine.NAME,
            kernel_name=step.kernel_name,
            language=step.language,
            request_save_on_cell_execute=False,  # one write at the end: saves a JSON-schema pass per cell
            progress_bar=False,
            # nbclient counts whole seconds
            execution_timeout=math.ceil(step.cell_timeout) if step.cell_timeout else None,
            km=km,
            prelude=papermill_engine.prelude(step.kernel_env(), str(Path(step.notebook_path).parent)),
            secrets=papermill_engine.secrets_code({k: step.parameters[k] for k in secret}),
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
        now_ms(),
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
