"""``mlops validate``: run a notebook from the top and record whether it may go to production."""

import click


@click.command()
@click.argument("notebook", type=click.Path())
@click.option(
    "-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE", help="A parameter (repeatable)."
)
@click.option("--param-file", type=click.Path(), help="YAML file of parameters (-p overrides it).")
@click.option(
    "--require",
    multiple=True,
    metavar="METRIC>=X",
    help='A metric threshold that must hold, e.g. "auc>=0.9" (repeatable).',
)
@click.option("--cell-timeout", type=float, help="Fail a cell that runs longer than this many seconds.")
@click.option("-e", "--experiment", help="MLflow experiment of the validation run.")
@click.option("--executor", metavar="local|dask", help="Where to run (default: local).")
@click.option("--address", help="Dask scheduler address.")
@click.option(
    "-k",
    "--kernel",
    metavar="NAME",
    help="Jupyter kernel to run on, as papermill's -k (default: the notebook's kernelspec, else python3).",
)
def validate(notebook, params, param_file, require, cell_timeout, experiment, executor, address, kernel):
    """Execute NOTEBOOK in a fresh kernel; it passes if no cell fails and every check holds."""
    from ..errors import ExecutionFailed
    from ..pipelines.parameters import parse_assignments
    from ..pipelines.validation import validate as run_validation

    v = run_validation(
        notebook,
        parse_assignments(params),
        param_file=param_file,
        require=list(require),
        cell_timeout=cell_timeout,
        experiment=experiment,
        executor=executor,
        address=address,
        kernel=kernel,
    )
    verdict = "PASSED" if v.passed else "FAILED"
    click.secho(
        f"validation {v.id}: {verdict}  {v.notebook}@{v.short_version}  run {v.run_id}",
        fg="green" if v.passed else "red",
        bold=True,
    )
    for check in v.checks:
        value = f" ({check['value']})" if check.get("value") else ""
        click.echo(f"  {'ok    ' if check['passed'] else 'FAILED'}  {check['name']}{value}")
    if v.passed:
        click.echo(f"  snapshot: {v.snapshot_uri}")
    else:
        raise ExecutionFailed(
            f"{v.notebook} did not pass validation: {v.error}",
            f"output notebook: {v.output_path}; run: {v.run_id}",
            run_id=v.run_id,
            output_path=v.output_path,
        )
