"""Which SHAP explainer fits a model, and what its values are in (probability, log-odds, ...).

* Tree models (scikit-learn trees and ensembles, XGBoost, LightGBM): ``TreeExplainer``.
  Classifiers explain the predicted probability: forests and single trees hold
  probabilities in their leaves, so the fast path-dependent algorithm gives them directly;
  boosted classifiers need the interventional algorithm over a background sample (100
  rows), which shap supports for binary models only. When shap cannot give probabilities
  that add up to ``predict_proba`` (multi-class boosting, some histogram boosters) the
  values are in log-odds, and the result says so.
* Linear models: ``LinearExplainer`` (exact); classifiers are explained in log-odds,
  because a probability is not additive in the features.
* Anything else with ``predict_proba``/``predict``: the model-agnostic ``Permutation``
  explainer over a background of 50 sampled rows; it is the slow path (about
  ``10 x features`` model calls per background row and explained row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import BadInput

TREE_BACKGROUND = 100
PERMUTATION_BACKGROUND = 50
_TREE_LIBRARIES = ("xgboost", "lightgbm", "catboost")
_PROBABILITY_FORESTS = (
    "RandomForestClassifier",
    "ExtraTreesClassifier",
    "DecisionTreeClassifier",
    "ExtraTreeClassifier",
)


@dataclass
class Chosen:
    explainer: object
    name: str  # tree | linear | permutation
    output: str  # probability | log-odds | prediction
    classifier: bool
    classes: list


def model_family(model) -> str:
    """``tree``, ``linear`` or ``other``."""
    root = type(model).__module__.split(".")[0]
    if root in _TREE_LIBRARIES:
        return "tree"
    if root == "sklearn":
        from sklearn import ensemble, linear_model, tree

        trees = (
            tree.BaseDecisionTree,
            ensemble.RandomForestClassifier,
            ensemble.RandomForestRegressor,
            ensemble.ExtraTreesClassifier,
            ensemble.ExtraTreesRegressor,
            ensemble.GradientBoostingClassifier,
            ensemble.GradientBoostingRegressor,
            ensemble.HistGradientBoostingClassifier,
            ensemble.HistGradientBoostingRegressor,
            ensemble.IsolationForest,
        )
        if isinstance(model, trees):
            return "tree"
        if isinstance(
            model,
            (
                linear_model.LinearRegression,
                linear_model.Ridge,
                linear_model.Lasso,
                linear_model.ElasticNet,
                linear_model.LogisticRegression,
                linear_model.SGDClassifier,
                linear_model.SGDRegressor,
                linear_model.RidgeClassifier,
                linear_model.BayesianRidge,
                linear_model.HuberRegressor,
            ),
        ) and hasattr(model, "coef_"):
            return "linear"
    return "other"


def is_classifier(model) -> bool:
    from sklearn.base import is_classifier as sk_is_classifier

    try:
        return bool(sk_is_classifier(model)) or (
            hasattr(model, "predict_proba") and hasattr(model, "classes_")
        )
    except Exception:  # noqa: BLE001 - a non-sklearn object's tags can fail to read in any way
        return hasattr(model, "predict_proba")


def check_fitted(model) -> None:
    if not (hasattr(model, "predict") or hasattr(model, "predict_proba")):
        raise BadInput(
            f"{type(model).__name__} is not a model SHAP can explain: it has no predict or predict_proba",
            "explain() takes fitted scikit-learn, XGBoost or LightGBM models, "
            "or any object with predict/predict_proba.",
        )
    if type(model).__module__.split(".")[0] in ("sklearn", *_TREE_LIBRARIES):
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        try:
            check_is_fitted(model)
        except NotFittedError as exc:
            raise BadInput(
                f"{type(model).__name__} is not fitted", "Fit the model before explaining it."
            ) from exc
        except TypeError:
            pass


def choose(model, background) -> Chosen:
    import shap

    check_fitted(model)
    family = model_family(model)
    classifier = is_classifier(model)
    classes = [_label(c) for c in getattr(model, "classes_", [])] if classifier else []
    if family == "tree":
        if not classifier:
            return Chosen(shap.TreeExplainer(model), "tree", "prediction", False, [])
        if type(model).__name__ in _PROBABILITY_FORESTS:
            return Chosen(shap.TreeExplainer(model), "tree", "probability", True, classes)
        if len(classes) == 2:
            explainer = shap.TreeExplainer(
                model,
                data=background(TREE_BACKGROUND),
                model_output="probability",
                feature_perturbation="interventional",
            )
            return Chosen(explainer, "tree", "probability", True, classes)
        return Chosen(shap.TreeExplainer(model), "tree", "log-odds", True, classes)
    if family == "linear":
        explainer = shap.LinearExplainer(model, background(TREE_BACKGROUND))
        return Chosen(explainer, "linear", "log-odds" if classifier else "prediction", classifier, classes)
    predict = model.predict_proba if classifier and hasattr(model, "predict_proba") else model.predict
    bg = background(PERMUTATION_BACKGROUND)
    explainer = shap.PermutationExplainer(predict, shap.maskers.Independent(bg, max_samples=len(bg)))
    return Chosen(
        explainer,
        "permutation",
        "probability" if predict is not model.predict else "prediction",
        classifier,
        classes,
    )


def raw_log_odds(model, chosen: Chosen):
    """Fall back from probability to log-odds when shap's probabilities do not add up."""
    import shap

    chosen.explainer = shap.TreeExplainer(model)
    chosen.output = "log-odds"
    return chosen


def _label(value):
    return value.item() if isinstance(value, np.generic) else value
