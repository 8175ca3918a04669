"""``mlops schedule``, ``mlops jobs``, ``mlops scheduler``, ``mlops export`` (``mlops job``: job.py)."""

import click


def parameter_option(help_text: str):
    """The ``-p NAME VALUE`` option of a job's notebook parameters (repeatable)."""
    return click.option(
        "-p", "--parameter", "parameters", nargs=2, multiple=True, metavar="NAME VALUE", help=help_text
    )


def as_parameters(pairs) -> dict:
    return {name: value for name, value in pairs}


@click.command()
@click.argument("notebook", type=click.Path())
@click.option(
    "--cron", "cron_expression", help='Cron expression, e.g. "0 6 * * *" (omit: runs only on demand).'
)
@click.option("--tz", default="UTC", show_default=True, help="IANA time zone of the cron expression.")
@click.option("--name", help="Job name (default: the notebook's name).")
@parameter_option("A notebook parameter (repeatable), checked against its parameters cell.")
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    metavar="PARAM=ENV_VAR",
    help="A secret parameter, read from this environment variable where the job runs (repeatable).",
)
@click.option("--version", help="Pin this validated notebook version (default: the file's current one).")
@click.option("--retries", default=0, show_default=True, help="Retries after a failed or timed-out run.")
@click.option(
    "--retry-delay", default="60s", show_default=True, help="First retry delay, doubled each retry."
)
@click.option("--timeout", help="Stop the run (its kernel is killed) after this long, e.g. 30m.")
@click.option(
    "--missed",
    type=click.Choice(["catch-up", "skip"]),
    default="catch-up",
    show_default=True,
    help="Firings missed while no scheduler ran: run once, or skip them.",
)
@click.option("--alert", "alerts", multiple=True, help="webhook=URL or email=ADDRESS (repeatable).")
@click.option("--experiment", help='MLflow experiment of the runs (default: "job NAME").')
@click.option("--retrain", "retrain_job", help="Job to start when this job's checks fail (e.g. retraining).")
@click.option(
    "--register",
    "register_model",
    help="Register each successful run's model under this name and make it the challenger.",
)
@click.option("--paused", is_flag=True, help="Create the job paused.")
@click.option(
    "-k",
    "--kernel",
    metavar="NAME",
    help="Jupyter kernel every firing runs on (default: the notebook's kernelspec, else python3).",
)
def schedule(
    notebook,
    cron_expression,
    tz,
    name,
    parameters,
    secrets,
    version,
    retries,
    retry_delay,
    timeout,
    missed,
    alerts,
    experiment,
    retrain_job,
    register_model,
    paused,
    kernel,
):
    """Schedule the validated version of NOTEBOOK as a production job."""
    from ..jobs import service

    info = service.schedule(
        notebook,
        cron_expression,
        tz=tz,
        name=name,
        parameters=as_parameters(parameters),
        secrets=list(secrets),
        version=version,
        retries=retries,
        retry_delay=retry_delay,
        timeout=timeout,
        missed=missed,
        alerts=list(alerts),
        experiment=experiment,
        retrain_job=retrain_job,
        register_model=register_model,
        paused=paused,
        kernel=kernel,
    )
    when = info.next_fire_local or ("paused" if info.paused else "on demand only")
    click.echo(f"scheduled job {info.name}: {info.notebook} @ {info.notebook_version[:12]}, next run {when}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def jobs(as_json):
    """List jobs: next fire time, last status, success rate."""
    from ..jobs import presence, service

    found = service.jobs()
    live = presence.schedulers()
    if as_json:
        import json

        click.echo(json.dumps({"jobs": [j.to_dict() for j in found], "schedulers": live}, indent=2))
        return
    if not found:
        click.echo("no jobs yet: `mlops schedule NOTEBOOK --cron ...` creates one")
    else:
        rows = [("NAME", "SCHEDULE", "NEXT RUN", "LAST", "SUCCESS", "NOTEBOOK")]
        for j in found:
            schedule = f"{j.cron} {j.timezone}" if j.cron else "on demand"
            nxt = "paused" if j.paused else (j.next_fire_local or "-")
            last = (j.last_status or "-") + (" (running)" if j.running else "")
            rate = f"{j.success_rate:.0%} of {j.finished}" if j.success_rate is not None else "-"
            rows.append((j.name, schedule, nxt, last, rate, f"{j.notebook}@{j.notebook_version[:12]}"))
        print_table(rows)
    if not live:
        click.secho("no scheduler is running: start one with `mlops scheduler`", fg="yellow", err=True)


def print_table(rows) -> None:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)).rstrip())


@click.command()
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Notebooks run at once (the concurrency cap).",
)
@click.option(
    "--kernels",
    type=click.Choice(["spawn", "fork"]),
    default="spawn",
    show_default=True,
    help="How pooled kernels start: a fresh process, or forked from a pre-warmed one.",
)
@click.option(
    "--poll",
    type=click.FloatRange(0.05, 3600),
    default=0.5,
    show_default=True,
    help="Seconds between checks for changed jobs.",
)
@click.option(
    "--lease",
    type=click.FloatRange(1, 86400),
    default=30.0,
    show_default=True,
    help="Seconds without a heartbeat after which a scheduler counts as dead.",
)
@click.option(
    "--grace",
    type=click.FloatRange(0, 7 * 86400),
    default=60.0,
    show_default=True,
    help="Seconds late after which a firing counts as missed (then --missed policy applies).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every firing.")
def scheduler(workers, kernels, poll, lease, grace, verbose):
    """Run the job scheduler until interrupted (Ctrl-C or SIGTERM let running jobs finish)."""
    import logging
    import signal

    from ..jobs.scheduler import Scheduler

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("mlops_jupyter.jobs").setLevel(logging.INFO)
    sched = Scheduler(workers=workers, poll=poll, lease=lease, grace=grace, kernels=kernels)

    def stop(signum, _frame):
        logging.getLogger(__name__).info("signal %s: stopping after the running jobs", signum)
        sched.stop(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"scheduler {sched.id} running; Ctrl-C stops it", err=True)
    sched.run()


@click.command()
@click.argument("name")
@click.option(
    "--to",
    "target",
    type=click.Choice(["airflow", "k8s"]),
    required=True,
    help="An Airflow DAG (papermill operator) or a Kubernetes CronJob manifest.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default="export",
    show_default=True,
    help="Directory to write into.",
)
@click.option("--image", default="mlops-jupyter:latest", show_default=True, help="Container image (k8s).")
def export(name, target, output, image):
    """Export job NAME to run elsewhere on the same schedule with the same pinned notebook."""
    from ..jobs import export as exporter

    written = exporter.export(name, target, output, image=image)
    for path in written:
        click.echo(str(path))
