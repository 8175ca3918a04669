"""The ``mlops`` command. Sub-commands load on use, so ``mlops --help`` stays instant."""

from __future__ import annotations

import importlib
import sys

import click

from .._version import __version__

# name -> ("module:command", one-line help shown by `mlops --help`)
COMMANDS = {
    "demo": ("demo:demo", "Run the end-to-end demo on the embedded defaults."),
    "status": ("status:status", "Show the tracking store, state directory and user."),
    "runs": ("runs:runs", "List recent runs."),
    "versions": (
        "versions:versions",
        "List the versions of a notebook seen by the tracking store, with their runs.",
    ),
    "run": ("run:run", "Run a notebook (once or as a sweep) or a pipeline.yaml; each execution is tracked."),
    "validate": ("validate:validate", "Run a notebook from the top and record whether it passes its checks."),
    "validations": ("validations:validations", "List recorded validations of notebook versions."),
    "register": ("registry:register", "Register a run's model as a new version of a model."),
    "models": ("registry:models", "List models and aliases, or one model's versions."),
    "promote": ("registry:promote", "Move an alias to a version through the promotion gate."),
    "rollback": ("registry:rollback", "Move an alias back to its previous holder."),
    "rules": ("registry:rules", "Show or change a model's promotion rules."),
    "audit": ("audit:audit", "Show or verify the audit log; who held an alias when."),
    "card": ("card:card", "Write a model version's card (Markdown or HTML)."),
    "roles": ("roles:roles", "Show the roles, or change one (admins)."),
    "schedule": ("jobs:schedule", "Schedule a validated notebook as a production job."),
    "jobs": ("jobs:jobs", "List jobs: next fire time, last status, success rate."),
    "job": ("jobs:job", "One job: show, history, run-now, pause, resume, update, delete."),
    "scheduler": ("jobs:scheduler", "Run the job scheduler daemon."),
    "export": ("jobs:export", "Export a job as an Airflow DAG or a Kubernetes CronJob."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(f".{module}", __name__), attribute)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlops")
def cli():
    """Track, run, validate, govern and schedule Jupyter notebooks."""
    from ..tracking.replay import replay_orphans

    replay_orphans()  # runs that stopped processes left in their journals (a listing when none)


def main(argv: list[str] | None = None) -> None:
    """Entry point: our errors print as one clear message with the exit code of their kind."""
    from ..errors import MlopsError

    try:
        cli.main(args=argv, prog_name="mlops", standalone_mode=False)
    except MlopsError as exc:
        click.secho(f"error: {exc.message}", fg="red", err=True)
        if exc.detail:
            click.echo(f"  {exc.detail}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
