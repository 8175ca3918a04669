"""The explain widget: class selector, dependence dropdowns, clicks that open a row's waterfall."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go


def test_renders_four_linked_views(wine_explanation):
    w = wine_explanation.widget()
    for fig in (w.importance, w.beeswarm, w.dependence, w.waterfall):
        assert isinstance(fig, go.FigureWidget)
    assert w.beeswarm.data[0].type == "scattergl" and w.dependence.data[0].type == "scattergl"
    bars = w.importance.data[0]
    assert len(bars.y) == 11 and bars.y[0] == "3 other features"  # top 10 + the rest folded
    assert "random sample of 100 of 178 rows" in w.header.value
    assert w.waterfall.data[0].type == "waterfall"


def test_clicking_a_point_shows_that_rows_waterfall(wine_explanation, click):
    exp = wine_explanation
    w = exp.widget()
    trace = w.beeswarm.data[0]
    point = 250  # some point of the beeswarm: it belongs to one row
    row = int(trace.customdata[point])
    click(w.beeswarm, point)
    assert w.row.value == row
    label = exp.data.index[row]
    assert w.waterfall.layout.title.text.startswith(f"Row {label}:")
    contributions = exp.values[row, :, 0]
    assert np.isclose(sum(w.waterfall.data[0].x), contributions.sum())
    click(w.dependence, 7)
    assert w.row.value == 7


def test_dependence_dropdowns_redraw_the_plot(wine_explanation):
    exp = wine_explanation
    w = exp.widget()
    magnesium = exp.feature_names.index("magnesium")
    w.feature.value = magnesium
    assert w.dependence.layout.title.text == "Dependence: magnesium"
    np.testing.assert_allclose(w.dependence.data[0].x, exp.data["magnesium"].to_numpy())
    np.testing.assert_allclose(w.dependence.data[0].y, exp.values[:, magnesium, 0])
    w.color_by.value = exp.feature_names.index("hue")
    np.testing.assert_allclose(w.dependence.data[0].marker.color, exp.data["hue"].to_numpy())
    assert w.dependence.data[0].marker.colorbar.title.text == "hue"


def test_class_selector_switches_every_view(wine_explanation):
    exp = wine_explanation
    w = exp.widget()
    assert w.klass.layout.display != "none" and [label for label, _ in w.klass.options] == ["0", "1", "2"]
    w.klass.value = 2
    assert "class 2" in w.importance.layout.title.text
    top = exp.importance(cls=2)
    assert w.importance.data[0].y[-1] == top.index[0]
    np.testing.assert_allclose(
        w.beeswarm.data[0].x[: exp.n_rows], exp.values[:, exp.feature_names.index(top.index[0]), 2]
    )
    np.testing.assert_allclose(sum(w.waterfall.data[0].x), exp.values[w.row.value, :, 2].sum())


def test_single_class_hides_the_selector(wine_explanation):
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import GradientBoostingRegressor

    import mlops_jupyter as mlops

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    exp = mlops.explain(GradientBoostingRegressor(n_estimators=20).fit(X, y), X)
    w = exp.widget()
    assert w.klass.layout.display == "none" and "prediction" in w.importance.layout.title.text
