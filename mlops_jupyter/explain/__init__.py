"""SHAP explanations of a model on a data set, with the right explainer picked for the model.

>>> exp = mlops.explain(model, X_test)   # TreeExplainer / LinearExplainer / Permutation
>>> exp                                  # an interactive widget in a notebook
>>> exp.importance()                     # mean |SHAP| per feature
>>> exp.log()                            # shap.<feature> metrics + HTML/JSON artifacts

See :mod:`.choose` for which explainer and which output units (probability, log-odds)
each kind of model gets.
"""

from __future__ import annotations

import numpy as np

from ..errors import BadInput
from .result import Explanation

__all__ = ["Explanation", "explain"]


MAX_ROWS = 2000  # the most rows explained unless max_rows asks for more
FIRST_ROWS = 100  # explained first, to time the explainer before choosing how many more fit the budget


def explain(
    model,
    X,
    background=None,
    max_rows: int | None = None,
    random_state: int = 0,
    time_budget: float = 2.0,
) -> Explanation:
    """Explain ``model`` on the rows of ``X`` (a DataFrame or 2-D array).

    By default as many randomly sampled rows as SHAP explains in about ``time_budget``
    seconds (at least 100, at most 2,000): the first 100 are timed and the rest sized to
    fit, so a slow model or a busy machine gets fewer rows, not a longer wait. ``max_rows``
    explains exactly that many rows (all of them when ``X`` has fewer). The result and the
    widget say when a sample was explained. ``background`` is the data the explainers
    integrate over (default: rows sampled from ``X``).

    >>> exp = mlops.explain(model, X_test)                 # fast: a sample within 2 s
    >>> exp = mlops.explain(model, X_test, max_rows=5000)  # exactly 5,000 rows
    """
    import pandas as pd

    X = _as_frame(X, "X", getattr(model, "feature_names_in_", None), model)
    if max_rows is not None and (not isinstance(max_rows, int) or isinstance(max_rows, bool) or max_rows < 1):
        raise BadInput(f"max_rows={max_rows!r:.80} is not a positive int", "e.g. max_rows=2000.")
    if (
        isinstance(time_budget, bool)
        or not isinstance(time_budget, (int, float))
        or not 0 < time_budget <= 3600
    ):
        raise BadInput(
            f"time_budget={time_budget!r:.80} is not a number of seconds", "e.g. time_budget=2.0 (0 to 3600)."
        )
    if not isinstance(random_state, int) or isinstance(random_state, bool) or random_state < 0:
        raise BadInput(f"random_state={random_state!r:.80} is not a seed", "e.g. random_state=0.")
    rng = np.random.default_rng(random_state)
    n_total = len(X)
    most = max_rows or MAX_ROWS
    order = rng.permutation(n_total)[:most] if n_total > most else np.arange(n_total)
    pool = X if background is None else _as_frame(background, "background", list(X.columns))
    if list(pool.columns) != list(X.columns):
        raise BadInput(
            "background has other columns than X", "Give background the same columns, in the same order."
        )

    def background_rows(k: int) -> pd.DataFrame:
        return pool if len(pool) <= k else pool.iloc[np.sort(rng.choice(len(pool), k, replace=False))]

    from . import choose

    try:
        chosen = choose.choose(model, background_rows)
        sample, values, base = _within_budget(chosen, X, order, None if max_rows else time_budget)
        if (
            chosen.output == "probability"
            and chosen.name == "tree"
            and not _adds_up(model, sample, values, base)
        ):
            values, base = _compute(choose.raw_log_odds(model, chosen), sample)
    except BadInput:
        raise
    except Exception as exc:  # shap's own errors name the unsupported part; keep its words
        raise BadInput(
            f"SHAP cannot explain {type(model).__name__} on this data: {type(exc).__name__}: {exc}",
            "explain() takes fitted scikit-learn, XGBoost and LightGBM models or any model with "
            "predict/predict_proba, on numeric features.",
        ) from exc
    if not np.isfinite(values).all():
        numeric = sample.select_dtypes("number")
        unusable = [
            str(c) for c in numeric.columns if not np.isfinite(numeric[c].to_numpy(dtype=float)).all()
        ]
        raise BadInput(
            f"{type(model).__name__} gives no finite explanation of these rows; "
            f"columns with missing or infinite values: {', '.join(unusable) or 'none found'}",
            "Impute or drop those values first (tree models such as XGBoost or LightGBM handle NaN).",
        )
    values, base, classes = _per_class(values, base, chosen)
    return Explanation(
        values=values,
        base_values=base,
        data=sample,
        classes=classes,
        output=chosen.output,
        explainer=chosen.name,
        model=type(model).__name__,
        n_total=n_total,
    )


def _few(names: list[str], shown: int = 5) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return (", ".join(names[:shown]) or "none") + more


def _as_frame(X, what: str, names=None, model=None):
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        frame = X
    elif isinstance(X, np.ndarray) and X.ndim == 2:
        # an array gets the model's own feature names when it was fitted on a frame
        if names is None or len(names) != X.shape[1]:
            names = [f"x{i}" for i in range(X.shape[1])]
        frame = pd.DataFrame(X, columns=list(names))
    else:
        shape = f" of shape {X.shape}" if isinstance(X, np.ndarray) else ""
        raise BadInput(
            f"{what} must be a pandas DataFrame or a 2-D array, got {type(X).__name__}{shape}",
            "Pass the feature rows the model predicts on, e.g. X_test.",
        )
    if len(frame) == 0 or frame.shape[1] == 0:
        raise BadInput(
            f"{what} is empty ({frame.shape[0]} rows x {frame.shape[1]} columns)", "Pass at least one row."
        )
    if frame.columns.duplicated().any():
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise BadInput(
            f"{what} has duplicate column names: {', '.join(dupes)}", "Column names must be unique."
        )
    if names is not None and list(frame.columns) != list(names):
        # Only scikit-learn keeps the names it was fitted with; LightGBM, for one, rewrites them.
        if len(names) != frame.shape[1] or str(type(model).__module__).startswith("sklearn."):
            missing = [str(n) for n in names if n not in frame.columns]
            extra = [str(c) for c in frame.columns if c not in set(names)]
            if len(names) != frame.shape[1] or missing or extra:
                raise BadInput(
                    f"{what} has {frame.shape[1]} columns, the model {len(names)} features "
                    f"(missing: {_few(missing)}; not features: {_few(extra)})",
                    "Pass the columns the model was fitted on.",
                )
            frame = frame[list(names)]  # the same features in another order: the model's order
    return frame


def _within_budget(chosen, X, order, budget: float | None):
    """Explain the rows ``order`` picks from ``X`` (all of them, or as many as fit ``budget`` seconds).

    Returns the explained rows in their original order with their values and base values.
    """
    import time

    if budget is None or len(order) <= FIRST_ROWS:
        sample = X.iloc[np.sort(order)]
        return (sample, *_compute(chosen, sample))
    first = np.sort(order[:FIRST_ROWS])
    started = time.perf_counter()
    values, base = _compute(chosen, X.iloc[first])
    per_row = (time.perf_counter() - started) / FIRST_ROWS
    fit = int(max(budget - per_row * FIRST_ROWS, 0) / per_row) if per_row > 0 else len(order)
    more = np.sort(order[FIRST_ROWS : FIRST_ROWS + fit])
    if len(more) == 0:
        return X.iloc[first], values, base
    more_values, more_base = _compute(chosen, X.iloc[more])
    rows = np.concatenate([first, more])
    ranked = np.argsort(rows, kind="stable")
    values = np.concatenate([values, more_values])[ranked]
    base = np.concatenate([_per_row(base, len(first)), _per_row(more_base, len(more))])[ranked]
    return X.iloc[rows[ranked]], values, base


def _per_row(base, n: int):
    """Base values with one entry (or row of class entries) per explained row."""
    base = np.asarray(base, dtype=np.float64)
    return base if base.ndim and base.shape[0] == n else np.broadcast_to(base, (n, *base.shape))


def _compute(chosen, sample):
    if chosen.name == "permutation":
        n_features = sample.shape[1]
        result = chosen.explainer(sample, max_evals=max(2 * n_features + 1, 10 * n_features), silent=True)
    else:
        result = chosen.explainer(sample)
    return np.asarray(result.values, dtype=np.float64), np.asarray(result.base_values, dtype=np.float64)


def _adds_up(model, sample, values, base) -> bool:
    """Do probability SHAP values sum to ``predict_proba`` (shap's own additivity check)?"""
    head = min(len(sample), 50)
    proba = model.predict_proba(sample.iloc[:head])
    total = values[:head].sum(axis=1) + (base[:head] if np.ndim(base) else base)
    expected = proba[:, 1] if total.ndim == 1 else proba
    return bool(np.abs(total - expected).max() < 1e-3)


def _per_class(values, base, chosen):
    """Values as (rows, features, classes); a binary classifier keeps its positive class."""
    n = values.shape[0]
    base = np.broadcast_to(base, values.shape[:1] + values.shape[2:]) if np.ndim(base) < 2 else base
    if values.ndim == 2:
        values, base = values[:, :, None], np.asarray(base).reshape(n, 1)
    classes = chosen.classes
    if chosen.classifier and len(classes) == 2:
        if values.shape[2] == 2:
            values, base = values[:, :, 1:], base[:, 1:]
        return values, np.array(base), [classes[1]]
    if chosen.classifier and values.shape[2] == len(classes):
        return values, np.array(base), classes
    return values, np.array(base), ["prediction"]
