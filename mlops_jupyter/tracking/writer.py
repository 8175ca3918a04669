"""Apply run events to MLflow: the one place that writes runs.

Pipelines, jobs and result logging write through the same :class:`RunWriter` methods
(:meth:`~RunWriter.create_run`, :meth:`~RunWriter.log_batch`, :meth:`~RunWriter.log_artifact`,
:meth:`~RunWriter.end_run`), so batching limits and lock retries live here only.

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
    {"op": "dataset", "run", "dataset": {name, digest, source_type, source, schema, profile, context}}
    {"op": "end", "run", "status", "time", "error"}
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from .. import config
from ..config import display_path
from . import mlflow_store
from .clock import now_ms
from .environment import environment, git_state
from .notebook import file_version, short
from .retry import retry

VERSIONS_EXPERIMENT = "mlops-notebook-versions"
LOCAL_ID_TAG = "mlops.local_id"  # the id the process gave the run in its events
TERMINAL = ("FINISHED", "FAILED", "KILLED")


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
        return mlflow_store.client(self.uri)

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

    # -- runs by MLflow id: what pipelines, jobs and result logging write -----------------

    def experiment_id(self, name: str) -> str:
        return retry(mlflow_store.experiment_id, name, self.uri)

    def get_run(self, run_id: str):
        """The MLflow run; an unknown id is :class:`~mlops_jupyter.errors.NotFound`."""
        return mlflow_store.get_run(run_id, self.uri)

    def create_run(
        self, experiment_id: str, name: str | None, tags: dict[str, str], start_time: int | None = None
    ):
        """Create a run with ``tags``; MLflow's run comes back (its ``info`` has id and artifact URI)."""
        return retry(
            self.client.create_run,
            experiment_id,
            start_time=now_ms() if start_time is None else start_time,
            tags=tags,
            run_name=name,
        )

    def log_batch(
        self,
        run_id: str,
        params: dict[str, Any] | None = None,
        metrics: list | None = None,
        tags: dict[str, Any] | None = None,
    ) -> None:
        """Params, tags and metric rows (``[key, value, step, time_ms]``) in as few calls as MLflow takes."""
        from mlflow.entities import Metric, Param, RunTag

        rows = [Metric(k, float(v), int(t), int(s or 0)) for k, v, s, t in metrics or []]
        values = [Param(k, str(v)) for k, v in (params or {}).items()]
        labels = [RunTag(k, str(v)) for k, v in (tags or {}).items()]
        # MLflow caps one batch at 1000 values, 100 of them params and 100 tags.
        chunks = max(-(-len(values) // 100), -(-len(labels) // 100), -(-len(rows) // 800), 1)
        for i in range(chunks):
            retry(
                self.client.log_batch,
                run_id,
                metrics=rows[i * 800 : (i + 1) * 800],
                params=values[i * 100 : (i + 1) * 100],
                tags=labels[i * 100 : (i + 1) * 100],
            )

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        retry(self.client.log_text, run_id, text, artifact_file)

    def log_artifact(
        self,
        run_id: str,
        path: str | os.PathLike,
        artifact_path: str | None = None,
        artifact_uri: str | None = None,
    ) -> None:
        """Log a file or a directory; given the run's ``artifact_uri``, a file is copied straight there."""
        if artifact_uri:
            from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

            get_artifact_repository(artifact_uri).log_artifact(str(path), artifact_path)
        elif Path(path).is_dir():
            retry(self.client.log_artifacts, run_id, str(path), artifact_path)
        else:
            retry(self.client.log_artifact, run_id, str(path), artifact_path)

    def log_input(self, run_id: str, dataset: dict[str, str]) -> None:
        """Log one dataset input (see :mod:`mlops_jupyter.data.datasets`) with its context tag."""
        from mlflow.entities import Dataset, DatasetInput, InputTag
        from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

        entity = Dataset(
            dataset["name"],
            dataset["digest"],
            dataset["source_type"],
            dataset["source"],
            schema=dataset.get("schema"),
            profile=dataset.get("profile"),
        )
        tags = [InputTag(MLFLOW_DATASET_CONTEXT, dataset.get("context") or "training")]
        retry(self.client.log_inputs, run_id, datasets=[DatasetInput(entity, tags)])

    def end_run(self, run_id: str, status: str, end_time: int | None = None) -> None:
        retry(self.client.set_terminated, run_id, status, end_time=now_ms() if end_time is None else end_time)

    # -- one method per event ---------------------------------------------------------

    def _start(self, event: dict) -> None:
        experiment_id = event.get("experiment_id") or self.experiment_id(event["experiment"])
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
        run = self.create_run(experiment_id, event.get("name"), tags, start_time=event["time"])
        self.run_ids[event["run"]] = run.info.run_id
        env = environment()
        self.client.log_text(run.info.run_id, env.requirements, "environment/requirements.txt")

    def _flush_batch(self, batch: dict) -> None:
        self.log_batch(self.run_ids[batch["run"]], batch["params"], batch["metrics"], batch["tags"])

    def _text(self, event: dict) -> None:
        self.log_text(self.run_ids[event["run"]], event["text"], event["file"])

    def _artifact(self, event: dict) -> None:
        self.log_artifact(self.run_ids[event["run"]], event["path"], event.get("artifact_path"))

    def _dataset(self, event: dict) -> None:
        self.log_input(self.run_ids[event["run"]], event["dataset"])

    def _model(self, event: dict) -> None:
        from .model_logging import log_model

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
            self.log_text(run_id, event["error"], "error/traceback.txt")
            retry(self.client.set_tag, run_id, "mlops.error", event["error"].strip().splitlines()[-1][:500])
        self.end_run(run_id, event["status"], end_time=event["time"])

    def kill(self, run_id: str, end_time: int) -> None:
        """End a run whose process died before ending it."""
        if self.client.get_run(run_id).info.status == "RUNNING":
            self.end_run(run_id, "KILLED", end_time=end_time)

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
                except Exception:  # noqa: BLE001 - deleted or half-written since the cell ran: tag what we know
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
        experiment_id = self.experiment_id(VERSIONS_EXPERIMENT)
        found = self.client.search_runs(
            [experiment_id],
            f"tags.`mlops.notebook.version` = '{version}'",
            max_results=1,
            order_by=["attributes.start_time ASC"],
        )
        if found:
            record = found[0].info.run_id
        else:
            now = now_ms()
            run = self.create_run(
                experiment_id,
                f"{Path(path).name}@{short(version)}",
                {
                    "mlops.notebook.path": display or display_path(path),
                    "mlops.notebook.version": version,
                    "mlops.kind": "notebook-version",
                },
                start_time=now,
            )
            record = run.info.run_id
            retry(self.client.log_artifact, record, str(path), "notebook")
            self.end_run(record, "FINISHED", end_time=now)
        self._versions[version] = record
        return record
