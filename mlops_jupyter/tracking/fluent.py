"""The stateful tracking API a notebook uses: ``track``, ``log_*``, ``check``, ``active_run``.

Runs form a stack per process (a kernel runs one cell at a time). Every call turns into
an event for the process's sink: the background :class:`~.queue.LogQueue` in a notebook,
or a :class:`~.journal.Journal` when the kernel executes a pipeline step, in which case
the step's run is already on the stack and everything logs into it.
"""

from __future__ import annotations

import os
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .. import config
from ..errors import BadInput
from . import autolog as autologging
from . import machinery_warnings
from .clock import now_ms
from .run import Run
from .values import mapping, valid_name

if TYPE_CHECKING:
    from .journal import Journal
    from .queue import LogQueue

_stack: list[Run] = []
_sink: Journal | LogQueue | None = None


_sink_key: tuple | None = None


def sink():
    """Where events go: the pipeline journal if this kernel runs a step, else the queue.

    Cached on what decides it (environment and working directory), so a cell can call
    this for every event without walking the file system for the state directory.
    """
    global _sink, _sink_key
    env = os.environ
    key = (
        env.get("MLOPS_JOURNAL"),
        env.get("MLOPS_RUN_ID"),
        env.get("MLOPS_TRACKING_URI"),
        env.get("MLOPS_HOME"),
        os.getcwd(),
    )
    if _sink is not None and key == _sink_key:
        return _sink
    if key[0]:
        from .journal import Journal

        _sink, _sink_key = Journal(key[0]), key
        _stack[:] = [Run.pipeline_root(env["MLOPS_RUN_ID"], _sink)]
    else:
        from .queue import get_queue

        _sink, _sink_key = get_queue(), key
    return _sink


def active_run() -> Run | None:
    sink()  # a pipeline kernel puts its step's run on the stack
    return _stack[-1] if _stack else None


def start_run(
    experiment: str | None = None,
    name: str | None = None,
    *,
    nested: bool = False,
    tags: dict[str, Any] | None = None,
    notebook: str | None = None,
    autolog: bool = False,
) -> tuple[Run, bool]:
    """Start a run and push it; returns (run, created). Ends with :func:`finish_run`.

    In a pipeline step, a run that is not nested joins the step's run (created=False).
    """
    s = sink()
    parent = _stack[-1] if _stack else None
    if parent is not None and not nested:
        if os.environ.get("MLOPS_JOURNAL"):
            _stack.append(parent)
            return parent, False
        raise BadInput(
            f"a run is already active ({parent.name or parent.id})",
            "Use --nested (or nested=True) to start a child run, or end the active run first.",
        )
    if parent is None:
        machinery_warnings.install()
        machinery_warnings.take()  # what came before this run is not this run's
        # The previous run's events are written before a new one starts; events an unreachable
        # store could not take are retried in the background, not in the cell.
        s.flush(retry=False)
    if nested and parent is not None:
        experiment = experiment or parent.experiment  # children live with their parent
    experiment = experiment or _default_experiment()
    run = Run(uuid.uuid4().hex, experiment, name, parent if nested else None, s)
    s.put(
        {
            "op": "start",
            "run": run.id,
            "parent": run.parent.id if run.parent else None,
            "experiment": experiment,
            "name": name,
            "time": now_ms(),
            "tags": {valid_name(k, "tag"): str(v)[:8000] for k, v in (tags or {}).items()},
            "notebook": notebook,
            "cwd": os.getcwd(),
        }
    )
    _stack.append(run)
    if autolog and autologging.wanted():
        autologging.attach(run)
    return run, True


def finish_run(run: Run, created: bool, error: BaseException | None = None) -> None:
    """Pop ``run``; end it (FAILED with the traceback, KILLED on interrupt) if we created it."""
    if _stack and _stack[-1] is run:
        _stack.pop()
    if not created:
        return
    captured = machinery_warnings.take()
    if captured:
        run.log_text(captured, "warnings/cell.txt")
    if error is None:
        run.end("FINISHED")
    else:
        status = "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED"
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        run.end(status, error=text)


@contextmanager
def track(
    experiment: str | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    *,
    nested: bool = False,
    autolog: bool = True,
    notebook: str | None = None,
) -> Iterator[Run]:
    """Track a block of code as one MLflow run.

    >>> with mlops.track(experiment="churn", params={"max_depth": 6}) as run:
    ...     run.log_metric("auc", 0.93)

    An exception marks the run FAILED with its traceback and propagates.
    """
    if notebook is None:
        from .notebook import current_notebook_path

        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython else None
        found = current_notebook_path(shell.user_ns if shell else None)
        notebook = str(found) if found else None
    mapping(params, "params")  # before the run starts: bad input makes no run
    mapping(tags, "tags")
    run, created = start_run(experiment, name, nested=nested, tags=tags, notebook=notebook, autolog=autolog)
    try:
        if params:
            run.log_params(params)
        yield run
    except BaseException as exc:
        finish_run(run, created, exc)
        raise
    finish_run(run, created)


def _require_run() -> Run:
    run = active_run()
    if run is None:
        raise BadInput(
            "no active run to log into",
            "Log inside a `%%mlops track` cell or a `with mlops.track(...)` block.",
        )
    return run


def log_param(key: str, value: Any) -> None:
    _require_run().log_param(key, value)


def log_params(params: dict[str, Any]) -> None:
    _require_run().log_params(params)


def log_metric(key: str, value: Any, step: int | None = None) -> None:
    _require_run().log_metric(key, value, step)


def log_metrics(metrics: dict[str, Any], step: int | None = None) -> None:
    _require_run().log_metrics(metrics, step)


def set_tag(key: str, value: Any) -> None:
    _require_run().set_tag(key, value)


def log_artifact(local_path: str, artifact_path: str | None = None) -> None:
    _require_run().log_artifact(local_path, artifact_path)


def log_model(model: Any, name: str = "model", sample: Any = None) -> None:
    _require_run().log_model(model, name, sample)


def check(name: str, condition: Any, value: Any = None) -> bool:
    """Record a named assertion on the active run and return whether it passed.

    >>> mlops.check("auc", auc >= 0.9, value=auc)

    A failed check does not stop the notebook; it fails validation. Outside a run the
    condition is only evaluated.
    """
    run = active_run()
    return run.check(name, condition, value) if run else bool(condition)


def flush(timeout: float | None = None) -> bool:
    """Wait until everything logged so far is written to the tracking store."""
    return sink().flush(timeout)


def _default_experiment() -> str:
    return _session_experiment or config.default_experiment()


_session_experiment: str | None = None


def set_experiment(name: str) -> None:
    """Set this process's default experiment (created when its first run starts)."""
    global _session_experiment
    # MLflow takes any text as an experiment name (emoji included); refuse what no store holds.
    if not isinstance(name, str) or not name.strip() or len(name) > 250 or not name.isprintable():
        raise BadInput(
            f"invalid experiment name {name!r:.80}",
            "An experiment name is 1 to 250 printable characters.",
        )
    _session_experiment = name
