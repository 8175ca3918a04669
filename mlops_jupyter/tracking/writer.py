"""Apply run events to MLflow: the one place that writes runs.

The fluent API (``track``, ``log_metric``, the magics) never calls MLflow itself: it
emits small, JSON-friendly events. In a notebook the events go through a background
queue into a :class:`RunWriter`, so tracking stays off the cell's critical path; in a
pipeline they go to a journal file that the executor replays into a ``RunWriter``, so
kernels never import MLflow just to log a metric.

Event shapes (``run`` is the caller's local id for the run)::

    {"op": "start", "run", "parent", "experiment", "name", "time", "tags", "notebook", "cwd"}
    {"op": "params", "run", "params": {key: str}}
    {"op": "metrics", "run", "metrics": [[key, value, step, time_ms], ...]}
    {"op": "tags", "run", "tags": {key: str}}
    {"op": "text", "run", "text", "file"}
    {"op": "artifact", "run", "path", "artifact_path"}
    {"op": "model", "run", "name", "model" | "pickle", "sample"}
    {"op": "end", "run", "status", "time", "error"}
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import time
from pathlib import Path

from .. import config
from ..config import display_path
from . import store
from .environment import environment, git_state
from .notebook import file_version, short

VERSIONS_EXPERIMENT = "mlops-notebook-versions"
LOCAL_ID_TAG = "mlops.local_id"  # the id the process gave the run in its events
_RETRIES = 8


class RunWriter:
    """Turns events into MLflow calls against one tracking URI."""

    def __init__(self, uri: str | None = None, known: dict[str, str] | None = None, resume: bool = False):
        self.uri = uri or config.tracking_uri()
        self.run_ids: dict[str, str] = dict(known or {})  # local id -> MLflow run id
        # Replaying a journal: a run whose creation was not yet marked may exist already.
        self.resume = resume
        self._versions: dict[str, str] = {}  # notebook version -> id of its version record

    @property
    def client(self):
        return store.client(self.uri)

    def apply(self, events: list[dict]) -> None:
        """Apply events in order, folding consecutive params/metrics/tags into one batch."""
        batch: dict | None = None
        for event in events:
            if event["op"] in ("params", "metrics", "tags"):
                if batch is not None and batch["run"] != event["run"]:
                    self._flush_batch(batch)
                    batch = None
                batch = batch or {"run": event["run"], "params": {}, "metrics": [], "tags": {}}
                if event["op"] == "metrics":
                    batch["metrics"].extend(event["metrics"])
                else:
                    batch[event["op"]].update(event[event["op"]])
                continue
            if batch is not None:
                self._flush_batch(batch)
                batch = None
            getattr(self, "_" + event["op"])(event)
        if batch is not None:
            self._flush_batch(batch)

    # -- one method per event ---------------------------------------------------------

    def _start(self, event: dict) -> None:
        experiment_id = event.get("experiment_id") or _retry(
            store.experiment_id, event["experiment"], self.uri
        )
        tags = {"mlflow.user": config.current_user(), **self.context_tags(event), **event.get("tags", {})}
        parent = event.get("parent")
        if parent:
            tags["mlflow.parentRunId"] = self.run_ids[parent]
        tags[LOCAL_ID_TAG] = event["run"]
        if self.resume:
            found = self.client.search_runs(
                [experiment_id], f"tags.`{LOCAL_ID_TAG}` = '{event['run']}'", max_results=1
            )
            if found:
                self.run_ids[event["run"]] = found[0].info.run_id
                return
        run = _retry(
            self.client.create_run,
            experiment_id,
            start_time=event["time"],
            tags=tags,
            run_name=event.get("name"),
        )
        self.run_ids[event["run"]] = run.info.run_id
        env = environment()
        self.client.log_text(run.info.run_id, env.requirements, "environment/requirements.txt")

    def _flush_batch(self, batch: dict) -> None:
        from mlflow.entities import Metric, Param, RunTag

        run_id = self.run_ids[batch["run"]]
        metrics = [Metric(k, float(v), int(t), int(s or 0)) for k, v, s, t in batch["metrics"]]
        params = [Param(k, str(v)) for k, v in batch["params"].items()]
        tags = [RunTag(k, str(v)) for k, v in batch["tags"].items()]
        # MLflow caps one batch at 1000 values, 100 of them params and 100 tags.
        chunks = max(-(-len(params) // 100), -(-len(tags) // 100), -(-len(metrics) // 800), 1)
        for i in range(chunks):
            _retry(
                self.client.log_batch,
                run_id,
                metrics=metrics[i * 800 : (i + 1) * 800],
                params=params[i * 100 : (i + 1) * 100],
                tags=tags[i * 100 : (i + 1) * 100],
            )

    def _text(self, event: dict) -> None:
        _retry(self.client.log_text, self.run_ids[event["run"]], event["text"], event["file"])

    def _artifact(self, event: dict) -> None:
        path = Path(event["path"])
        run_id = self.run_ids[event["run"]]
        if path.is_dir():
            _retry(self.client.log_artifacts, run_id, str(path), event.get("artifact_path"))
        else:
            _retry(self.client.log_artifact, run_id, str(path), event.get("artifact_path"))

    def _model(self, event: dict) -> None:
        from .models import log_model

        client = self.client  # flavors log through MLflow's defaults, which the client points at our store
        model, sample = event.get("model"), event.get("sample")
        if "pickle" in event:
            with open(event["pickle"], "rb") as fh:
                model, sample = pickle.load(fh)
        info = log_model(model, self.run_ids[event["run"]], event.get("name") or "model", sample)
        client.set_tag(self.run_ids[event["run"]], "mlops.model_uri", info.model_uri)

    def _end(self, event: dict) -> None:
        run_id = self.run_ids[event["run"]]
        if event.get("error"):
            _retry(self.client.log_text, run_id, event["error"], "error/traceback.txt")
            _retry(self.client.set_tag, run_id, "mlops.error", event["error"].strip().splitlines()[-1][:500])
        _retry(self.client.set_terminated, run_id, event["status"], end_time=event["time"])

    def kill(self, run_id: str, end_time: int) -> None:
        """End a run whose process died before ending it."""
        if self.client.get_run(run_id).info.status == "RUNNING":
            _retry(self.client.set_terminated, run_id, "KILLED", end_time=end_time)

    # -- what a run captures without being asked ----------------------------------------

    def context_tags(
        self, event: dict, version: str | None = None, snapshot: Path | None = None
    ) -> dict[str, str]:
        """Tags that make a run reproducible: git state, environment, notebook path and version.

        ``event`` needs ``notebook`` (a path) or ``cwd``. A caller that executes a copy of the
        notebook passes its ``version`` and the ``snapshot`` file holding exactly that content,
        which is what the version record stores.
        """
        env = environment()
        tags = {"mlops.python": env.python, "mlops.env.digest": env.digest}
        notebook = event.get("notebook")
        where = Path(notebook).parent if notebook else Path(event.get("cwd") or os.getcwd())
        git = git_state(where)
        if git:
            tags |= {
                "mlflow.source.git.commit": git.commit,
                "mlops.git.dirty": str(git.dirty).lower(),
            }
            if git.branch:
                tags["mlflow.source.git.branch"] = git.branch
        if notebook:
            path = Path(notebook)
            tags |= {
                "mlflow.source.name": display_path(path),
                "mlflow.source.type": "NOTEBOOK",
                "mlops.notebook.path": display_path(path),
            }
            if version is None:
                try:
                    version = file_version(path)
                except Exception:  # deleted or half-written since the cell ran: tag what we know
                    return tags
            tags["mlops.notebook.version"] = version
            tags["mlops.notebook.version_run"] = self.version_record(
                snapshot or path, version, display=display_path(path)
            )
        return tags

    def version_record(self, path: Path, version: str, display: str | None = None) -> str:
        """The run that stores notebook ``version`` as an artifact, created once per version.

        ``path`` is the file stored (it must hold that version); ``display`` is the notebook
        path tagged on the record (default: ``path`` itself).
        """
        if version in self._versions:
            return self._versions[version]
        experiment_id = _retry(store.experiment_id, VERSIONS_EXPERIMENT, self.uri)
        found = self.client.search_runs(
            [experiment_id],
            f"tags.`mlops.notebook.version` = '{version}'",
            max_results=1,
            order_by=["attributes.start_time ASC"],
        )
        if found:
            record = found[0].info.run_id
        else:
            now = int(time.time() * 1000)
            run = _retry(
                self.client.create_run,
                experiment_id,
                start_time=now,
                run_name=f"{Path(path).name}@{short(version)}",
                tags={
                    "mlops.notebook.path": display or display_path(path),
                    "mlops.notebook.version": version,
                    "mlops.kind": "notebook-version",
                },
            )
            record = run.info.run_id
            _retry(self.client.log_artifact, record, str(path), "notebook")
            _retry(self.client.set_terminated, record, "FINISHED", end_time=now)
        self._versions[version] = record
        return record


def _retry(fn, *args, **kwargs):
    """Call ``fn``, waiting out SQLite's "database is locked" when several kernels write."""
    delay = 0.05
    for attempt in range(_RETRIES):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - we re-raise anything that is not a lock
            if attempt == _RETRIES - 1 or not _is_lock_error(exc):
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _is_lock_error(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, sqlite3.OperationalError) or "database is locked" in str(exc):
            return "locked" in str(exc) or "busy" in str(exc)
        exc = exc.__cause__ or exc.__context__
    return False
