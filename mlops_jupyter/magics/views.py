"""``%mlops runs | experiment | status | compare | start | end``."""

from __future__ import annotations

import html
import os
from datetime import datetime

from IPython.core.error import UsageError

from .. import config
from ..services import masked
from ..tracking import fluent
from . import MagicArgumentParser

_STATUS_COLORS = {"FINISHED": "#15803d", "FAILED": "#b91c1c", "KILLED": "#b45309", "RUNNING": "#1d4ed8"}


def ui_url() -> str:
    """Base URL of the MLflow UI that run links point to (``mlflow ui`` serves on :5000)."""
    return os.environ.get("MLOPS_UI_URL", "http://127.0.0.1:5000").rstrip("/")


# -- runs -------------------------------------------------------------------------------

_runs_parser = MagicArgumentParser("runs")
_runs_parser.add_argument("-e", "--experiment", action="append")
_runs_parser.add_argument("-n", "--max", type=int, default=20)
_runs_parser.add_argument("--filter", default="")


class RunsTable:
    """Recent runs; renders as an HTML table in notebooks and as text elsewhere."""

    def __init__(self, runs, max_metrics: int = 4):
        self.runs = runs
        counts: dict[str, int] = {}
        for run in runs:
            for key in run.metrics:
                counts[key] = counts.get(key, 0) + 1
        self.metric_keys = sorted(counts, key=lambda k: (-counts[k], k))[:max_metrics]

    def _repr_html_(self) -> str:
        if not self.runs:
            return "<p><em>No runs yet. Track a cell with <code>%%mlops track</code>.</em></p>"
        head = "".join(
            f"<th>{html.escape(h)}</th>"
            for h in ["run", "status", "started", "duration", *self.metric_keys, "notebook version"]
        )
        rows = []
        for r in self.runs:
            link = f"{ui_url()}/#/experiments/{r.experiment_id}/runs/{r.run_id}"
            name = html.escape(r.name or r.run_id[:8])
            cells = [
                f'<a href="{html.escape(link)}" target="_blank" title="{r.run_id}">{name}</a>',
                f'<span style="color:{_STATUS_COLORS.get(r.status, "#444")}">{r.status}</span>',
                _when(r.start_time),
                f"{r.duration_s:.2f} s" if r.duration_s is not None else "",
                *(_number(r.metrics.get(k)) for k in self.metric_keys),
                html.escape(r.notebook_version or ""),
            ]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return (
            f'<table class="mlops-runs"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        )

    def __repr__(self) -> str:
        if not self.runs:
            return "No runs yet."
        header = f"{'run':28} {'status':9} {'started':19} " + " ".join(
            f"{k[:12]:>12}" for k in self.metric_keys
        )
        lines = [header]
        for r in self.runs:
            label = f"{(r.name or '')[:17]} ({r.run_id[:8]})"
            metrics = " ".join(f"{_number(r.metrics.get(k)):>12}" for k in self.metric_keys)
            lines.append(f"{label:28} {r.status:9} {_when(r.start_time):19} {metrics}")
        return "\n".join(lines)


def runs(shell, line: str) -> RunsTable:
    from ..tracking import query

    args = _runs_parser.parse_line(line)
    fluent.flush(30)
    return RunsTable(query.search(args.experiment, args.filter, args.max).runs)


def _when(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S") if ms else ""


def _number(value) -> str:
    return "" if value is None else f"{value:.4g}"


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
