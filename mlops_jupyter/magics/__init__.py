"""``%mlops`` and ``%%mlops``: thin IPython faces over the core.

Each sub-command parses its arguments with argparse and calls the core; every error a
user can cause surfaces as an IPython ``UsageError`` (a message, not a traceback).
"""

from __future__ import annotations

import argparse
import shlex
from typing import NoReturn

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

USAGE = """\
%%mlops track [options]      track the cell as an MLflow run
%mlops runs [-e EXPERIMENT] [-n N] [--filter QUERY]
                             recent runs with status, key metrics and links
%mlops experiment [NAME]     show or set the default experiment
%mlops status                tracking URI, state directory, active run (flushes pending logging)
%mlops compare RUN RUN...    chart the runs' metrics and diff their params
%mlops start [-e EXP] [-n NAME]  open a run spanning cells (end it with %mlops end)
%mlops register RUN --name NAME [--description TEXT]
                             register the run's model as a new version of model NAME
%mlops models [NAME]         registered models and aliases; with NAME its versions
%mlops card MODEL [VERSION]  the model card (lineage, metrics, validation, promotions)

%%mlops track options:
  -e/--experiment NAME   -n/--name NAME   --params VAR[,VAR...]   --metrics VAR[,VAR...]
  --tags k=v[,k=v...]    --model VAR      --autolog/--no-autolog  --nested"""


class MagicArgumentParser(argparse.ArgumentParser):
    """argparse that reports errors as UsageError instead of exiting the kernel."""

    def __init__(self, prog: str, **kwargs):
        super().__init__(prog=f"%mlops {prog}", add_help=False, exit_on_error=False, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}\n\n{USAGE}")

    def parse_line(self, line: str) -> argparse.Namespace:
        try:
            return self.parse_args(shlex.split(line))
        except (argparse.ArgumentError, ValueError) as exc:
            self.error(str(exc))


@magics_class
class MlopsMagics(Magics):
    @line_cell_magic
    def mlops(self, line: str, cell: str | None = None):
        __tracebackhide__ = True
        command, _, rest = line.strip().partition(" ")
        if cell is not None:
            if command != "track":
                raise UsageError(f"%%mlops {command or ''} is not a cell magic.\n\n{USAGE}")
            from .track import track_cell

            return track_cell(self.shell, rest, cell)
        handler = LINE_COMMANDS.get(command)
        if handler is None:
            problem = "%mlops needs a sub-command" if not command else f"unknown sub-command {command!r}"
            raise UsageError(f"{problem}.\n\n{USAGE}")
        import importlib

        module, function = handler.split(":")
        return _as_usage_error(getattr(importlib.import_module(module, __name__), function), self.shell, rest)


# sub-command -> "module:function(shell, line)"; modules load on first use
LINE_COMMANDS = {
    "track": ".track:track_line",
    "runs": ".runs:runs",
    "experiment": ".runs:experiment",
    "status": ".runs:status",
    "compare": ".runs:compare",
    "start": ".runs:start",
    "end": ".runs:end",
    "register": ".registry:register",
    "models": ".registry:models",
    "card": ".registry:card",
}


def _as_usage_error(function, shell, line: str):
    """Run a sub-command, showing our errors as messages rather than tracebacks."""
    from ..errors import MlopsError

    try:
        return function(shell, line)
    except MlopsError as exc:
        raise UsageError(str(exc)) from None


def register(ipython) -> None:
    ipython.register_magics(MlopsMagics)
