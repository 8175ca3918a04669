"""The fairness widget: the gaps, a bar chart of the chosen per-group metric, the per-group table."""

from __future__ import annotations

import ipywidgets as W

from . import fairness_figures as F
from .html import _page
from .slot import FigureSlot


class FairnessWidget(W.VBox):
    def __init__(self, report: dict):
        self.report = report
        self.metric = W.Dropdown(options=list(F.GROUP_METRICS), value="selection_rate", description="Metric")
        self.slot = FigureSlot(F.group_figure(report, "selection_rate"))
        self.metric.observe(
            lambda change: self.slot.show(F.group_figure(report, change["new"])), names="value"
        )
        table = W.HTML(F.groups_html(report), layout=W.Layout(max_height="320px", overflow="auto"))
        super().__init__([W.HTML(F.gaps_html(report)), self.metric, self.slot, table])
        self.add_class("mlops-fairness-widget")


def fairness_html(report: dict) -> str:
    body = [F.gaps_html(report), "<h2>Groups</h2>", F.groups_html(report)]
    figures = [F.group_figure(report, m) for m in F.GROUP_METRICS]
    return _page(f"Fairness by {report['sensitive']}", body, figures)
