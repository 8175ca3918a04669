"""``mlops job ...``: show, history, run-now, pause, resume, update and delete one job."""

import click

from .jobs import as_parameters, parameter_option, print_table


@click.group()
def job():
    """Inspect and operate one job: show, history, run-now, pause, resume, update, delete."""


@job.command()
@click.argument("name")
def show(name):
    """Describe job NAME."""
    import json

    from ..jobs import service

    click.echo(json.dumps(service.job(name).to_dict(), indent=2))


@job.command()
@click.argument("name")
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="How many firings (newest first).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def history(name, limit, as_json):
    """Firings of job NAME: status, times, MLflow run, output, errors, alerts."""
    from ..jobs import service

    found = service.history(name, limit)
    if as_json:
        import json

        click.echo(json.dumps([f.to_dict() for f in found], indent=2))
        return
    if not found:
        click.echo(f"job {name} has not fired yet")
        return
    rows: list[tuple] = [("ID", "SCHEDULED", "TRY", "TRIGGER", "STATUS", "DELAY", "TOOK", "RUN")]
    for f in found:
        rows.append(
            (
                f.id,
                f.scheduled_time,
                f.attempt,
                f.trigger,
                f.status,
                f"{f.delay_s:.2f}s" if f.delay_s is not None else "-",
                f"{f.duration_s:.1f}s" if f.duration_s is not None else "-",
                f.run_id or "-",
            )
        )
    print_table(rows)
    for f in found:
        details = [f"error: {f.error}"] if f.error else []
        details += [f"note: {f.note}"] if f.note else []
        details += [
            f"alert {a['event']} to {a['channel']}: {'sent' if a['ok'] else 'FAILED ' + a.get('error', '')}"
            for a in f.alerts
        ]
        for line in details:
            click.echo(f"  #{f.id} {line}")


@job.command("run-now")
@click.argument("name")
@click.option("--wait/--no-wait", default=False, help="Wait for the run to end and show how it ended.")
@click.option(
    "--timeout",
    type=click.FloatRange(0, 7 * 86400, min_open=True),
    default=3600.0,
    show_default=True,
    help="Seconds to wait with --wait.",
)
def run_now(name, wait, timeout):
    """Queue a run of job NAME now (a running scheduler starts it)."""
    from ..jobs import presence, service

    firing = service.run_now(name)
    click.echo(f"queued firing {firing.id} of job {name}")
    if not presence.schedulers():
        click.secho("no scheduler is running: start one with `mlops scheduler`", fg="yellow", err=True)
    if wait:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = next((f for f in service.history(name, 100) if f.id == firing.id), None)
            if now is not None and now.status not in ("queued", "waiting", "running"):
                click.echo(f"firing {now.id}: {now.status}" + (f" ({now.error})" if now.error else ""))
                if now.status != "succeeded":
                    raise SystemExit(1)
                return
            time.sleep(0.5)
        raise click.ClickException(f"firing {firing.id} did not end within {timeout:g} s")


@job.command()
@click.argument("name")
@click.option("--reason", help="Why (kept in the audit log).")
def pause(name, reason):
    """Stop firing job NAME."""
    from ..jobs import service

    service.pause(name, reason=reason)
    click.echo(f"paused job {name}")


@job.command()
@click.argument("name")
@click.option("--reason", help="Why (kept in the audit log).")
def resume(name, reason):
    """Fire job NAME again from its next due time."""
    from ..jobs import service

    info = service.resume(name, reason=reason)
    click.echo(f"resumed job {name}, next run {info.next_fire_local or 'on demand only'}")


@job.command()
@click.argument("name")
@click.option("--reason", help="Why (kept in the audit log).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(name, reason, yes):
    """Delete job NAME and its history (its MLflow runs stay)."""
    from ..jobs import service

    if not yes:
        click.confirm(f"delete job {name} and its history?", abort=True)
    service.delete(name, reason=reason)
    click.echo(f"deleted job {name}")


@job.command()
@click.argument("name")
@click.option("--version", help='Re-pin to a validated notebook version ("current": the file as it is now).')
@click.option("--notebook", type=click.Path(), help="Notebook file to re-pin from (default: the job's).")
@click.option("--cron", "cron_expression", help="New cron expression.")
@click.option("--tz", help="New time zone.")
@parameter_option("Replace the parameters (repeatable).")
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    metavar="PARAM=ENV_VAR",
    help="A secret parameter and the environment variable it is read from (repeatable; replaces them).",
)
@click.option("--retries", type=int)
@click.option("--retry-delay")
@click.option("--timeout")
@click.option("--missed", type=click.Choice(["catch-up", "skip"]))
@click.option("--alert", "alerts", multiple=True, help="Replace the alerts: webhook=URL or email=ADDRESS.")
@click.option("-k", "--kernel", metavar="NAME", help="Jupyter kernel the firings run on.")
@click.option("--reason", help="Why (kept in the audit log).")
def update(
    name,
    version,
    notebook,
    cron_expression,
    tz,
    parameters,
    secrets,
    retries,
    retry_delay,
    timeout,
    missed,
    alerts,
    kernel,
    reason,
):
    """Change job NAME; re-pinning a newer validated version is explicit (--version)."""
    from ..jobs import service

    kwargs = {}
    if cron_expression is not None:
        kwargs["cron_expression"] = cron_expression
    if timeout is not None:
        kwargs["timeout"] = timeout
    info = service.update(
        name,
        version=version,
        notebook=notebook,
        tz=tz,
        parameters=as_parameters(parameters) if parameters else None,
        secrets=list(secrets) if secrets else None,
        retries=retries,
        retry_delay=retry_delay,
        missed=missed,
        alerts=list(alerts) if alerts else None,
        kernel=kernel,
        reason=reason,
        **kwargs,
    )
    click.echo(
        f"updated job {name}: {info.notebook} @ {info.notebook_version[:12]}, "
        f"next run {info.next_fire_local or ('paused' if info.paused else 'on demand only')}"
    )
