"""``%mlops runs | experiment | status | compare | start | end``."""

from __future__ import annotations

from IPython.core.error import UsageError

from .. import config
from ..services import masked
from ..tracking import fluent
from ..views.runs import RunsTable
from .parsing import MagicArgumentParser

# -- runs -------------------------------------------------------------------------------

_runs_parser = MagicArgumentParser("runs")
_runs_parser.add_argument("-e", "--experiment", action="append")
_runs_parser.add_argument("-n", "--max", type=int, default=20)
_runs_parser.add_argument("--filter", default="")


def runs(shell, line: str) -> RunsTable:
    from ..tracking import query

    args = _runs_parser.parse_line(line)
    fluent.flush(30)
    return RunsTable(query.search(args.experiment, args.filter, args.max).runs)


# -- experiment / status --------------------------------------------------------------


def experiment(shell, line: str) -> None:
    name = line.strip()
    if name:
        fluent.set_experiment(name)
    print(f"default experiment: {fluent._default_experiment()}")


def status(shell, line: str) -> None:
    if line.strip():
        raise UsageError("%mlops status takes no arguments")
    flushed = fluent.flush(60)
    s = fluent.sink()
    run = fluent.active_run()
    lines = [
        f"tracking URI:   {masked(config.tracking_uri())}",
        f"state dir:      {config.state_dir()}",
        f"experiment:     {fluent._default_experiment()}",
        f"user:           {config.current_user()}",
        f"active run:     {run.run_id if run else 'none'}",
        f"pending events: {s.pending}" + ("" if flushed else " (still writing after 60 s)"),
    ]
    if s.errors:
        lines.append(f"failed runs:    {len(s.errors)} (last: {list(s.errors.values())[-1]})")
    print("\n".join(lines))


# -- start / end: a parent run spanning cells ------------------------------------------

_start_parser = MagicArgumentParser("start")
_start_parser.add_argument("-e", "--experiment")
_start_parser.add_argument("-n", "--name")


def start(shell, line: str) -> None:
    from ..tracking.notebook import current_notebook_path

    args = _start_parser.parse_line(line)
    notebook = current_notebook_path(shell.user_ns)
    run, _ = fluent.start_run(
        args.experiment,
        args.name,
        tags={"mlops.kind": "session"},
        notebook=str(notebook) if notebook else None,
    )
    print(
        f"started run {run.name or ''} in '{run.experiment}'; "
        "`%%mlops track --nested` cells become its children"
    )


def end(shell, line: str) -> None:
    run = fluent.active_run()
    if run is None:
        raise UsageError("no active run to end (start one with `%mlops start`)")
    fluent.finish_run(run, True)
    print(f"ended run {run.run_id}")


# -- compare --------------------------------------------------------------------------


def compare(shell, line: str):
    from ..tracking import compare as comparison

    ids = line.split()
    if len(ids) < 2:
        raise UsageError("%mlops compare needs at least two run ids (or unique prefixes)")
    fluent.flush(30)
    result = comparison.compare(ids)
    from IPython.display import HTML, display

    display(result.figure())
    display(HTML(result.params_diff_html()))
