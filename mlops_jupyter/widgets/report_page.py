"""The report page in Voila: each section shown as soon as its data is read, figures as plotly widgets.

``notebooks/model_report.ipynb`` calls these; a section whose read fails shows
``not available: <why>`` and the page goes on (no traceback, no stderr on the page).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import parse_qs

import ipywidgets as W
import plotly.graph_objects as go
from IPython.display import HTML, display

from . import report_figures as RF
from . import report_html as RH


def parameters(model: str, alias: str, compare: str) -> tuple[str, str, str]:
    """The notebook's parameters; a served page takes them from its URL (``?model=churn&alias=champion``)."""
    query = parse_qs(os.environ.get("QUERY_STRING", ""))

    def pick(name: str, default: str) -> str:
        return query.get(name, [default])[0]

    return pick("model", model), pick("alias", alias), pick("compare", compare)


class NoReport:
    """Stands for a report that cannot be read at all: every section says why."""

    def __init__(self, reason: str):
        self.reason = reason

    def __getattr__(self, name: str):
        def unavailable(*_args):
            raise LookupError(self.reason)

        return unavailable


def start(open_report: Callable, model: str, alias: str):
    """Show the page's style and title; returns the report's data source (or a :class:`NoReport`)."""
    display(HTML(f"<style>{RH.STYLE}</style>"))
    try:
        source = open_report()
    except Exception as exc:  # noqa: BLE001 - the page explains any failure in words, never a traceback
        reason = getattr(exc, "message", None) or str(exc)
        display(HTML(f"<div class='mlops-report'><h1>Model report: {RH.e(model)}@{RH.e(alias)}</h1></div>"))
        return NoReport(reason)
    title = f"{source.model}@{source.alias} (v{source.version})"
    display(
        HTML(
            f"<div class='mlops-report'><h1>Model report: {RH.e(title)}</h1><div class='muted'>Generated "
            f"{RH.e(source.generated)} from the model registry, its runs, jobs and audit log.</div></div>"
        )
    )
    return source


def show(name: str, read: Callable, *args) -> None:
    """Read one section and show it: its text, then its figures."""
    try:
        data = read(*args)
    except LookupError as exc:  # a NoReport
        data = Unavailable(str(exc))
    except Exception as exc:  # noqa: BLE001 - one section's failure must not break the page
        data = Unavailable(getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}")
    html, figures = _render(name, data)
    display(HTML(f"<div class='mlops-report'>{RH.heading(name)}{html}</div>"))
    if figures:
        display(W.VBox([_figure(f) for f in figures]))


def _render(name: str, data) -> tuple[str, list]:
    if RH.missing(data):
        return RH.unavailable(data.reason), []
    if name == "summary":
        return RH.summary_html(data), []
    if name == "quality":
        return RH.rules_html(data), [RF.quality_figure(data)]
    if name == "kpis":
        return RH.kpis_html(data), []
    if name == "why":
        return RH.why_html(data), RF.why_figures(data)
    if name == "health":
        figures = [] if RH.missing(data.drift) else [RF.drift_figure(data.drift)]
        return RH.drift_html(data) + RH.jobs_html(data), figures
    if name == "history":
        return RH.history_html(data), []
    if name == "comparison":
        return RH.comparison_html(data), []
    raise ValueError(f"unknown report section {name!r}")


def _figure(fig) -> go.FigureWidget:
    fig.update_layout(width=1000)
    return go.FigureWidget(fig)


class Unavailable:
    """A section the page could not read (rendered as ``reports.sections.Unavailable`` is)."""

    def __init__(self, reason: str):
        self.reason = reason
