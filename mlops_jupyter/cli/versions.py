from datetime import datetime

import click


@click.command()
@click.argument("notebook", type=click.Path())
def versions(notebook):
    """List the versions of NOTEBOOK seen by the tracking store, with their runs."""
    from ..tracking import query
    from ..tracking.notebook import short

    found = query.notebook_versions(notebook)
    current = query.current_version(notebook)
    if not found:
        click.echo(f"no runs recorded for {notebook} yet")
        return
    for v in found:
        when = datetime.fromtimestamp(v.first_seen / 1000).strftime("%Y-%m-%d %H:%M")
        marker = "  (current)" if v.version == current else ""
        click.secho(f"{short(v.version)}  first seen {when}  {len(v.runs)} run(s){marker}", bold=True)
        for r in v.runs:
            metrics = ", ".join(f"{k}={val:.4g}" for k, val in sorted(r.metrics.items())[:4])
            click.echo(f"    {r.run_id}  {r.status:8}  {r.name or ''}  {metrics}")
