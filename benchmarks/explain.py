"""Explain benchmark: SHAP TreeExplainer on 100,000 rows x 30 features, up to a rendered widget.

    python benchmarks/explain.py [--rows 100000] [--cols 30] [--max-rows 2000]

For each model: the time of ``mlops.explain`` (explainer choice, sampling to
``max_rows``, SHAP values) and of building the widget (four plotly FigureWidgets), and,
for scale, SHAP on 10,000 rows without sampling, extrapolated to all rows. Model fitting
is not timed.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cols", type=int, default=30)
    ap.add_argument("--max-rows", type=int, default=2000)
    args = ap.parse_args()

    import shap  # noqa: F401  (import cost outside the timings)

    import mlops_jupyter as mlops

    X, y = data(args.rows, args.cols)
    load = os.getloadavg()[0]
    rows = []
    for name, model in models(X, y):
        start = time.perf_counter()
        exp = mlops.explain(model, X, max_rows=args.max_rows)
        explained = time.perf_counter() - start
        widget = exp.widget()
        done = time.perf_counter()
        assert widget.beeswarm.data[0].x.shape[0] == exp.n_rows * 10
        # for scale: the same explainer on 10,000 rows, no sampling, extrapolated to every row
        full_start = time.perf_counter()
        mlops.explain(model, X.iloc[:10_000], max_rows=10_000)
        per_row = (time.perf_counter() - full_start) / 10_000
        rows.append(
            f"{name:<36}{exp.explainer + ', ' + exp.output:<22}{explained:>10.2f}"
            f"{done - explained - start:>10.2f}{done - start:>9.2f}{per_row * args.rows:>20.0f}"
        )
    print(f"\nmachine: {os.cpu_count()} cores, load average {load:.2f}")
    print(f"== SHAP on {args.rows:,} x {args.cols}, max_rows={args.max_rows:,} ==")
    print(
        f"{'model':<36}{'explainer':<22}{'explain s':>10}{'widget s':>10}{'total s':>9}"
        f"{'unsampled, est. s':>20}"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
