"""The explain widget: importance, beeswarm, dependence (feature + colour-by), waterfall, linked by clicks."""

from __future__ import annotations

import html

import ipywidgets as W

from . import explain_figures as F
from .slot import FigureSlot


class ExplainWidget(W.VBox):
    """Shows an :class:`~mlops_jupyter.explain.result.Explanation`.

    ``klass`` picks the class (multi-class models), ``feature``/``color_by`` drive the
    dependence plot, ``row`` the waterfall; clicking a point in the beeswarm or the
    dependence plot sets ``row``.
    """

    def __init__(self, exp):
        self.exp = exp
        self.header = W.HTML(self._header())
        self.klass = W.Dropdown(
            options=[(str(c), i) for i, c in enumerate(exp.classes)],
            value=0,
            description="Class",
            layout=W.Layout(width="240px", display="" if len(exp.classes) > 1 else "none"),
        )
        top = F.ranked_features(exp, 0)
        names = exp.feature_names
        self.feature = W.Dropdown(
            options=[(names[i], i) for i in top],
            value=top[0],
            description="Feature",
            layout=W.Layout(width="300px"),
        )
        second = top[1] if len(top) > 1 else None
        self.color_by = W.Dropdown(
            options=[("(none)", None)] + [(names[i], i) for i in top],
            value=second,
            description="Colour by",
            layout=W.Layout(width="300px"),
        )
        self.row = W.BoundedIntText(
            value=0, min=0, max=exp.n_rows - 1, description="Row #", layout=W.Layout(width="180px")
        )
        self.slots = {
            "importance": FigureSlot(self._sized(F.importance_figure(exp, 0))),
            "beeswarm": FigureSlot(self._sized(F.beeswarm_figure(exp, 0)), on_click=self._on_point),
            "dependence": FigureSlot(
                self._sized(F.dependence_figure(exp, 0, self.feature.value, self.color_by.value)),
                on_click=self._on_point,
            ),
            "waterfall": FigureSlot(self._sized(F.waterfall_figure(exp, 0, 0))),
        }
        self.klass.observe(self._on_class, names="value")
        self.feature.observe(self._on_dependence, names="value")
        self.color_by.observe(self._on_dependence, names="value")
        self.row.observe(self._on_row, names="value")
        slots = self.slots
        super().__init__(
            [
                self.header,
                self.klass,
                W.HBox([slots["importance"], slots["beeswarm"]], layout=W.Layout(flex_flow="row wrap")),
                W.HBox([self.feature, self.color_by, self.row]),
                W.HBox([slots["dependence"], slots["waterfall"]], layout=W.Layout(flex_flow="row wrap")),
            ]
        )
        self.add_class("mlops-explain-widget")

    def _header(self) -> str:
        exp = self.exp
        sample = (
            f"Explained a random sample of {exp.n_rows:,} of {exp.n_total:,} rows "
            "(mlops.explain's max_rows or time_budget sets how many)."
            if exp.sampled
            else f"Explained all {exp.n_rows:,} rows."
        )
        return (
            f"<div style='font-size:1.15em;font-weight:600'>{html.escape(str(exp.model))}: SHAP values "
            f"({html.escape(str(exp.explainer))} explainer, {html.escape(str(exp.output))})</div>"
            f"<div class='mlops-sample-note'>{sample}</div>"
        )

    @property
    def k(self) -> int:
        return self.klass.value

    @staticmethod
    def _sized(fig):
        fig.update_layout(width=620)  # fixed: a FigureWidget does not follow a flex box resize
        return fig

    # the current figure of each view (a redraw swaps in a new FigureWidget, see .slot)
    importance = property(lambda self: self.slots["importance"].figure)
    beeswarm = property(lambda self: self.slots["beeswarm"].figure)
    dependence = property(lambda self: self.slots["dependence"].figure)
    waterfall = property(lambda self: self.slots["waterfall"].figure)

    def _on_class(self, _change=None):
        self.slots["importance"].show(self._sized(F.importance_figure(self.exp, self.k)))
        self.slots["beeswarm"].show(self._sized(F.beeswarm_figure(self.exp, self.k)))
        self._on_dependence()
        self._on_row()

    def _on_dependence(self, _change=None):
        fig = F.dependence_figure(self.exp, self.k, self.feature.value, self.color_by.value)
        self.slots["dependence"].show(self._sized(fig))

    def _on_row(self, _change=None):
        self.slots["waterfall"].show(self._sized(F.waterfall_figure(self.exp, self.k, self.row.value)))

    def _on_point(self, trace, points, _state=None):
        if points.point_inds:
            self.row.value = int(trace.customdata[points.point_inds[0]])
