import click


@click.command()
@click.option("-e", "--experiment", multiple=True, help="Experiment name or id (repeatable).")
@click.option("-n", "--max", "max_results", default=20, show_default=True, help="How many runs.")
@click.option("--filter", "filter_string", default="", help='MLflow search filter, e.g. "metrics.auc > 0.9".')
def runs(experiment, max_results, filter_string):
    """List recent runs."""
    from ..tracking import query
    from ..views.runs import RunsTable

    click.echo(repr(RunsTable(query.search(list(experiment) or None, filter_string, max_results).runs)))
