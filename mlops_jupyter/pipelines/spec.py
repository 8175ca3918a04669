"""``pipeline.yaml``: a small DAG of notebooks, checked completely before anything runs.

```yaml
name: churn                      # optional (default: the file's name)
experiment: churn                # optional (default: the default experiment)
steps:
  prepare:
    notebook: prepare.ipynb      # relative to this file
    parameters: {n_samples: 600}
    outputs: {data_path: data.csv}          # parameter <- path the step must write
  train:
    notebook: train.ipynb
    inputs: {data_path: prepare.data_path}  # parameter <- an upstream step's output path
    parameters: {max_depth: 4}
    require: ["auc>=0.9"]                   # metric thresholds, checks on the run
    expects: {data_path: churn.schema.yaml} # a pandera schema (YAML) per input or output file
    fairness:                               # per-group gaps of a predictions file (fairlearn)
      data: scores_path                     #   an input or output holding the rows
      sensitive: gender                     #   the group column
      label: churned                        #   true labels
      prediction: predicted                 #   the model's predictions
      metrics: [demographic_parity_difference]
      max_gap: 0.1
    kernel: python3                         # optional (default: the notebook's, else python3)
  report:
    notebook: report.ipynb
    depends_on: [train]                     # order without data
```

Unknown keys, a missing notebook, an undeclared parameter, an input that names no
output, a dependency on an unknown step or a cycle: each is an error naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import BadInput, NotFound
from . import requirements
from .notebooks import Notebook
from .parameters import load_yaml

_STEP_NAME = re.compile(r"^[A-Za-z_][\w-]{0,63}$")


class FairnessSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: str
    sensitive: str
    label: str
    prediction: str
    metrics: list[str] = Field(default_factory=lambda: ["demographic_parity_difference"], min_length=1)
    max_gap: float = Field(ge=0)


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notebook: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)
    inputs: dict[str, str] = Field(default_factory=dict)
    outputs: dict[str, str] = Field(default_factory=dict)
    require: list[str] = Field(default_factory=list)
    expects: dict[str, str] = Field(default_factory=dict)  # input or output -> schema file
    fairness: FairnessSpec | None = None
    cell_timeout: float | None = Field(default=None, gt=0)
    kernel: str | None = None  # a Jupyter kernel name (default: the notebook's)

    @field_validator("outputs", mode="before")
    @classmethod
    def _outputs_list(cls, value):
        # `outputs: [data_path]` names the file after the parameter.
        return {name: name for name in value} if isinstance(value, list) else value

    @field_validator("depends_on", "require", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, str) else value


class PipelineSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    experiment: str | None = None
    steps: dict[str, StepSpec] = Field(min_length=1)


@dataclass
class PlannedStep:
    name: str
    spec: StepSpec
    notebook: Notebook
    parameters: dict[str, Any]  # typed, without inputs and outputs (they are paths known later)
    depends_on: list[str]  # explicit and implied by inputs


@dataclass
class Pipeline:
    path: Path
    name: str
    experiment: str | None
    steps: dict[str, PlannedStep]  # in a topological order

    @classmethod
    def load(
        cls, path: str | Path, overrides: dict[str, Any] | None = None, kernel: str | None = None
    ) -> Pipeline:
        """Read, validate and plan ``pipeline.yaml``; ``overrides`` are ``{"step.param": value}``.

        ``kernel`` is every step's kernel unless the step names its own."""
        path = Path(path)
        spec = _read(path)
        steps: dict[str, PlannedStep] = {}
        by_step = _split_overrides(overrides or {}, spec)
        for name, step in spec.steps.items():
            if not _STEP_NAME.match(name):
                raise BadInput(
                    f"{path}: invalid step name {name!r}", "Step names use letters, digits, _ and -."
                )
            notebook_path = (path.parent / step.notebook).resolve()
            try:
                notebook = Notebook.load(notebook_path, step.kernel or kernel)
            except (NotFound, BadInput) as exc:
                raise type(exc)(f"{path}: step {name!r}: {exc.message}", exc.detail) from None
            for requirement in step.require:
                requirements.parse(requirement)
            _check_data_gates(path, name, step)
            clash = set(step.inputs) & set(step.outputs)
            if clash:
                raise BadInput(
                    f"{path}: step {name!r} uses {', '.join(clash)} as both input and output", None
                )
            values = {**step.parameters, **by_step.get(name, {})}
            # Inputs and outputs are parameters too: check their names now, with placeholder paths.
            paths = dict.fromkeys([*step.inputs, *step.outputs], "/path")
            typed = notebook.typed({**values, **paths})
            for key in paths:
                typed.pop(key)
            depends = list(
                dict.fromkeys([*step.depends_on, *(ref.split(".")[0] for ref in step.inputs.values())])
            )
            steps[name] = PlannedStep(name, step, notebook, typed, depends)
        _check_references(path, spec, steps)
        order = _topological(path, steps)
        return cls(path.resolve(), spec.name or path.stem, spec.experiment, {n: steps[n] for n in order})


def _read(path: Path) -> PipelineSpec:
    import yaml

    if not path.is_file():
        raise NotFound(f"pipeline file not found: {path}", "Give the path of a pipeline.yaml.")
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path} is not valid YAML: {exc}", None) from None
    if not isinstance(data, dict):
        raise BadInput(
            f"{path} must be a mapping with a `steps:` key", "See `mlops run --help` for the format."
        )
    try:
        return PipelineSpec.model_validate(data)
    except ValidationError as exc:
        raise BadInput(f"{path}: {_explain(exc)}", _accepted(exc)) from None


def _explain(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown key {where!r}")
        elif error["type"] == "missing":
            problems.append(f"missing key {where!r}")
        else:
            problems.append(f"{where}: {error['msg']}")
    more = len(exc.errors()) - 3
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _accepted(exc: ValidationError) -> str:
    in_step = any(len(e["loc"]) >= 3 and e["loc"][0] == "steps" for e in exc.errors())
    fields = StepSpec.model_fields if in_step else PipelineSpec.model_fields
    return f"Accepted keys{' of a step' if in_step else ''}: {', '.join(fields)}."


def _split_overrides(overrides: dict[str, Any], spec: PipelineSpec) -> dict[str, dict[str, Any]]:
    by_step: dict[str, dict[str, Any]] = {}
    for key, value in overrides.items():
        step, dot, name = key.partition(".")
        if not dot or step not in spec.steps:
            raise BadInput(
                f"parameter {key!r} does not name a step of the pipeline",
                f"Write STEP.PARAMETER with STEP one of: {', '.join(spec.steps)}.",
            )
        by_step.setdefault(step, {})[name] = value
    return by_step


def _check_references(path: Path, spec: PipelineSpec, steps: dict[str, PlannedStep]) -> None:
    for name, planned in steps.items():
        for dep in planned.spec.depends_on:
            if dep not in steps:
                raise BadInput(
                    f"{path}: step {name!r} depends on unknown step {dep!r}", f"Steps: {', '.join(steps)}."
                )
        for param, ref in planned.spec.inputs.items():
            upstream, dot, output = ref.partition(".")
            if not dot or upstream not in steps:
                raise BadInput(
                    f"{path}: input {param!r} of step {name!r} is {ref!r}, which names no step's output",
                    "Write STEP.OUTPUT, e.g. prepare.data_path.",
                )
            if output not in steps[upstream].spec.outputs:
                declared = ", ".join(steps[upstream].spec.outputs) or "none"
                raise BadInput(
                    f"{path}: step {upstream!r} declares no output {output!r} (input {param!r} of {name!r})",
                    f"Outputs of {upstream!r}: {declared}.",
                )


def _check_data_gates(path: Path, name: str, step: StepSpec) -> None:
    """``expects:`` and ``fairness:`` name declared files, schemas that exist and known metrics."""
    files = {*step.inputs, *step.outputs}
    accepted = f"Declared inputs and outputs of {name!r}: {', '.join(sorted(files)) or 'none'}."
    for param, schema in step.expects.items():
        if param not in files:
            raise BadInput(f"{path}: step {name!r} expects: {param!r} is no input or output", accepted)
        if not (path.parent / schema).is_file():
            raise BadInput(f"{path}: step {name!r} expects: no schema file {schema!r}", "Paths are relative.")
    if step.fairness is not None:
        if step.fairness.data not in files:
            raise BadInput(
                f"{path}: step {name!r} fairness.data {step.fairness.data!r} is no input or output", accepted
            )
        from ..data.fairness_metrics import check_metric_names

        check_metric_names(step.fairness.metrics)


def _topological(path: Path, steps: dict[str, PlannedStep]) -> list[str]:
    """Steps in dependency order (file order among independent ones); a cycle is named."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = [*trail[trail.index(name) :], name]
            raise BadInput(
                f"{path}: the steps form a cycle: {' -> '.join(cycle)}", "A pipeline must be acyclic."
            )
        state[name] = "visiting"
        for dep in steps[name].depends_on:
            visit(dep, [*trail, name])
        state[name] = "done"
        order.append(name)

    for name in steps:
        visit(name, [])
    return order
