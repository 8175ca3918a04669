"""Fairness reports: how a binary classifier's rates differ between groups (fairlearn).

>>> rep = mlops.fairness(model, X_test, y_test, sensitive="gender")   # a column of X_test,
>>> rep                                                                # or an aligned array
>>> rep.log()        # metrics fairness.<gap> (rule form: fairness.demographic_parity_difference<=0.1)
...                  # and the page fairness/<sensitive>.html

``y_pred=`` instead of a model scores predictions made elsewhere.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import BadInput
from . import fairness_metrics as fmx

_UNSAFE = re.compile(r"[^\w\-. /]")


@dataclass
class FairnessReport:
    sensitive: str
    by_group: pd.DataFrame  # rows: groups; columns: GROUP_METRICS + count
    overall: dict[str, float]
    gaps: dict[str, float]
    labels: list = field(default_factory=list)

    def __repr__(self) -> str:
        dp = self.gaps["demographic_parity_difference"]
        eo = self.gaps["equalized_odds_difference"]
        return (
            f"<mlops fairness report by {self.sensitive}: {len(self.by_group)} groups, "
            f"demographic parity difference {dp:.3f}, equalized odds difference {eo:.3f}>"
        )

    @property
    def n_groups(self) -> int:
        return len(self.by_group)

    def metrics(self) -> dict[str, float]:
        """What ``.log()`` logs: ``fairness.<gap>`` for every gap that is a number."""
        return {f"fairness.{k}": v for k, v in self.gaps.items() if not math.isnan(v)}

    def to_dict(self) -> dict:
        rows = [
            {"group": str(g), **{k: _num(v) for k, v in row.items()}} for g, row in self.by_group.iterrows()
        ]
        return {
            "sensitive": self.sensitive,
            "groups": rows,
            "overall": {k: _num(v) for k, v in self.overall.items()},
            "gaps": {k: _num(v) for k, v in self.gaps.items()},
        }

    def to_html(self) -> str:
        """A self-contained page (plotly.js inlined, opens offline)."""
        from ..widgets.fairness import fairness_html

        return fairness_html(self.to_dict())

    def log(self, run_id: str | None = None) -> FairnessReport:
        """Log the gaps as metrics and the page as ``fairness/<sensitive>.html`` (+ ``.json``)."""
        from ..tracking.results import log_result

        stem = f"fairness/{_UNSAFE.sub('_', self.sensitive) or 'groups'}"
        texts = {f"{stem}.html": self.to_html(), f"{stem}.json": json.dumps(self.to_dict(), allow_nan=True)}
        log_result(self.metrics(), texts, run_id)
        return self

    def check(self, metric: str = "demographic_parity_difference", max_gap: float = 0.1) -> bool:
        """Record the check ``fairness.<metric>`` (a difference at most, a ratio at least ``max_gap``)."""
        from ..tracking import fluent

        fmx.check_metric_names([metric])
        passed, seen = within(metric, self.gaps[metric], max_gap)
        return fluent.check(f"fairness.{metric}", passed, value=seen)

    def widget(self):
        from ..widgets.fairness import FairnessWidget

        return FairnessWidget(self.to_dict())

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = repr(self)
        return bundle


def within(metric: str, value: float, limit: float) -> tuple[bool, str]:
    """A difference passes at most ``limit``; a ratio at least ``1 - limit`` (the same gap)."""
    if math.isnan(value):
        return False, f"{metric} is undefined (a group has no positives or no negatives)"
    if metric.endswith("_ratio"):
        return value >= 1 - limit, f"{value:.4g} >= {1 - limit:.4g}"
    return value <= limit, f"{value:.4g} <= {limit:.4g}"


def fairness(model=None, X=None, y=None, *, sensitive, y_pred=None, labels=None) -> FairnessReport:
    """Per-group metrics and gaps of ``model`` on ``X``, ``y`` by the groups of ``sensitive``."""
    if y is None:
        raise BadInput(
            "fairness() needs the true labels y", "mlops.fairness(model, X_test, y_test, sensitive=...)"
        )
    if len(y) == 0:
        raise BadInput("y is empty", "Fairness needs rows to compare groups on.")
    if y_pred is None:
        if model is None or X is None:
            raise BadInput(
                "fairness() needs a model and X, or y_pred=",
                "e.g. mlops.fairness(model, X, y, sensitive='gender')",
            )
        y_pred = _predict(model, X)
    name, groups_of = _sensitive(X, sensitive)
    truth, found = fmx.binary(y, "y", labels)
    predicted, _ = fmx.binary(y_pred, "the predictions", found if len(found) == 2 else None)
    if len(predicted) != len(truth):
        raise BadInput(
            f"{len(predicted)} predictions for {len(truth)} labels", "y and X must have the same rows."
        )
    group = fmx.groups(groups_of, len(truth), name)
    by_group, overall, gaps = fmx.compute(truth, predicted, group)
    return FairnessReport(name, by_group, overall, gaps, found)


def _sensitive(X, sensitive) -> tuple[str, object]:
    if isinstance(sensitive, str):
        if not isinstance(X, pd.DataFrame):
            raise BadInput(
                f"sensitive={sensitive!r} names a column, but X is not a DataFrame",
                "Pass the groups themselves: sensitive=<array or Series with one value per row>.",
            )
        if sensitive not in X.columns:
            shown = ", ".join(map(str, list(X.columns)[:20]))
            raise BadInput(f"sensitive column {sensitive!r} is not in X", f"Columns of X: {shown}.")
        return sensitive, X[sensitive]
    if isinstance(sensitive, pd.Series):
        return str(sensitive.name or "sensitive"), sensitive
    if isinstance(sensitive, np.ndarray | list | tuple):
        return "sensitive", sensitive
    raise BadInput(f"sensitive must be a column name or an array, got {type(sensitive).__name__}", None)


def _predict(model, X):
    if not hasattr(model, "predict"):
        raise BadInput(f"{type(model).__name__} has no predict()", "Pass a fitted classifier, or y_pred=.")
    features = getattr(model, "feature_names_in_", None)
    if isinstance(X, pd.DataFrame) and features is not None:
        missing = [f for f in features if f not in X.columns]
        if missing:
            raise BadInput(f"X lacks the model's features {', '.join(map(str, missing[:10]))}", None)
        X = X[list(features)]  # a sensitive column the model was not trained on stays out
    try:
        return np.asarray(model.predict(X))
    except (ValueError, TypeError) as exc:
        raise BadInput(
            f"the model could not predict on X: {exc}", "Check X has the training columns and dtypes."
        ) from None


def _num(value):
    value = float(value)
    return None if math.isnan(value) else int(value) if value.is_integer() and abs(value) > 1 else value
