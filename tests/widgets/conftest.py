"""Results to render: a drift report on the wine data, explanations of real models."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="session")
def wine_drift():
    """Wine data split by alcohol content: the high-alcohol half drifts on several columns."""
    from sklearn.datasets import load_wine

    import mlops_jupyter as mlops

    X, y = load_wine(return_X_y=True, as_frame=True)
    frame = X.assign(cultivar=y.map({0: "a", 1: "b", 2: "c"}))
    low = frame[frame.alcohol < frame.alcohol.median()]
    high = frame[frame.alcohol >= frame.alcohol.median()]
    return mlops.drift(low, high, target="cultivar")


@pytest.fixture(scope="session")
def wine_explanation():
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier

    import mlops_jupyter as mlops

    X, y = load_wine(return_X_y=True, as_frame=True)
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    return mlops.explain(model, X, max_rows=100)


@pytest.fixture
def click():
    """Deliver a click on a point exactly as the browser side of a FigureWidget does."""

    def deliver(figure, point_index: int) -> None:
        figure._js2py_pointsCallback = {
            "event_type": "plotly_click",
            "points": {"xs": [0.0], "ys": [0.0], "point_indexes": [point_index], "trace_indexes": [0]},
            "device_state": {
                "alt": False,
                "ctrl": False,
                "meta": False,
                "shift": False,
                "button": 0,
                "buttons": 1,
            },
        }

    return deliver


@pytest.fixture
def rng():
    return np.random.default_rng(0)
