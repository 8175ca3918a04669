"""``%mlops`` and ``%%mlops``: thin IPython faces over the core.

Each sub-command parses its arguments with argparse and calls the core; every error a
user can cause surfaces as an IPython ``UsageError`` (a message, not a traceback), and so
does an unexpected one: "internal error" with where its traceback was logged (see
:mod:`.answers`).
"""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from .parsing import USAGE


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

        from .answers import answered

        module, function = handler.split(":")
        with answered(command):
            return getattr(importlib.import_module(module, __name__), function)(self.shell, rest)


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


def register(ipython) -> None:
    ipython.register_magics(MlopsMagics)
