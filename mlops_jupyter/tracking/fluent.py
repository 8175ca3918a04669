"""The stateful tracking API a notebook uses: ``track``, ``log_*``, ``check``, ``active_run``.

Runs form a stack per process (a kernel runs one cell at a time). Every call turns into
an event for the process's sink: the background :class:`~.queue.LogQueue` in a notebook,
or a :class:`~.journal.Journal` when the kernel executes a pipeline step, in which case
the step's run is already on the stack and everything logs into it.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
import traceback
import uuid
from contextlib import contextmanager
from numbers import Number
from typing import Any, Iterator

from .. import config
from ..errors import BadInput
from . import machinery_warnings

_NAME = re.compile(r"^[\w\-. /]{1,250}$")
# Frameworks MLflow autologging patches; autologging attaches only once one is imported.
AUTOLOG_FRAMEWORKS = ("sklearn", "xgboost", "lightgbm", "statsmodels", "torch", "tensorflow", "keras")

_stack: list[Run] = []
_sink = None


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
        _stack[:] = [Run.pipeline_root(env["MLOPS_RUN_ID"])]
    else:
        from .queue import get_queue

        _sink, _sink_key = get_queue(), key
    return _sink


def now_ms() -> int:
    return int(time.time() * 1000)


class Run:
    """A run being tracked. ``id`` is local; ``run_id`` is MLflow's id once it exists."""

    def __init__(self, local_id: str, experiment: str | None, name: str | None, parent: Run | None):
        self.id = local_id
        self.experiment = experiment
        self.name = name
        self.parent = parent
        self.params: dict[str, str] = {}
        self.metrics: dict[str, float] = {}
        self.checks: dict[str, bool] = {}
        self.status = "RUNNING"
        self._known_id: str | None = None
        self._autologging = False
        self._sink = sink()  # a run keeps the sink it started with

    @classmethod
    def pipeline_root(cls, run_id: str) -> Run:
        run = cls(run_id, None, None, None)
        run._known_id = run_id
        return run

    def __repr__(self) -> str:
        return f"<mlops run {self.run_id or self.id} {self.status}>"

    @property
    def run_id(self) -> str | None:
        """MLflow's run id (waits for the background writer to create the run)."""
        if self._known_id is None:
            self._known_id = self._sink.run_id(self.id)
        return self._known_id

    def _emit(self, op: str, **fields) -> None:
        self._sink.put({"op": op, "run": self.id, **fields})

    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def log_params(self, params: dict[str, Any]) -> None:
        clean = {}
        for k, v in _mapping(params, "params").items():
            key, text = _key(k, "param"), param_text(v)
            if len(text) > MAX_PARAM_VALUE:  # kept whole as an artifact; the param says where
                self.log_text(text, f"params/{key}.txt")
                text = param_value(text, f"params/{key}.txt")
            clean[key] = text
        self.params.update(clean)
        self._emit("params", params=clean)

    def log_metric(self, key: str, value: Any, step: int | None = None) -> None:
        self.log_metrics({key: value}, step)

    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        stamp = now_ms()
        rows = [[_key(k, "metric"), metric_value(k, v), step, stamp] for k, v in metrics.items()]
        self.metrics.update({k: v for k, v, _, _ in rows})
        self._emit("metrics", metrics=rows)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: dict[str, Any]) -> None:
        self._emit("tags", tags={_key(k, "tag"): str(v)[:8000] for k, v in tags.items()})

    def log_text(self, text: str, artifact_file: str) -> None:
        self._emit("text", text=text, file=artifact_file)

    def log_dict(self, data: dict, artifact_file: str) -> None:
        self.log_text(json.dumps(data, indent=2, default=str), artifact_file)

    def log_artifact(self, local_path: str | os.PathLike, artifact_path: str | None = None) -> None:
        path = os.path.abspath(local_path)
        if not os.path.exists(path):
            raise BadInput(f"no file or directory at {local_path}", "log_artifact takes an existing path.")
        self._emit("artifact", path=path, artifact_path=artifact_path)

    def log_model(self, model: Any, name: str = "model", sample: Any = None) -> None:
        """Log ``model`` with its MLflow flavor; ``sample`` (a few input rows) gives the signature."""
        from .models import flavor_of

        flavor_of(model)  # refuse an unsupported model now, in the cell, not later
        self._emit("model", model=model, sample=sample, name=_key(name, "model name"))

    def check(self, name: str, condition: Any, value: Any = None) -> bool:
        passed = bool(condition)
        key = _key(name, "check")
        self.checks[key] = passed
        tags = {f"mlops.check.{key}": "passed" if passed else "failed"}
        if value is not None:
            tags[f"mlops.check.{key}.value"] = str(value)
        self._emit("tags", tags=tags)
        return passed

    def end(self, status: str = "FINISHED", error: str | None = None) -> None:
        if self._autologging:
            import mlflow

            mlflow.end_run(status=status)
        self.status = status
        self._emit("end", status=status, time=now_ms(), error=error)


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
    run = Run(uuid.uuid4().hex, experiment, name, parent if nested else None)
    s.put(
        {
            "op": "start",
            "run": run.id,
            "parent": run.parent.id if run.parent else None,
            "experiment": experiment,
            "name": name,
            "time": now_ms(),
            "tags": {_key(k, "tag"): str(v)[:8000] for k, v in (tags or {}).items()},
            "notebook": notebook,
            "cwd": os.getcwd(),
        }
    )
    _stack.append(run)
    if autolog and _wants_autolog():
        _attach_autolog(run)
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
    _mapping(params, "params")  # before the run starts: bad input makes no run
    _mapping(tags, "tags")
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


# -- values ---------------------------------------------------------------------------


MAX_PARAM_VALUE = 6000  # MLflow's limit


def param_text(value: Any) -> str:
    if isinstance(value, (list, tuple, dict)):
        try:
            return json.dumps(value, default=str)
        except (TypeError, ValueError):
            return repr(value)
    return str(value)


def param_value(value: Any, artifact: str | None = None) -> str:
    """``value`` as a param; a longer one is cut, saying so (and where it is kept whole)."""
    text = param_text(value)
    if len(text) <= MAX_PARAM_VALUE:
        return text
    where = f"; full value in artifact {artifact}" if artifact else ""
    note = f"… (cut at {MAX_PARAM_VALUE} characters{where})"
    return text[: MAX_PARAM_VALUE - len(note)] + note


def _mapping(value: Any, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput(
            f"{what} must be a mapping of names to values, got {type(value).__name__}",
            f'e.g. {what}={{"max_depth": 6}}',
        )
    return value


def metric_value(name: str, value: Any) -> float:
    # numpy registers its scalar types as numbers, so np.float32(0.9) passes too.
    if isinstance(value, bool) or not isinstance(value, Number) or isinstance(value, complex):
        raise BadInput(
            f"metric {name!r} is {type(value).__name__}, not a number",
            "Metrics are ints or floats (a numpy scalar is fine).",
        )
    number = float(value)
    if math.isinf(number):
        raise BadInput(f"metric {name!r} is infinite", "Metrics must be finite numbers (NaN is kept).")
    return number


def _key(key: str, what: str) -> str:
    if not isinstance(key, str) or not _NAME.match(key) or ".." in key or key.startswith("/"):
        raise BadInput(
            f"invalid {what} name {key!r:.80}",
            "Names use letters, digits, underscores, dashes, periods, spaces and slashes (at most 250).",
        )
    return key


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


# -- autologging ----------------------------------------------------------------------

_autolog_enabled = False


def _wants_autolog() -> bool:
    return any(name in sys.modules for name in AUTOLOG_FRAMEWORKS)


def _attach_autolog(run: Run) -> None:
    """Make ``run`` MLflow's active run so framework autologging logs into it.

    This waits for the run to exist, so it only happens when an autologged framework
    is imported in the kernel; plain cells stay asynchronous.
    """
    global _autolog_enabled
    run_id = run.run_id
    if run_id is None:
        return  # tracking failed; the cell still runs and the failure is shown
    from .store import client, load_mlflow

    client()  # points MLflow's own defaults at our store
    mlflow = load_mlflow()
    if not _autolog_enabled:
        mlflow.autolog(
            log_models=False,
            log_datasets=False,
            log_input_examples=False,
            log_model_signatures=False,
            silent=True,
            exclusive=False,
        )
        _autolog_enabled = True
    mlflow.start_run(run_id=run_id, nested=bool(run.parent))
    run._autologging = True
