"""Real models fitted on scikit-learn's bundled data sets, small enough to keep tests fast."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True, as_frame=True)


@pytest.fixture(scope="session")
def wine():
    from sklearn.datasets import load_wine

    return load_wine(return_X_y=True, as_frame=True)


@pytest.fixture(scope="session")
def diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True, as_frame=True)


@pytest.fixture(scope="session")
def forest(cancer):
    from sklearn.ensemble import RandomForestClassifier

    X, y = cancer
    return RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0).fit(X, y)
