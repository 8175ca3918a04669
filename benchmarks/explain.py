"""Explain benchmark: SHAP on 100,000 rows x 30 features, up to a rendered widget (target: <= 3 s).

    python benchmarks/explain.py [--rows 100000] [--cols 30] [--budget 2.0]

For each model, two ways in the same run: the baseline, a fixed sample of 2,000 rows
(``max_rows=2000``, what ``mlops.explain`` did before it had a time budget), and the default,
as many rows as fit ``time_budget`` seconds. Each prints the time of ``mlops.explain``
(explainer choice, sampling, SHAP values), of building the widget (four plotly
FigureWidgets), the total, the rows explained, and the largest additivity error (SHAP values
plus base value against ``predict_proba``) on the explained rows. Model fitting is not timed.
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
    return X, (logit > 0.5).astype(int)


def models(X, y):
    import lightgbm
    from sklearn.ensemble import RandomForestClassifier

    yield "LightGBM classifier, 200 trees", lightgbm.LGBMClassifier(n_estimators=200, verbose=-1).fit(X, y)
    yield (
        "RandomForest classifier, 50 trees",
        RandomForestClassifier(n_estimators=50, max_depth=10, n_jobs=2, random_state=0).fit(X, y),
    )


def timed(mlops, model, X, **kwargs):
    start = time.perf_counter()
    exp = mlops.explain(model, X, **kwargs)
    explained = time.perf_counter() - start
    widget = exp.widget()
    done = time.perf_counter()
    assert widget.beeswarm.data[0].x.shape[0] == exp.n_rows * min(10, X.shape[1])
    total = exp.values[:, :, 0].sum(axis=1) + exp.base_values[:, 0]
    error = float(np.abs(total - model.predict_proba(exp.data)[:, 1]).max())
    return explained, done - start - explained, done - start, exp, error


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
    X, y = data(args.rows, args.cols)
    load = os.getloadavg()[0]
    rows = []
    for name, model in models(X, y):
        base = timed(mlops, model, X, max_rows=2000)
        now = timed(mlops, model, X, time_budget=args.budget)
        for label, (explain_s, widget_s, total_s, exp, error) in (("max_rows=2000", base), ("default", now)):
            rows.append(
                f"{name:<36}{label:<15}{exp.explainer + ', ' + exp.output:<20}{explain_s:>10.2f}"
                f"{widget_s:>10.2f}{total_s:>9.2f}{exp.n_rows:>8,}{error:>12.1e}"
            )
        rows.append(
            f"{'':<36}{'speed-up':<15}{'':<20}{base[0] / now[0]:>9.1f}x{'':>10}{base[2] / now[2]:>8.1f}x"
        )
    print(f"\nmachine: {os.cpu_count()} cores, load average {load:.2f}")
    print(f"== SHAP on {args.rows:,} x {args.cols} to a widget; target: default total <= 3 s ==")
    print(
        f"{'model':<36}{'rows chosen by':<15}{'explainer':<20}{'explain s':>10}{'widget s':>10}{'total s':>9}"
        f"{'rows':>8}{'additivity':>12}"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
