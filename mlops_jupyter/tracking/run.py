"""A run being tracked: every ``log_*`` call becomes an event for the run's sink."""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import BadInput
from .clock import now_ms
from .values import MAX_PARAM_VALUE, mapping, metric_value, param_text, param_value, valid_name


class Run:
    """A run being tracked. ``id`` is local; ``run_id`` is MLflow's id once it exists."""

    def __init__(self, local_id: str, experiment: str | None, name: str | None, parent: Run | None, sink):
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
        self._sink = sink  # a run keeps the sink it started with

    @classmethod
    def pipeline_root(cls, run_id: str, sink) -> Run:
        run = cls(run_id, None, None, None, sink)
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
        from ..masking import mask_values

        clean = {}
        for k, v in mask_values(mapping(params, "params")).items():  # a secret is logged as ***
            key, text = valid_name(k, "param"), param_text(v)
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
        values = {valid_name(k, "metric"): metric_value(k, v) for k, v in metrics.items()}
        rows = [[k, v, step, stamp] for k, v in values.items()]
        self.metrics.update(values)
        self._emit("metrics", metrics=rows)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: dict[str, Any]) -> None:
        self._emit("tags", tags={valid_name(k, "tag"): str(v)[:8000] for k, v in tags.items()})

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
        from .model_logging import flavor_of

        flavor_of(model)  # refuse an unsupported model now, in the cell, not later
        self._emit("model", model=model, sample=sample, name=valid_name(name, "model name"))

    def log_input(self, dataset: dict[str, str]) -> None:
        """An MLflow dataset input: ``name``, ``digest``, ``source_type``, ``source``, ``schema``,
        ``profile`` (JSON text) and ``context`` (training, evaluation, input, output...)."""
        self._emit("dataset", dataset=dataset)

    def check(self, name: str, condition: Any, value: Any = None) -> bool:
        passed = bool(condition)
        key = valid_name(name, "check")
        self.checks[key] = passed
        tags = {f"mlops.check.{key}": "passed" if passed else "failed"}
        if value is not None:
            tags[f"mlops.check.{key}.value"] = str(value)
        self._emit("tags", tags=tags)
        return passed

    def end(self, status: str = "FINISHED", error: str | None = None) -> None:
        if self._autologging:
            from . import autolog

            autolog.detach(status)
        self.status = status
        self._emit("end", status=status, time=now_ms(), error=error)
