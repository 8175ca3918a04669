"""The fairness section of a drift report, when a sensitive column is named.

Per group of the sensitive column: its share of the reference and of the current data (a
group that grows, shrinks, appears or vanishes is drift that a per-column test averages
away); with ``prediction`` and ``target`` columns, fairlearn's gaps on each side, so a
monitoring job sees when a model becomes less fair on new data.
"""

from __future__ import annotations

import math

import pandas as pd

from ..errors import BadInput, missing_extra

GAPS = ("demographic_parity_difference", "equalized_odds_difference")
MAX_GROUPS = 1000


def _groups(frame: pd.DataFrame, sensitive: str, what: str) -> pd.Series:
    groups = frame[sensitive]
    missing = int(groups.isna().sum())
    if missing:
        raise BadInput(
            f"sensitive column {sensitive!r} has {missing} missing value(s) in the {what} data",
            f"Fill them as a group of their own, e.g. df[{sensitive!r}].fillna('unknown').",
        )
    return groups.astype(str)


def _gaps(frame: pd.DataFrame, groups: pd.Series, prediction: str, target: str) -> dict[str, float | None]:
    try:
        import fairlearn.metrics as fm
    except ImportError as exc:
        raise missing_extra("data", "the fairness section of drift reports", exc) from None
    y_true, y_pred = frame[target].to_numpy(), frame[prediction].to_numpy()
    labels = set(pd.unique(y_true).tolist()) | set(pd.unique(y_pred).tolist())
    if len(labels) > 2 or groups.nunique() < 2:
        return dict.fromkeys(GAPS)  # fairness gaps are for binary labels and two or more groups
    positive = 1 if 1 in labels else True if True in labels else sorted(labels, key=str)[-1]
    truth, predicted = (y_true == positive).astype(int), (y_pred == positive).astype(int)
    out: dict[str, float | None] = {}
    for name in GAPS:
        value = float(getattr(fm, name)(truth, predicted, sensitive_features=groups))
        out[name] = None if math.isnan(value) else value
    return out


def fairness_section(
    reference: pd.DataFrame, current: pd.DataFrame, sensitive: str, prediction: str | None, target: str | None
) -> dict:
    """Group shares on both sides and, with prediction and target, the gaps on both sides."""
    for what, frame in (("reference", reference), ("current", current)):
        if sensitive not in frame.columns:
            raise BadInput(f"sensitive column {sensitive!r} is not in the {what} data", None)
    ref, cur = _groups(reference, sensitive, "reference"), _groups(current, sensitive, "current")
    ref_counts, cur_counts = ref.value_counts(), cur.value_counts()
    names = sorted(set(ref_counts.index) | set(cur_counts.index), key=lambda g: -cur_counts.get(g, 0))
    if len(names) > MAX_GROUPS:
        raise BadInput(
            f"sensitive column {sensitive!r} has {len(names):,} groups",
            f"At most {MAX_GROUPS:,}: bin it (pd.cut) or name a column that holds groups.",
        )
    groups = [
        {
            "group": g,
            "reference_count": int(ref_counts.get(g, 0)),
            "current_count": int(cur_counts.get(g, 0)),
            "reference_share": float(ref_counts.get(g, 0) / max(len(ref), 1)),
            "current_share": float(cur_counts.get(g, 0) / max(len(cur), 1)),
        }
        for g in names
    ]
    section: dict = {
        "sensitive": sensitive,
        "groups": groups,
        "max_share_change": max(
            (abs(g["current_share"] - g["reference_share"]) for g in groups), default=0.0
        ),
        "new_groups": [g["group"] for g in groups if g["reference_count"] == 0],
        "gone_groups": [g["group"] for g in groups if g["current_count"] == 0],
    }
    if prediction is not None and target is not None:
        section["reference_gaps"] = _gaps(reference, ref, prediction, target)
        section["current_gaps"] = _gaps(current, cur, prediction, target)
    return section


def section_metrics(section: dict) -> dict[str, float]:
    out = {"drift.fairness.max_share_change": section["max_share_change"]}
    for name, value in (section.get("current_gaps") or {}).items():
        if value is not None:
            out[f"drift.fairness.{name}"] = value
    return out
