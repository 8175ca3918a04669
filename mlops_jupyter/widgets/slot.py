"""A box that shows one plotly figure and swaps in a new ``FigureWidget`` to redraw it.

plotly's ``FigureWidget`` sends each edit as a trait set and immediately reset to None;
with the anywidget front end a page can see only the reset and miss the edit (the Python
figure changes, the page does not: observed in Voila). A new widget in the box renders
from its full state instead, so every redraw here is a swap.
"""

from __future__ import annotations

import ipywidgets as W
import plotly.graph_objects as go


class FigureSlot(W.Box):
    children: tuple[W.Widget, ...]  # ipywidgets' trait, for the type checker

    def __init__(self, figure: go.Figure, on_click=None, **layout):
        self._on_click = on_click
        super().__init__(layout=W.Layout(**layout))
        self.show(figure)

    def show(self, figure: go.Figure) -> go.FigureWidget:
        widget = go.FigureWidget(figure)
        if self._on_click is not None:
            widget.data[0].on_click(self._on_click)
        old = self.children
        self.children = (widget,)
        for child in old:
            child.close()
        return widget

    @property
    def figure(self) -> go.FigureWidget:
        return self.children[0]
