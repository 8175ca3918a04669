"""``mlops audit``: the audit log, its integrity, and who held an alias when."""

import click


@click.command()
@click.option("--model", help="Only this model's entries (its registrations, aliases and rules).")
@click.option("--action", help="Only this action (register, promote, rollback, rules, validate, ...).")
@click.option("--since", help="From this UTC time or date (ISO, e.g. 2026-03-01).")
@click.option("--until", help="Up to this UTC time or date (a date includes the whole day).")
@click.option("-n", "--max", "limit", default=50, show_default=True, help="How many of the newest entries.")
@click.option("--at", help="With --model: which version held each alias at this UTC time or date.")
@click.option("--verify", is_flag=True, help="Check the hash chain; exit 1 naming every broken entry.")
def audit(model, action, since, until, limit, at, verify):
    """Show the audit log of governed actions, or verify that nobody rewrote it."""
    from ..errors import BadInput, MlopsError
    from ..governance import audit as log

    if verify:
        problems = log.verify()
        if problems:
            first = problems[0]
            when = f", written {first.time}, action {first.action}" if first.time else ""
            click.secho(f"first bad entry: {first.seq}{when}: {first.message}", fg="red", bold=True)
            for p in problems:
                click.secho(f"entry {p.seq}: {p.kind}: {p.message}", fg="red")
            raise MlopsError(f"the audit log failed verification: {len(problems)} problem(s)")
        count = len(log.log(limit=None))  # through the team's service when there is one
        click.echo(f"audit log intact: {count} entries, every keyed link, the head and its anchor check out")
        return
    if at:
        if not model:
            raise BadInput("--at needs --model", "e.g. mlops audit --model churn --at 2026-03-01")
        from ..registry import history

        moment = log.parse_time(at, end_of_day=True)
        assert moment is not None  # parsed from text, never None
        held = history.holders_at(model, moment)
        when = moment.strftime("%Y-%m-%d %H:%M:%S UTC")
        if not held:
            click.echo(f"{model}: no alias was held at {when} (according to the audit log)")
        for alias, version in sorted(held.items()):
            click.echo(f"{model}@{alias} at {when}: v{version}")
        return
    from ..views.registry import AuditTable

    found, _ = log.page(model, action, since, until, limit)
    click.echo(repr(AuditTable(found)))
