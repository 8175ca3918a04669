"""The table of recent runs (shown by ``%mlops runs``, ``mlops runs`` and the demo)."""

from __future__ import annotations

import html
import os
from datetime import datetime

from .tables import number

_STATUS_COLORS = {"FINISHED": "#15803d", "FAILED": "#b91c1c", "KILLED": "#b45309", "RUNNING": "#1d4ed8"}


def ui_url() -> str:
    """Base URL of the MLflow UI that run links point to (``mlflow ui`` serves on :5000)."""
    return os.environ.get("MLOPS_UI_URL", "http://127.0.0.1:5000").rstrip("/")


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
                *(number(r.metrics.get(k)) for k in self.metric_keys),
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
            metrics = " ".join(f"{number(r.metrics.get(k)):>12}" for k in self.metric_keys)
            lines.append(f"{label:28} {r.status:9} {_when(r.start_time):19} {metrics}")
        return "\n".join(lines)


def _when(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S") if ms else ""
