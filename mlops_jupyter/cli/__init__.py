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
    "lineage": (
        "lineage:lineage",
        "Data, notebook, run and jobs of a model version; or the uses of a dataset.",
    ),
    "report": ("report:report", "Serve a model's stakeholder report (Voila) or write it as one HTML file."),
    "roles": ("roles:roles", "Show the roles, or change one (admins)."),
    "schedule": ("jobs:schedule", "Schedule a validated notebook as a production job."),
    "jobs": ("jobs:jobs", "List jobs: next fire time, last status, success rate."),
    "job": ("job:job", "One job: show, history, run-now, pause, resume, update, delete."),
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
@click.option("--debug", is_flag=True, help="Show the traceback when a command fails.")
@click.pass_context
def cli(ctx, debug):
    """Track, run, validate, govern and schedule Jupyter notebooks."""
    from ..tracking.replay import replay_orphans

    replay_orphans()  # runs that stopped processes left in their journals (a listing when none)
    if isinstance(ctx.obj, dict):
        ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Entry point: every failure ends as one clear message and the exit code of its kind.

    Our errors print as they are. Anything unexpected prints ``internal error: ...`` and the
    log file holding its traceback, and exits 70 (``EX_SOFTWARE``); ``--debug`` shows the
    traceback instead.
    """
    from ..errors import MlopsError

    args = sys.argv[1:] if argv is None else argv
    options = {"debug": False}
    try:
        cli.main(args=args, prog_name="mlops", standalone_mode=False, obj=options)
    except MlopsError as exc:
        _fail(exc, options["debug"])
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the one place an unexpected failure is reported
        from ..services import service_error

        known = service_error(exc)
        if known is not None:
            _fail(known, options["debug"], cause=exc)
        _internal_error(exc, options["debug"], args)


def _fail(exc, debug: bool, cause: BaseException | None = None) -> None:
    from ..services import masked

    if debug:
        _print_traceback(cause or exc)
    click.secho(f"error: {masked(exc.message)}", fg="red", err=True)
    if exc.detail:
        click.echo(f"  {masked(exc.detail)}", err=True)
    sys.exit(exc.exit_code)


INTERNAL_ERROR = 70  # EX_SOFTWARE from sysexits.h


def _internal_error(exc: Exception, debug: bool, args: list[str]) -> None:
    """Say "internal error" and where its traceback is; never the exception's text, which can
    hold SQL, its parameters or credentials (``--debug`` prints it, masked)."""
    from ..incidents import log_traceback, new_incident, summary

    incident = new_incident()
    if debug:
        _print_traceback(exc)
    click.secho(summary(exc, incident), fg="red", err=True)
    if not debug:
        command = next(
            (a for a in args if not a.startswith("-")), ""
        )  # not its arguments: they may be secret
        log, problem = log_traceback(exc, f"mlops {command}", incident)
        if log is not None:
            click.echo(f"  the traceback is in {log} (`mlops --debug ...` shows it here)", err=True)
        else:
            click.echo(
                f"  the traceback could not be logged ({problem}); `mlops --debug ...` shows it", err=True
            )
    sys.exit(INTERNAL_ERROR)


def _print_traceback(exc: BaseException) -> None:
    import traceback

    from ..services import masked

    click.echo(masked("".join(traceback.format_exception(exc))), err=True, nl=False)
