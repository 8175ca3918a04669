"""The drift widget reacts to its controls: sorting, column choice, histogram/ECDF."""

from __future__ import annotations

import re

import plotly.graph_objects as go

from mlops_jupyter.widgets.drift import DriftWidget


def table_columns(widget) -> list[str]:
    return re.findall(r"data-column='([^']+)'", widget.table.value)


def test_renders_verdict_table_and_the_most_drifted_column(wine_drift):
    w = wine_drift.widget()
    assert isinstance(w, DriftWidget) and isinstance(w.figure, go.FigureWidget)
    assert ("Data drift detected" if wine_drift.drifted else "No data drift") in w.verdict.value
    assert "Target drift" in w.verdict.value
    first = table_columns(w)[0]
    assert first == "alcohol" and wine_drift[first].drifted  # drifted first, strongest first
    assert w.column.value == first
    assert [t.name for t in w.figure.data] == ["reference", "current"]
    assert "#fde0dc" in w.table.value and "#e3f4e1" in w.table.value  # coloured rows


def test_sorting_reorders_the_table_and_the_column_choices(wine_drift):
    w = wine_drift.widget()
    w.sort_by.value = "column"
    w.descending.value = False
    names = table_columns(w)
    assert names == sorted(names, key=str)
    assert [v for _, v in w.column.options] == names
    w.descending.value = True
    assert table_columns(w) == names[::-1]


def test_choosing_a_column_redraws_its_plot(wine_drift):
    w = wine_drift.widget()
    w.column.value = "cultivar"  # categorical: grouped bars of each category
    assert w.figure.layout.barmode == "group"
    assert set(w.figure.data[0].x) == {"a", "b", "c"}
    assert w.mode.disabled
    assert "outline" in re.search(r"<tr[^>]*data-column='cultivar'[^>]*>", w.table.value).group(0)
    w.column.value = "proline"
    assert not w.mode.disabled and w.figure.layout.barmode == "overlay"
    w.mode.value = "ecdf"
    assert [t.type for t in w.figure.data] == ["scatter", "scatter"]
    assert w.figure.data[0].y[-1] == 1.0  # an ECDF ends at 1
    assert "proline" in w.figure.layout.title.text


def test_report_renders_itself_through_ipython(wine_drift):
    bundle = wine_drift._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
