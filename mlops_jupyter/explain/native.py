"""Exact TreeSHAP computed by LightGBM and XGBoost themselves (multi-threaded, in C++).

The boosters' ``pred_contrib``/``pred_contribs`` give the path-dependent SHAP values of
shap's ``TreeExplainer`` without a background (shap itself calls them there), in the
model's raw output: margin, log-odds for classifiers. Called directly, without shap's
per-call overhead, they are fast enough to explain every sampled row, so these models skip
the time budget. They cannot give interventional probabilities: binary classifiers
explained in probability keep shap's explainer and the budget.
"""

from __future__ import annotations

import numpy as np


def native_tree_shap(model):
    """A function of rows giving ``(values, base_values)``, or None when the model has no native TreeSHAP."""
    root = type(model).__module__.split(".")[0]
    if root == "lightgbm":
        return _lightgbm(model)
    if root == "xgboost":
        return _xgboost(model)
    return None


def _lightgbm(model):
    import lightgbm

    if isinstance(model, lightgbm.LGBMModel):
        booster, n_classes = model.booster_, getattr(model, "n_classes_", 1)
    elif isinstance(model, lightgbm.Booster):
        booster, n_classes = model, model.num_model_per_iteration()
    else:
        return None

    def contributions(sample):
        out = np.asarray(booster.predict(sample, pred_contrib=True), dtype=np.float64)
        # multi-class: one block of (features + base) per class, side by side
        k = n_classes if n_classes > 2 else 1
        return _split(out.reshape(len(sample), k, -1) if k > 1 else out)

    return contributions


def _xgboost(model):
    import xgboost

    if isinstance(model, xgboost.XGBModel):
        booster = model.get_booster()
    elif isinstance(model, xgboost.Booster):
        booster = model
    else:
        return None

    def contributions(sample):
        matrix = xgboost.DMatrix(sample, enable_categorical=True)
        return _split(np.asarray(booster.predict(matrix, pred_contribs=True), dtype=np.float64))

    return contributions


def _split(out):
    """(rows, features + 1) or (rows, classes, features + 1) -> values (rows, features[, classes]), base."""
    if out.ndim == 2:
        return out[:, :-1], out[:, -1]
    return out[:, :, :-1].transpose(0, 2, 1), out[:, :, -1]
