"""The explain widget: importance, beeswarm, dependence (feature + colour-by), waterfall, linked by clicks."""

from __future__ import annotations

import html

import ipywidgets as W
import plotly.graph_objects as go

from . import explain_figures as F


class ExplainWidget(W.VBox):
    """Shows an :class:`~mlops_jupyter.explain.result.Explanation`.

    ``klass`` picks the class (multi-class models), ``feature``/``color_by`` drive the
    dependence plot, ``row`` the waterfall; clicking a point in the beeswarm or the
    dependence plot sets ``row``.
    """

    def __init__(self, exp):
        self.exp = exp
        self.header = W.HTML(self._header())
        self.klass = W.Dropdown(options=[(str(c), i) for i, c in enumerate(exp.classes)], value=0,
                                description="Class", layout=W.Layout(width="240px",
                                                                     display="" if len(exp.classes) > 1 else "none"))
        top = F.ranked_features(exp, 0)
        names = exp.feature_names
        self.feature = W.Dropdown(options=[(names[i], i) for i in top], value=top[0], description="Feature",
                                  layout=W.Layout(width="300px"))
        second = top[1] if len(top) > 1 else None
        self.color_by = W.Dropdown(options=[("(none)", None)] + [(names[i], i) for i in top], value=second,
                                   description="Colour by", layout=W.Layout(width="300px"))
        self.row = W.BoundedIntText(value=0, min=0, max=exp.n_rows - 1, description="Row #",
                                    layout=W.Layout(width="180px"))
        self.importance = go.FigureWidget(F.importance_figure(exp, 0))
        self.beeswarm = go.FigureWidget(F.beeswarm_figure(exp, 0))
        self.dependence = go.FigureWidget(F.dependence_figure(exp, 0, self.feature.value, self.color_by.value))
        self.waterfall = go.FigureWidget(F.waterfall_figure(exp, 0, 0))
        self.beeswarm.data[0].on_click(self._on_point)
        self.dependence.data[0].on_click(self._on_point)
        self.klass.observe(self._on_class, names="value")
        self.feature.observe(self._on_dependence, names="value")
        self.color_by.observe(self._on_dependence, names="value")
        self.row.observe(self._on_row, names="value")
        wide = W.Layout(flex="1 1 480px", min_width="420px")
        for fig in (self.importance, self.beeswarm, self.dependence, self.waterfall):
            fig.layout.autosize = True
        super().__init__([
            self.header,
            self.klass,
            W.HBox([W.Box([self.importance], layout=wide), W.Box([self.beeswarm], layout=wide)],
                   layout=W.Layout(flex_flow="row wrap")),
            W.HBox([self.feature, self.color_by, self.row]),
            W.HBox([W.Box([self.dependence], layout=wide), W.Box([self.waterfall], layout=wide)],
                   layout=W.Layout(flex_flow="row wrap")),
        ])
        self.add_class("mlops-explain-widget")

    def _header(self) -> str:
        exp = self.exp
        sample = (f"Explained a random sample of {exp.n_rows:,} of {exp.n_total:,} rows (max_rows)."
                  if exp.sampled else f"Explained all {exp.n_rows:,} rows.")
        return (f"<div style='font-size:1.15em;font-weight:600'>{html.escape(exp.model)}: SHAP values "
                f"({exp.explainer} explainer, {exp.output})</div><div class='mlops-sample-note'>{sample}</div>")

    @property
    def k(self) -> int:
        return self.klass.value

    def _replace(self, target: go.FigureWidget, fresh: go.Figure) -> None:
        with target.batch_update():
            for name in ("x", "y", "customdata", "text", "hovertext", "marker", "base", "measure"):
                if name in fresh.data[0]:
                    setattr(target.data[0], name, getattr(fresh.data[0], name))
            target.layout.title = fresh.layout.title
            target.layout.xaxis.title = fresh.layout.xaxis.title
            target.layout.yaxis.tickvals = fresh.layout.yaxis.tickvals
            target.layout.yaxis.ticktext = fresh.layout.yaxis.ticktext

    def _on_class(self, _change=None):
        self._replace(self.importance, F.importance_figure(self.exp, self.k))
        self._replace(self.beeswarm, F.beeswarm_figure(self.exp, self.k))
        self._on_dependence()
        self._on_row()

    def _on_dependence(self, _change=None):
        fresh = F.dependence_figure(self.exp, self.k, self.feature.value, self.color_by.value)
        self._replace(self.dependence, fresh)
        self.dependence.layout.xaxis.title = fresh.layout.xaxis.title
        self.dependence.layout.yaxis.title = fresh.layout.yaxis.title

    def _on_row(self, _change=None):
        self._replace(self.waterfall, F.waterfall_figure(self.exp, self.k, self.row.value))

    def _on_point(self, trace, points, _state=None):
        if points.point_inds:
            self.row.value = int(trace.customdata[points.point_inds[0]])
