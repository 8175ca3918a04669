"""What every ``%mlops`` sub-command shares: the usage text and a parser whose errors are messages."""

from __future__ import annotations

import argparse
import shlex
from typing import NoReturn

from IPython.core.error import UsageError

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
  --tags k=v[,k=v...]    --model VAR      --autolog/--no-autolog  --nested
  --data VAR[,VAR...]    fingerprint the data sets the cell reads and log them as the run's inputs"""


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
