"""``mlops run``: a notebook once, over a sweep, or a pipeline.yaml."""

from collections.abc import Iterable
from typing import Any

import click

HELP_EPILOG = """\b
Examples:
  mlops run notebooks/train.ipynb -p max_depth 6 -p model rf
  mlops run notebooks/train.ipynb --sweep max_depth=2,4,8 --sweep lr=0.1,0.3 --workers 4
  mlops run notebooks/pipeline.yaml --resume
  mlops run generated.ipynb -k python3
  mlops run notebooks/train.ipynb --executor dask --address tcp://scheduler:8786
"""


@click.command(epilog=HELP_EPILOG)
@click.argument("target", type=click.Path())
@click.option(
    "-p",
    "--param",
    "params",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="A parameter (repeatable); STEP.NAME for a pipeline step. Converted to the default's type.",
)
@click.option("--param-file", type=click.Path(), help="YAML file of parameters (-p overrides it).")
@click.option(
    "--sweep",
    "sweeps",
    multiple=True,
    metavar="NAME=V1,V2,...",
    help="Sweep a parameter over values (repeatable: the grid of all combinations).",
)
@click.option("--points", type=click.Path(), help="YAML list of parameter mappings to run as well.")
@click.option(
    "-w", "--workers", type=click.IntRange(min=1), help="Runs at once (default: twice the CPU count)."
)
@click.option(
    "--executor", metavar="local|dask", help="Where to run (default: dask if MLOPS_DASK_ADDRESS is set)."
)
@click.option("--address", help="Dask scheduler address, e.g. tcp://scheduler:8786.")
@click.option("--cell-timeout", type=float, help="Fail a cell that runs longer than this many seconds.")
@click.option("-e", "--experiment", help="MLflow experiment (default: MLOPS_EXPERIMENT or Default).")
@click.option("--resume", is_flag=True, help="Pipeline: skip steps unchanged since their last success.")
@click.option(
    "--kernels",
    default="auto",
    show_default=True,
    metavar="auto|fork|spawn",
    help="How local kernels start: forked from a pre-warmed process, or spawned.",
)
@click.option(
    "-k",
    "--kernel",
    metavar="NAME",
    help="Jupyter kernel to run on, as papermill's -k (default: the notebook's kernelspec, else python3).",
)
@click.option("-n", "--name", help="Run name (default: the notebook's name).")
def run(
    target,
    params,
    param_file,
    sweeps,
    points,
    workers,
    executor,
    address,
    cell_timeout,
    experiment,
    resume,
    kernels,
    kernel,
    name,
):
    """Run a notebook (or a pipeline.yaml) with papermill; every execution is a tracked run."""
    from ..errors import BadInput
    from ..pipelines import launch as runner
    from ..pipelines.parameters import parse_assignments

    values = parse_assignments(params)
    is_pipeline = str(target).endswith((".yaml", ".yml"))
    common = dict(
        experiment=experiment,
        executor=executor,
        address=address,
        cell_timeout=cell_timeout,
        kernels=kernels,
        kernel=kernel,
    )
    try:
        if sweeps or points:
            if is_pipeline:
                raise BadInput("--sweep and --points apply to a notebook, not a pipeline", None)
            grid: dict[str, Iterable[Any]] = dict(runner.parse_sweep(s) for s in sweeps)
            table = runner.sweep(
                target,
                grid=grid,
                points=runner.load_points(points) if points else None,
                parameters=values,
                param_file=param_file,
                workers=workers,
                name=name,
                **common,
            )
            _print_sweep(table)
            return
        if is_pipeline:
            if param_file:
                raise BadInput(
                    "--param-file applies to a notebook; use -p STEP.NAME VALUE for a pipeline", None
                )
            result = runner.run(
                target, values, workers=workers, resume=resume, raise_on_error=False, progress=None, **common
            )
            _print_pipeline(result)
            result.raise_for_status()
            return
        result = runner.run(
            target, values, param_file=param_file, resume=resume, name=name, raise_on_error=False, **common
        )
        _print_run(result)
        result.raise_for_status()
    except KeyboardInterrupt:
        click.secho("stopped: unfinished runs are marked KILLED", fg="yellow", err=True)
        raise


def _metrics(metrics: dict, limit: int = 6) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in list(metrics.items())[:limit])


def _print_run(result):
    colour = "green" if result.ok else "red"
    click.secho(f"{result.status}  run {result.run_id}  {result.duration_s:.2f} s", fg=colour, bold=True)
    if result.metrics:
        click.echo(f"  metrics: {_metrics(result.metrics)}")
    if result.checks:
        click.echo(
            "  checks:  " + ", ".join(f"{k}={'passed' if v else 'FAILED'}" for k, v in result.checks.items())
        )
    if result.output_path:
        click.echo(f"  output:  {result.output_path}")


def _print_sweep(table):
    click.echo(table.drop(columns=["output", "error"]).to_string(index=False))
    click.echo(f"parent run: {table.attrs['parent_run_id']}")
    failed = table[table["status"] != "FINISHED"]
    for _, row in failed.iterrows():
        click.secho(f"{row['status']}: {row['run_id']}: {row['error']} ({row['output']})", fg="red", err=True)
    if len(failed):
        from ..errors import ExecutionFailed

        raise ExecutionFailed(
            f"{len(failed)} of {len(table)} sweep runs failed", "Their errors are listed above."
        )


def _print_pipeline(result):
    width = max(len(name) for name in result.steps)
    for row in result.rows():
        colour = {"FINISHED": "green", "REUSED": "cyan"}.get(row["status"], "red")
        status = click.style(f"{row['status']:<15}", fg=colour)
        metrics = _metrics(result.steps[row["step"]].metrics, 4)
        run = row["run_id"] or "-"
        click.echo(f"{row['step']:<{width}}  {status}  {run:<32}  {row['duration_s']:6.2f} s  {metrics}")
        if row["error"]:
            click.echo(f"{'':<{width}}  {row['error']}")
    click.echo(f"pipeline run: {result.parent_run_id}")
