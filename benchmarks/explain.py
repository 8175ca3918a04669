"""Explain benchmark: SHAP on 100,000 rows x 30 features, up to a rendered widget (target: <= 3 s).

    python benchmarks/explain.py [--rows 100000] [--cols 30] [--budget 2.0]

For each model, the default ``mlops.explain`` against a baseline in the same run: shap on a
fixed sample of 2,000 rows. LightGBM and XGBoost regressors take the boosters' own TreeSHAP
(every sampled row); their baseline is shap's ``TreeExplainer`` on the same 2,000 rows plus
the same widget, and the largest gap between the two sets of values is printed. Classifiers
explained in probability (LightGBM, random forest) keep shap's explainers within
``time_budget``; their baseline is ``max_rows=2000``. Each line prints the time of the SHAP
values (explainer choice, sampling), of building the widget (four plotly FigureWidgets), the
total, the rows explained, and the largest additivity error (values plus base value against
``predict`` or ``predict_proba``). Model fitting is not timed.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd


def data(rows: int, cols: int):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(rows, cols)), columns=[f"f{i:02d}" for i in range(cols)])
    logit = X.f00 + 0.8 * X.f01**2 - 0.6 * X.f02 * X.f03 + 0.3 * X.f04 + rng.normal(size=rows)
    return X, logit


def models(X, logit):
    import lightgbm
    import xgboost
    from sklearn.ensemble import RandomForestClassifier

    y = (logit > 0.5).astype(int)
    yield "LightGBM regressor, 200 trees", lightgbm.LGBMRegressor(n_estimators=200, verbose=-1).fit(X, logit)
    yield (
        "XGBoost regressor, 200 trees",
        xgboost.XGBRegressor(n_estimators=200, max_depth=6, n_jobs=2).fit(X, logit),
    )
    yield "LightGBM classifier, 200 trees", lightgbm.LGBMClassifier(n_estimators=200, verbose=-1).fit(X, y)
    yield (
        "RandomForest classifier, 50 trees",
        RandomForestClassifier(n_estimators=50, max_depth=10, n_jobs=2, random_state=0).fit(X, y),
    )


def predicted(model, rows):
    return model.predict_proba(rows)[:, 1] if hasattr(model, "predict_proba") else model.predict(rows)


def widget_of(exp, X):
    start = time.perf_counter()
    widget = exp.widget()
    assert widget.beeswarm.data[0].x.shape[0] == exp.n_rows * min(10, X.shape[1])
    return time.perf_counter() - start


def timed(mlops, model, X, **kwargs):
    start = time.perf_counter()
    exp = mlops.explain(model, X, **kwargs)
    explained = time.perf_counter() - start
    widget_s = widget_of(exp, X)
    total = exp.values[:, :, 0].sum(axis=1) + exp.base_values[:, 0]
    error = float(np.abs(total - predicted(model, exp.data)).max())
    return explained, widget_s, explained + widget_s, exp, error


def shap_baseline(model, X, exp):
    """shap's TreeExplainer on the rows ``exp`` explained, to the same widget: times, gap to exp."""
    import shap

    from mlops_jupyter.explain import Explanation

    start = time.perf_counter()
    result = shap.TreeExplainer(model)(exp.data)
    explained = time.perf_counter() - start
    values = np.asarray(result.values, dtype=np.float64)
    base = np.broadcast_to(np.asarray(result.base_values, dtype=np.float64), (len(values),))
    same = Explanation(
        values=values[:, :, None],
        base_values=base[:, None],
        data=exp.data,
        classes=exp.classes,
        output=exp.output,
        explainer="shap tree",
        model=exp.model,
        n_total=exp.n_total,
    )
    widget_s = widget_of(same, X)
    error = float(np.abs(values.sum(axis=1) + base - predicted(model, exp.data)).max())
    gap = float(np.abs(values - exp.values[:, :, 0]).max())
    return (explained, widget_s, explained + widget_s, same, error), gap


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cols", type=int, default=30)
    ap.add_argument("--budget", type=float, default=2.0, help="mlops.explain's time_budget (seconds)")
    args = ap.parse_args()

    import plotly.graph_objects as go
    import shap  # noqa: F401  (import costs outside the timings)

    import mlops_jupyter as mlops

    go.FigureWidget()  # the widget library's first load, outside the timings
    X, logit = data(args.rows, args.cols)
    load = os.getloadavg()[0]
    rows = []
    for name, model in models(X, logit):
        now = timed(mlops, model, X, time_budget=args.budget)
        gap = ""
        if now[3].n_rows == 2000 and not hasattr(model, "predict_proba"):  # the booster's own TreeSHAP
            base, difference = shap_baseline(model, X, now[3])
            ways = (("shap, same 2,000", base), ("default", now))
            gap = f"  values differ from shap by at most {difference:.1e}"
        else:
            base = timed(mlops, model, X, max_rows=2000)
            ways = (("max_rows=2000", base), ("default", now))
        for label, (explain_s, widget_s, total_s, exp, error) in ways:
            rows.append(
                f"{name:<34}{label:<18}{exp.explainer + ', ' + exp.output:<20}{explain_s:>10.2f}"
                f"{widget_s:>10.2f}{total_s:>9.2f}{exp.n_rows:>8,}{error:>12.1e}"
            )
        rows.append(
            f"{'':<34}{'speed-up':<18}{'':<20}{base[0] / now[0]:>9.1f}x{'':>10}{base[2] / now[2]:>8.1f}x{gap}"
        )
    print(
        f"\nmachine: {os.cpu_count()} cores, load average {load:.2f} at start,"
        f" {os.getloadavg()[0]:.2f} at end",
    )
    print(f"== SHAP on {args.rows:,} x {args.cols} to a widget; target: default total <= 3 s ==")
    print(
        f"{'model':<34}{'rows chosen by':<18}{'explainer':<20}{'explain s':>10}{'widget s':>10}{'total s':>9}"
        f"{'rows':>8}{'additivity':>12}"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
