"""The expectations widget: the verdict and the failures per column, in JupyterLab and Voila."""

from __future__ import annotations

import ipywidgets as W

from ..views.expectations import expectations_html

__all__ = ["expectations_html", "expectations_widget"]


def expectations_widget(report: dict) -> W.HTML:
    widget = W.HTML(value=expectations_html(report))
    widget.add_class("mlops-expectations")
    return widget
