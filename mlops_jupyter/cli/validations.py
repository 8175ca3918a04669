"""``mlops validations``: the recorded validations, newest first."""

import click


@click.command()
@click.argument("notebook", required=False, type=click.Path())
@click.option("-n", "--max", "limit", default=20, show_default=True, help="How many.")
def validations(notebook, limit):
    """List validations (of NOTEBOOK if given): version, verdict, who, when, checks."""
    from ..governance.validations import list_validations

    found = list_validations(notebook, limit=limit)
    if not found:
        click.echo(f"no validations recorded{' for ' + notebook if notebook else ''}")
        return
    for v in found:
        verdict = click.style("passed", fg="green") if v.passed else click.style("FAILED", fg="red")
        when = v.created_at.strftime("%Y-%m-%d %H:%M")
        click.echo(f"{v.id:>4}  {v.notebook}@{v.short_version}  {verdict}  {v.user}  {when}  run {v.run_id}")
        checks = ", ".join(f"{c['name']}={'ok' if c['passed'] else 'FAILED'}" for c in v.checks)
        if checks:
            click.echo(f"      checks: {checks}")
        if v.error:
            click.echo(f"      error: {v.error}")
