"""``run`` and ``sweep``: a notebook executed once, or over a parameter grid, every execution tracked.

>>> result = mlops.run("notebooks/train.ipynb", {"max_depth": 6})
>>> result.metrics["auc"]
0.99
>>> table = mlops.sweep("notebooks/train.ipynb", grid={"max_depth": [2, 4, 8]}, workers=2)

Everything the user typed is checked before a kernel starts or a run is written: the
notebook, each parameter name and value, the executor and its address.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from concurrent.futures import wait
from pathlib import Path
from typing import Any

from .. import config
from ..errors import BadInput
from ..masking import mask_values
from . import parameters as params_mod
from .executors import Executor, choose_executor, make_executor, wait_first
from .inputs import check_timeout, mapping, merged_parameters, target_path
from .notebooks import Notebook, output_dir
from .step import Step, StepResult


def run(
    target: str | Path,
    parameters: dict[str, Any] | None = None,
    *,
    param_file: str | Path | None = None,
    experiment: str | None = None,
    executor: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    cell_timeout: float | None = None,
    kernels: str = "auto",
    kernel: str | None = None,
    resume: bool = False,
    name: str | None = None,
    raise_on_error: bool = True,
    progress: bool | None = None,
):
    """Run a notebook as one tracked run, or a ``pipeline.yaml`` as a DAG of runs.

    >>> mlops.run("notebooks/train.ipynb", {"max_depth": 6, "model": "rf"}).run_id

    A failing notebook raises :class:`~mlops_jupyter.errors.ExecutionFailed` naming the cell
    (``raise_on_error=False`` returns the failed result instead); the run is FAILED and the
    output notebook, with papermill's error banner, is kept locally and as an artifact.
    ``kernel`` names the Jupyter kernel (default: the notebook's, else ``python3``).
    """
    if target_path(target, "the notebook or pipeline.yaml").endswith((".yaml", ".yml")):
        from .dag import run_pipeline

        return run_pipeline(
            target,
            mapping(parameters, "parameters", "{'max_depth': 6}"),
            experiment=experiment,
            executor=executor,
            address=address,
            workers=workers,
            cell_timeout=cell_timeout,
            kernels=kernels,
            kernel=kernel,
            resume=resume,
            raise_on_error=raise_on_error,
            progress=progress,
        )
    if resume:
        raise BadInput("--resume applies to a pipeline.yaml", "A single notebook always runs from the top.")
    nb = Notebook.load(target, kernel)
    typed = nb.typed(merged_parameters(param_file, parameters))
    check_timeout(cell_timeout)
    choose_executor(executor, address, kernels)  # refused before the store is reached
    factory = _factory(experiment)  # reaches the tracking store: a dead one fails before kernels start
    with make_executor(
        executor, workers=1, address=address, kernels=kernels, kernel_name=nb.kernel_name, expected_steps=1
    ) as ex:
        tags = {**factory.context(nb.path, nb.source), "mlops.kind": "pipeline", "mlops.executor": ex.name}
        run_id = factory.create(name or nb.stem, tags, params=typed)
        step = nb.step(
            name or nb.display, typed, run_id, output_dir(run_id), factory, cell_timeout=cell_timeout
        )
        (result,) = wait_all(ex, [step], factory, progress=bool(progress), label=nb.stem)
    return result.raise_for_status() if raise_on_error else result


def sweep(
    notebook: str | Path,
    grid: dict[str, Iterable[Any]] | None = None,
    points: list[dict[str, Any]] | None = None,
    parameters: dict[str, Any] | None = None,
    *,
    param_file: str | Path | None = None,
    experiment: str | None = None,
    executor: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    cell_timeout: float | None = None,
    kernels: str = "auto",
    kernel: str | None = None,
    name: str | None = None,
    progress: bool | None = True,
    track: bool = True,
):
    """Run a notebook over a grid (every combination) and/or a list of points, in parallel.

    >>> table = mlops.sweep("train.ipynb", grid={"max_depth": [2, 4, 8], "lr": [0.1, 0.3]})
    >>> table[["max_depth", "lr", "status", "auc"]]

    One parent run with a nested child run per point; returns a pandas DataFrame with a row
    per point (its parameters, status, metrics, duration, run id and error), whose
    ``attrs["parent_run_id"]`` is the parent run. Failed points do not stop the others.
    """
    import pandas as pd

    nb = Notebook.load(target_path(notebook), kernel)
    base = merged_parameters(param_file, parameters)
    combos = expand(grid, points)
    typed_points = [nb.typed({**base, **point}) for point in combos]  # all checked before any kernel
    check_timeout(cell_timeout)
    swept = list(dict.fromkeys(key for point in combos for key in point))
    with make_executor(
        executor,
        workers=workers,
        address=address,
        kernels=kernels,
        preload=nb.imports(),
        expected_steps=len(typed_points),
        kernel_name=nb.kernel_name,
    ) as ex:
        factory = _factory(experiment) if track else None
        parent = None
        context: dict[str, str] = {}
        if factory:
            context = factory.context(nb.path, nb.source)
            parent = factory.create(
                name or f"sweep {nb.stem}",
                {
                    **context,
                    "mlops.kind": "sweep",
                    "mlops.executor": ex.name,
                    "mlops.sweep.size": str(len(typed_points)),
                    "mlops.sweep.keys": ",".join(swept),
                },
                params=nb.typed(base),
            )

        def steps():
            # A run is created just before its step is queued: the first kernel starts at once.
            for point in typed_points:
                shown = mask_values(point)  # a point's label is its run's name: no secret in it
                label = ", ".join(f"{k}={shown[k]}" for k in swept if k in point)
                run_id = None
                if factory:
                    tags = {**context, "mlops.kind": "pipeline", "mlops.executor": ex.name}
                    run_id = factory.create(label, tags, parent=parent, params=point)
                yield nb.step(label, point, run_id, output_dir(run_id), factory, cell_timeout=cell_timeout)

        results = wait_all(
            ex,
            steps(),
            factory,
            progress=progress,
            label=f"sweep {nb.stem}",
            total=len(typed_points),
            parent=parent,
        )
        if factory:
            failed = sum(not r.ok for r in results)
            factory.finish(
                parent, "FINISHED" if not failed else "FAILED", {"mlops.sweep.failed": str(failed)}
            )
    rows = []
    for result in results:
        row = {key: result.parameters.get(key) for key in swept}
        row |= {
            "status": result.status,
            **result.metrics,
            "duration_s": result.duration_s,
            "run_id": result.run_id,
            "output": result.output_path,
            "error": (result.error or {}).get("message"),
        }
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["parent_run_id"] = parent
    table.attrs["results"] = results
    return table


def wait_all(
    ex: Executor,
    steps: Iterable[Step],
    factory,
    *,
    progress: bool | None,
    label: str,
    total: int | None = None,
    parent: str | None = None,
) -> list[StepResult]:
    """Submit steps and wait for all of them with a progress bar; Ctrl-C stops them cleanly."""
    from tqdm.auto import tqdm

    futures = []
    bar = tqdm(
        total=total,
        desc=label,
        unit="run",
        disable=not progress if progress is not None else None,
        leave=True,
    )
    try:
        for step in steps:
            futures.append(ex.submit(step))
        bar.total = len(futures)
        bar.refresh()
        failed = 0
        pending = set(futures)
        while pending:
            done = wait_first(pending)
            pending -= done
            for future in done:
                failed += not future.result().ok
                bar.update(1)
            if failed:
                bar.set_postfix(failed=failed)
    except BaseException as exc:
        # Ctrl-C (or a failure of our own): stop everything, and leave no run RUNNING.
        bar.set_postfix_str("stopping")
        ex.cancel()
        wait(futures, timeout=60)  # running kernels were killed: their steps end at once
        if factory:
            status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
            factory.end_unfinished([*factory.created, *([parent] if parent else [])], status)
        raise
    finally:
        bar.close()
    return [future.result() for future in futures]


def _factory(experiment: str | None):
    from .recording import RunFactory

    return RunFactory(experiment or config.default_experiment())


def expand(
    grid: dict[str, Iterable[Any]] | None, points: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Every combination of the grid, then the explicit points, in order."""
    result: list[dict[str, Any]] = []
    grid = mapping(grid, "grid", "{'max_depth': [2, 4, 8]}")
    if points is not None and not isinstance(points, (list, tuple)):
        raise BadInput(
            f"points must be a list of mappings, got {params_mod.shorten(points)}", "e.g. [{'max_depth': 4}]"
        )
    if grid:
        keys = list(grid)
        values = []
        for key in keys:
            options = grid[key]
            options = [options] if isinstance(options, (str, bytes)) else list(options)
            if not options:
                raise BadInput(
                    f"the sweep of {key!r} has no values", "Give at least one value per swept name."
                )
            values.append(options)
        result.extend(dict(zip(keys, combo, strict=False)) for combo in itertools.product(*values))
    for point in points or []:
        if not isinstance(point, dict):
            raise BadInput(
                f"a sweep point must be a mapping of parameters, got {point!r}", "e.g. {max_depth: 4}"
            )
        result.append(dict(point))
    if not result:
        raise BadInput(
            "nothing to sweep", "Give a grid (--sweep name=v1,v2) or a list of points (--points FILE)."
        )
    return result


def parse_sweep(text: str) -> tuple[str, list[str]]:
    """``name=v1,v2,v3`` (or ``name=[...]`` as a YAML list, for values holding commas)."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise BadInput(
            f"cannot read --sweep {text!r}", "Write --sweep NAME=V1,V2,... e.g. --sweep max_depth=2,4,8"
        )
    values = values.strip()
    if values.startswith("["):
        import yaml

        try:
            items = params_mod.load_yaml(values, "--sweep")
        except yaml.YAMLError:
            items = None
        if not isinstance(items, list):
            raise BadInput(
                f"cannot read the values of --sweep {text!r}", "A bracketed list must be a YAML/JSON list."
            )
        return name, [item if isinstance(item, str) else json.dumps(item) for item in items]
    items = [v.strip() for v in values.split(",")]
    if not values or any(not v for v in items):
        raise BadInput(f"--sweep {text!r} has an empty value", "Write --sweep NAME=V1,V2,...")
    return name, items


def load_points(path: str | Path) -> list[dict[str, Any]]:
    import yaml

    path = Path(path)
    if not path.is_file():
        raise BadInput(
            f"points file not found: {path}", "Give a YAML file holding a list of parameter mappings."
        )
    try:
        data = params_mod.load_yaml(path.read_text(encoding="utf-8"), str(path))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path} is not valid YAML: {exc}", "Give a YAML list of mappings.") from None
    if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
        raise BadInput(
            f"{path} must hold a list of parameter mappings", "e.g. - {max_depth: 2}\n- {max_depth: 4}"
        )
    return data
