"""Fairness metrics with fairlearn: per-group rates of a binary classifier and the gaps between groups.

Gaps are fairlearn's own functions (``demographic_parity_difference``, ``equalized_odds_ratio``,
...); a difference is the largest gap between two groups (0 is parity), a ratio the smallest
over the largest (1 is parity). Inputs are checked first, so bad data gets a message naming
what is wrong rather than a stack trace from deep inside a library.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import BadInput, missing_extra

GROUP_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "accuracy")
GAPS = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "accuracy_score_difference",
    "true_positive_rate_difference",
    "false_positive_rate_difference",
)
MAX_GROUPS = 1000  # beyond this a "group" column is an identifier, not a group


def fairlearn_metrics():
    try:
        import fairlearn.metrics as fm
    except ImportError as exc:
        raise missing_extra("data", "fairness reports", exc) from None
    return fm


def check_metric_names(names) -> list[str]:
    unknown = [n for n in names if n not in GAPS]
    if unknown:
        raise BadInput(f"unknown fairness metric {', '.join(map(repr, unknown))}", f"Use: {', '.join(GAPS)}.")
    return list(names)


def binary(values, what: str, labels=None) -> tuple[np.ndarray, list]:
    """``values`` as 0/1 with the label that counts as positive; refuses NaN and multiclass."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise BadInput(f"{what} must be one-dimensional, got shape {array.shape}", "Pass one label per row.")
    if len(array) == 0:
        raise BadInput(f"{what} is empty", "Fairness needs rows to compare groups on.")
    missing = int(pd.isna(array).sum()) if array.dtype.kind in "fOU" else 0
    if missing:
        raise BadInput(f"{what} has {missing} missing value(s)", "Drop or fill those rows first.")
    found = sorted(pd.unique(array).tolist(), key=str) if labels is None else list(labels)
    if len(found) > 2 or not set(pd.unique(array).tolist()) <= set(found):
        shown = ", ".join(map(str, sorted(pd.unique(array).tolist(), key=str)[:8]))
        raise BadInput(
            f"{what} holds more than two labels ({shown})",
            "Fairness metrics here are for binary classification: map the labels to 0/1 first.",
        )
    positive = 1 if 1 in found else True if True in found else found[-1]
    return (array == positive).astype(np.int8), found


def groups(sensitive, rows: int, name: str) -> pd.Series:
    """The group of each row as text; refuses misaligned, missing, single-group and id-like columns."""
    series = pd.Series(
        np.asarray(sensitive, dtype=object) if not isinstance(sensitive, pd.Series) else sensitive
    )
    if len(series) != rows:
        raise BadInput(
            f"sensitive feature {name!r} has {len(series)} values for {rows} rows",
            "Pass a column of X, or an array or Series with one value per row.",
        )
    missing = int(series.isna().sum())
    if missing:
        raise BadInput(
            f"sensitive feature {name!r} has {missing} missing value(s)",
            f"Fill them as a group of their own, e.g. X[{name!r}].fillna('unknown').",
        )
    series = series.astype(str).reset_index(drop=True)
    n = series.nunique()
    if n < 2:
        raise BadInput(
            f"sensitive feature {name!r} has a single group ({series.iloc[0] if rows else 'none'})",
            "Fairness compares groups: the data must hold at least two.",
        )
    if n > MAX_GROUPS:
        raise BadInput(
            f"sensitive feature {name!r} has {n:,} groups",
            f"At most {MAX_GROUPS:,}: bin the column (pd.cut) or pick a feature that names groups.",
        )
    return series


def compute(y_true: np.ndarray, y_pred: np.ndarray, sensitive: pd.Series) -> tuple[pd.DataFrame, dict, dict]:
    """(per-group table with counts, overall rates, every gap)."""
    import warnings

    from sklearn.metrics import accuracy_score

    fm = fairlearn_metrics()
    metrics = {
        "selection_rate": fm.selection_rate,
        "true_positive_rate": fm.true_positive_rate,
        "false_positive_rate": fm.false_positive_rate,
        "accuracy": accuracy_score,
        "count": fm.count,
    }
    with warnings.catch_warnings():
        # a group without positives (or negatives) has no TPR (FPR): NaN, shown as such
        warnings.simplefilter("ignore")
        frame = fm.MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=sensitive)
        by_group = frame.by_group.astype(float)
        overall = {k: float(v) for k, v in frame.overall.items() if k != "count"}
        kw = {"sensitive_features": sensitive}
        gaps = {name: float(getattr(fm, name)(y_true, y_pred, **kw)) for name in GAPS}
    by_group["count"] = by_group["count"].astype(int)
    return by_group, overall, gaps
