"""The data side of a pipeline step: its declared files as dataset inputs, ``expects:`` and
``fairness:`` as checks that gate the step like ``require:``, and, in a pipeline.yaml step, the
notebook's own failed expectations and fairness checks failing the step.

Evaluated by the process that records the step (never in the step's kernel), on the files the
step read and wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MlopsError
from .datasets import dataset

GATED = ("expect.", "fairness.")  # check prefixes whose failure fails a step
READERS = {".csv": "read_csv", ".parquet": "read_parquet", ".json": "read_json", ".feather": "read_feather"}


@dataclass
class Gates:
    checks: dict[str, bool] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # artifact file -> text
    datasets: list[dict] = field(default_factory=list)  # dataset input events
    error: dict | None = None

    def fail(self, name: str, message: str) -> None:
        if self.error is None:
            self.error = {"message": message, "ename": "DataCheckFailed", "evalue": name}


def evaluate(step, checks: dict[str, bool], values: dict[str, str]) -> Gates:
    """The gates of ``step`` given the checks its notebook recorded."""
    gates = Gates()
    files = {
        **{k: (p, "input") for k, p in step.inputs.items()},
        **{k: (p, "output") for k, p in step.outputs.items()},
    }
    for name, (path, context) in files.items():
        if Path(path).is_file():
            gates.datasets.append(dataset(path, name=name, context=context, log=False).to_input())
    for name, schema in step.expects.items():
        _expect(gates, name, files[name][0], schema)
    if step.fairness:
        _fairness(gates, step.fairness, files[step.fairness["data"]][0])
    for name, passed in checks.items() if step.gate_data_checks else ():
        if name.startswith(GATED) and not passed:
            gates.fail(name, f"check {name} failed: {values.get(name, '')}".rstrip(": "))
    return gates


def read_frame(path: str):
    import pandas as pd

    reader = READERS.get(Path(path).suffix.lower())
    if reader is None:
        raise ValueError(f"{Path(path).name}: read {', '.join(READERS)} files only")
    return getattr(pd, reader)(path)


def _expect(gates: Gates, name: str, path: str, schema: str) -> None:
    from .expectations import expect

    check = f"expect.{name}"
    try:
        report = expect(read_frame(path), schema, name=name, log=False)
    except (MlopsError, OSError, ValueError) as exc:
        gates.checks[check], gates.values[check] = False, f"not checked: {exc}"
        gates.fail(check, f"expectations on {name} not checked: {exc}")
        return
    gates.checks[check], gates.values[check] = report.passed, report.summary
    gates.texts[f"expectations/{name}.json"] = json.dumps(report.to_dict(), default=str)
    if not report.passed:
        gates.fail(check, f"expectations on {name} failed: {report.summary}")


def _fairness(gates: Gates, spec: dict, path: str) -> None:
    from .fairness import fairness, within

    try:
        frame = read_frame(path)
        missing = [
            c for c in (spec["label"], spec["prediction"], spec["sensitive"]) if c not in frame.columns
        ]
        if missing:
            raise ValueError(f"{Path(path).name} has no column {', '.join(missing)}")
        report = fairness(
            y=frame[spec["label"]], y_pred=frame[spec["prediction"]], X=frame, sensitive=spec["sensitive"]
        )
    except (MlopsError, OSError, ValueError) as exc:
        for metric in spec["metrics"]:
            gates.checks[f"fairness.{metric}"], gates.values[f"fairness.{metric}"] = (
                False,
                f"not computed: {exc}",
            )
        gates.fail("fairness", f"fairness of {spec['data']} not computed: {exc}")
        return
    gates.metrics |= report.metrics()
    gates.texts[f"fairness/{spec['sensitive']}.json"] = json.dumps(report.to_dict(), allow_nan=True)
    for metric in spec["metrics"]:
        passed, seen = within(metric, report.gaps[metric], spec["max_gap"])
        gates.checks[f"fairness.{metric}"], gates.values[f"fairness.{metric}"] = passed, seen
        if not passed:
            gates.fail(f"fairness.{metric}", f"fairness gate {metric} not met: {seen}")
