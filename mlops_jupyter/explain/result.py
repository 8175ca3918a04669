"""``Explanation``: SHAP values per row, feature and class, and the ways out of the notebook.

Values are kept as (rows, features, classes): one class for a regressor or a binary
classifier (its positive class), every class for a multi-class model. ``exp.shap`` (or
``exp.for_class(c)``) gives shap's own ``shap.Explanation`` for use with shap's API.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import BadInput
from ..monitoring.report import metric_name

FORMAT = 1


class Explanation:
    """SHAP values of a model on (a sample of) a data set; renders as a widget."""

    def __init__(self, *, values, base_values, data, classes, output, explainer, model, n_total):
        self.values = np.asarray(values, dtype=np.float64)  # (rows, features, classes)
        self.base_values = np.asarray(base_values, dtype=np.float64)  # (rows, classes)
        self.data = data  # DataFrame of the explained rows (original index kept)
        self.feature_names = [str(c) for c in data.columns]
        self.classes = list(classes)
        self.output = output  # probability | log-odds | prediction
        self.explainer = explainer  # tree | linear | permutation
        self.model = model
        self.n_total = n_total

    @property
    def n_rows(self) -> int:
        return self.values.shape[0]

    @property
    def sampled(self) -> bool:
        return self.n_rows < self.n_total

    def __repr__(self) -> str:
        return (
            f"<Explanation {self.model} ({self.explainer} explainer, {self.output}) "
            f"{self.n_rows:,} of {self.n_total:,} rows x {len(self.feature_names)} features>"
        )

    def class_index(self, cls=None) -> int:
        if cls is None:
            return 0
        for i, c in enumerate(self.classes):
            if c == cls or str(c) == str(cls):
                return i
        raise BadInput(f"unknown class {cls!r}", f"Classes explained: {', '.join(map(str, self.classes))}.")

    def for_class(self, cls=None):
        """shap's ``Explanation`` for one class (default: the positive or first one)."""
        import shap

        k = self.class_index(cls)
        return shap.Explanation(
            values=self.values[:, :, k],
            base_values=self.base_values[:, k],
            data=self.data.to_numpy(),
            feature_names=self.feature_names,
        )

    @property
    def shap(self):
        return self.for_class()

    def importance(self, cls=None):
        """Mean |SHAP| per feature, largest first (a pandas Series)."""
        import pandas as pd

        k = self.class_index(cls)
        mean_abs = np.abs(self.values[:, :, k]).mean(axis=0)
        return pd.Series(mean_abs, index=self.feature_names, name="mean_abs_shap").sort_values(
            ascending=False
        )

    def metrics(self) -> dict[str, float]:
        """``shap.<feature>`` (``shap.<class>.<feature>`` for multi-class): mean |SHAP|."""
        out = {}
        multi = len(self.classes) > 1
        for k, cls in enumerate(self.classes):
            prefix = f"shap.{metric_name(cls)}." if multi else "shap."
            means = np.abs(self.values[:, :, k]).mean(axis=0)
            for name, value in zip(self.feature_names, means, strict=False):
                out[prefix + metric_name(name)] = float(value)
        return out

    # -- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "kind": "explanation",
            "values": self.values.tolist(),
            "base_values": self.base_values.tolist(),
            "data": json.loads(self.data.to_json(orient="split", double_precision=15)),
            "classes": [c if isinstance(c, (int, float, str, bool)) else str(c) for c in self.classes],
            "output": self.output,
            "explainer": self.explainer,
            "model": self.model,
            "n_total": self.n_total,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Explanation:
        import pandas as pd

        if not isinstance(data, dict) or data.get("kind") != "explanation":
            raise BadInput(
                "not an explanation", "Load the explain/explanation.json artifact an Explanation logged."
            )
        split = data["data"]
        frame = pd.DataFrame(split["data"], index=split["index"], columns=split["columns"])
        return cls(
            values=data["values"],
            base_values=data["base_values"],
            data=frame,
            classes=data["classes"],
            output=data["output"],
            explainer=data["explainer"],
            model=data["model"],
            n_total=data["n_total"],
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> Explanation:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def to_html(self, path: str | os.PathLike | None = None) -> str:
        """A self-contained HTML page (plotly.js inlined, opens offline); written to ``path`` if given."""
        from ..widgets.html import explain_html

        html = explain_html(self)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def log(self, run_id: str | None = None, artifact_path: str = "explain") -> None:
        """Log ``shap.*`` metrics plus ``<artifact_path>/report.html`` and ``explanation.json``."""
        from ..tracking.results import log_result

        log_result(
            self.metrics(),
            {
                f"{artifact_path}/report.html": self.to_html(),
                f"{artifact_path}/explanation.json": self.to_json(),
            },
            run_id,
        )

    def widget(self):
        from ..widgets.explain import ExplainWidget

        return ExplainWidget(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = repr(self)  # what a terminal, or a page without widgets, shows
        return bundle
