"""Running a ``pipeline.yaml``: independent steps in parallel, failures stop only dependents.

A step starts when the steps it depends on have finished; it receives each upstream
output it names as a path. A failed step keeps its run, output notebook and outputs, and
its dependents are not run; every other branch goes on. With ``resume``, a step whose
notebook version, parameters and input contents match its last success is not run
again: that success (and its outputs) stands in for it.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from ..errors import ExecutionFailed
from .executors import make_executor, wait_first
from .inputs import check_timeout
from .notebooks import output_dir
from .spec import Pipeline, PlannedStep
from .step import StepResult

NOT_RUN = "UPSTREAM_FAILED"


@dataclass
class PipelineResult:
    name: str
    path: str
    parent_run_id: str | None
    steps: dict[str, StepResult] = field(default_factory=dict)
    reused: dict[str, str] = field(default_factory=dict)  # step -> run id of the success it reused

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.steps.values())

    @property
    def status(self) -> str:
        return "FINISHED" if self.ok else "FAILED"

    def raise_for_status(self) -> PipelineResult:
        failed = [r for r in self.steps.values() if r.status not in ("FINISHED", NOT_RUN)]
        if not failed:
            return self
        first = failed[0]
        error = first.error or {}
        skipped = [n for n, r in self.steps.items() if r.status == NOT_RUN]
        raise ExecutionFailed(
            f"pipeline {self.name}: step {first.name} failed: {error.get('message') or first.status.lower()}",
            (f"not run: {', '.join(skipped)}; " if skipped else "")
            + f"output notebook: {first.output_path}; run: {first.run_id}",
            cell_index=error.get("cell_index"),
            ename=error.get("ename"),
            evalue=error.get("evalue"),
            traceback=error.get("traceback"),
            run_id=first.run_id,
            output_path=first.output_path,
        )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "step": name,
                "status": "REUSED" if name in self.reused else r.status,
                "run_id": r.run_id,
                "duration_s": r.duration_s,
                **r.metrics,
                "error": (r.error or {}).get("message"),
            }
            for name, r in self.steps.items()
        ]


def run_pipeline(
    path,
    overrides: dict[str, Any] | None = None,
    *,
    experiment: str | None = None,
    executor: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    cell_timeout: float | None = None,
    kernels: str = "auto",
    kernel: str | None = None,
    resume: bool = False,
    raise_on_error: bool = True,
    progress: bool | None = None,
) -> PipelineResult:
    """Run every step of ``pipeline.yaml`` (see :mod:`.spec` for the format)."""
    from .recording import RunFactory

    pipeline = Pipeline.load(path, overrides, kernel)
    check_timeout(cell_timeout)
    preload = tuple(dict.fromkeys(m for s in pipeline.steps.values() for m in s.notebook.imports()))
    with make_executor(
        executor,
        workers=workers,
        address=address,
        kernels=kernels,
        preload=preload,
        expected_steps=len(pipeline.steps),
    ) as ex:
        factory = RunFactory(experiment or pipeline.experiment or config.default_experiment())
        from ..config import display_path

        where = display_path(pipeline.path)
        parent = factory.create(
            pipeline.name,
            {
                "mlops.kind": "pipeline-dag",
                "mlops.pipeline.path": where,
                "mlops.executor": ex.name,
                "mlops.pipeline.steps": ",".join(pipeline.steps),
            },
        )
        result = PipelineResult(pipeline.name, where, parent)
        _Scheduler(pipeline, ex, factory, result, where, resume, cell_timeout, progress).run()
        factory.finish(parent, result.status, {f"mlops.step.{n}.reused": r for n, r in result.reused.items()})
    return result.raise_for_status() if raise_on_error else result


class _Scheduler:
    def __init__(self, pipeline, ex, factory, result, where, resume, cell_timeout, progress):
        self.pipeline = pipeline
        self.ex = ex
        self.factory = factory
        self.result = result
        self.where = where
        self.resume = resume
        self.cell_timeout = cell_timeout
        self.progress = progress
        self.running: dict[Future, str] = {}
        self.keys: dict[str, str] = {}

    def run(self) -> None:
        from tqdm.auto import tqdm

        todo = list(self.pipeline.steps)
        bar = tqdm(
            total=len(todo),
            desc=f"pipeline {self.pipeline.name}",
            unit="step",
            disable=not self.progress if self.progress is not None else None,
        )
        try:
            while todo or self.running:
                for name in list(todo):
                    deps = self.pipeline.steps[name].depends_on
                    if any(d not in self.result.steps for d in deps):
                        continue
                    todo.remove(name)
                    if any(not self.result.steps[d].ok for d in deps):
                        self._not_run(name, deps)
                        bar.update(1)
                    elif not self._reuse(name):
                        self.running[self.ex.submit(self._step(name))] = name
                    else:
                        bar.update(1)
                if not self.running:
                    continue
                done = wait_first(list(self.running))
                for future in done:
                    name = self.running.pop(future)
                    self.result.steps[name] = future.result()
                    bar.update(1)
        except BaseException as exc:
            self.ex.cancel()
            wait(list(self.running), timeout=60)
            status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
            self.factory.end_unfinished([*self.factory.created, self.result.parent_run_id], status)
            raise
        finally:
            bar.close()
        # The file order, not the completion order, reads best.
        self.result.steps = {n: self.result.steps[n] for n in self.pipeline.steps}

    def _inputs(self, planned: PlannedStep) -> dict[str, str]:
        paths = {}
        for param, ref in planned.spec.inputs.items():
            upstream, _, output = ref.partition(".")
            paths[param] = self.result.steps[upstream].outputs[output]
        return paths

    def _key(self, planned: PlannedStep, inputs: dict[str, str]) -> str:
        """What decides whether a step's last success still holds."""
        from ..tracking.notebook import version_of

        payload: dict[str, Any] = {
            "notebook": version_of(json.loads(planned.notebook.source)),
            "parameters": planned.parameters,
            "inputs": {param: file_digest(path) for param, path in sorted(inputs.items())},
            "outputs": sorted(planned.spec.outputs.items()),
            "require": planned.spec.require,
        }
        if planned.spec.expects or planned.spec.fairness:  # keys of steps without them stay as they were
            root = self.pipeline.path.parent
            payload["expects"] = {k: file_digest(root / v) for k, v in planned.spec.expects.items()}
            payload["fairness"] = planned.spec.fairness.model_dump() if planned.spec.fairness else None
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def _reuse(self, name: str) -> bool:
        planned = self.pipeline.steps[name]
        key = self._key(planned, self._inputs(planned))
        self.keys[name] = key
        if not self.resume:
            return False
        found = self.factory.client.search_runs(
            [self.factory.experiment_id],
            f"tags.`mlops.step.key` = '{key}' and tags.`mlops.pipeline.path` = '{self.where}' "
            f"and tags.`mlops.pipeline.step` = '{name}' and attributes.status = 'FINISHED'",
            max_results=5,
            order_by=["attributes.start_time DESC"],
        )
        for run in found:
            outputs = {o: run.data.tags.get(f"mlops.output.{o}") for o in planned.spec.outputs}
            if all(p and Path(p).exists() for p in outputs.values()):
                metrics = dict(run.data.metrics)
                self.result.steps[name] = StepResult(
                    name,
                    run.info.run_id,
                    "FINISHED",
                    dict(planned.parameters),
                    metrics,
                    {},
                    run.data.tags.get("mlops.output"),
                    0.0,
                    outputs=outputs,
                )
                self.result.reused[name] = run.info.run_id
                return True
        return False

    def _step(self, name: str):
        planned = self.pipeline.steps[name]
        nb = planned.notebook
        inputs = self._inputs(planned)
        context = self.factory.context(nb.path, nb.source)
        tags = {
            **context,
            "mlops.kind": "pipeline",
            "mlops.executor": self.ex.name,
            "mlops.pipeline.path": self.where,
            "mlops.pipeline.step": name,
            "mlops.step.key": self.keys[name],
        }
        run_id = self.factory.create(name, tags, parent=self.result.parent_run_id, params=planned.parameters)
        out = output_dir(run_id)
        outputs = {param: str(out / "outputs" / filename) for param, filename in planned.spec.outputs.items()}
        (out / "outputs").mkdir(parents=True, exist_ok=True)
        return nb.step(
            name,
            {**planned.parameters, **inputs, **outputs},
            run_id,
            out,
            self.factory,
            cell_timeout=planned.spec.cell_timeout or self.cell_timeout,
            outputs=outputs,
            requires=list(planned.spec.require),
            inputs=inputs,
            expects={k: str(self.pipeline.path.parent / v) for k, v in planned.spec.expects.items()},
            fairness=planned.spec.fairness.model_dump() if planned.spec.fairness else None,
            gate_data_checks=True,
        )

    def _not_run(self, name: str, deps: list[str]) -> None:
        failed = [d for d in deps if not self.result.steps[d].ok]
        self.result.steps[name] = StepResult(
            name,
            None,
            NOT_RUN,
            dict(self.pipeline.steps[name].parameters),
            {},
            {},
            None,
            0.0,
            error={"message": f"not run: upstream step {', '.join(failed)} did not succeed"},
        )


def file_digest(path: str | Path) -> str:
    """sha256 of a file, or of a directory's files and their relative names."""
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with open(file, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
