"""``DriftReport``: the verdict, one result per column, and the ways out of the notebook.

A report is plain data (``to_dict``/``from_dict`` round-trip through JSON), so the JSON
artifact logged with :meth:`DriftReport.log` re-renders the same widget later without the
data sets. Rendering lives in :mod:`mlops_jupyter.widgets`, imported only when needed.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import BadInput

FORMAT = 1


@dataclass
class ColumnResult:
    column: str
    role: str = "feature"  # feature | prediction | target
    kind: str = "numeric"
    test: str | None = None
    statistic: float | None = None
    score: float | None = None  # p-value for ks/chisquare/ztest, else the distance
    threshold: float | None = None
    drifted: bool | None = None  # None: no drift computable (see reason)
    reason: str | None = None
    n_reference: int = 0
    n_current: int = 0
    reference_missing: float = 0.0
    current_missing: float = 0.0
    unseen: list = field(default_factory=list)
    unseen_share: float = 0.0
    out_of_range_share: float = 0.0
    exact: bool = True
    plot: dict = field(default_factory=dict)

    def not_computable(self, reason: str) -> ColumnResult:
        self.drifted, self.reason = None, reason
        return self

    @property
    def computed(self) -> bool:
        return self.drifted is not None

    @property
    def missing_change(self) -> float:
        return self.current_missing - self.reference_missing


class DriftReport:
    """Drift of a current data set from a reference; renders as a widget in a notebook.

    ``drifted`` is True when the share of drifted feature columns (among those where
    drift is computable) reaches ``drift_share``.
    """

    def __init__(
        self,
        columns: list[ColumnResult],
        *,
        drift_share: float = 0.5,
        reference_rows: int = 0,
        current_rows: int = 0,
        sketch: int | None = None,
        fairness: dict | None = None,
    ):
        self.columns = columns
        self.fairness = fairness  # see fairness_section: group shares and gaps, when asked for
        self.drift_share = drift_share
        self.reference_rows = reference_rows
        self.current_rows = current_rows
        self.sketch = sketch

    # -- verdict -------------------------------------------------------------------------

    @property
    def features(self) -> list[ColumnResult]:
        return [c for c in self.columns if c.role == "feature"]

    @property
    def tested(self) -> list[ColumnResult]:
        return [c for c in self.features if c.computed]

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.features if c.drifted]

    @property
    def share(self) -> float:
        tested = self.tested
        return sum(bool(c.drifted) for c in tested) / len(tested) if tested else 0.0

    @property
    def drifted(self) -> bool:
        return bool(self.tested) and self.share >= self.drift_share

    def __getitem__(self, column) -> ColumnResult:
        for c in self.columns:
            if c.column == column:
                return c
        raise KeyError(column)

    def _role(self, role: str) -> ColumnResult | None:
        return next((c for c in self.columns if c.role == role), None)

    @property
    def prediction_drift(self) -> ColumnResult | None:
        return self._role("prediction")

    @property
    def target_drift(self) -> ColumnResult | None:
        return self._role("target")

    @property
    def notes(self) -> list[str]:
        notes = []
        skipped = [c for c in self.columns if not c.computed]
        if skipped:
            notes.append(
                f"no drift computable for {len(skipped)} column(s): "
                + "; ".join(f"{c.column}: {c.reason}" for c in skipped[:5])
                + (" ..." if len(skipped) > 5 else "")
            )
        approx = [c.column for c in self.columns if c.computed and not c.exact]
        if approx and self.sketch:
            notes.append(
                f"reference profile is a sketch of {self.sketch:,} quantiles: numeric statistics of "
                f"{len(approx)} column(s) are approximate (KS within {0.5 / self.sketch:.1e})"
            )
        return notes

    def summary(self) -> str:
        verdict = "DRIFT" if self.drifted else "no drift"
        return (
            f"{verdict}: {len(self.drifted_columns)} of {len(self.tested)} feature columns drifted "
            f"(share {self.share:.2f}, threshold {self.drift_share:.2f})"
        )

    def __repr__(self) -> str:
        return f"<DriftReport {self.summary()}>"

    def to_frame(self):
        """One row per column: role, kind, test, score, threshold, drifted, missing, unseen."""
        import pandas as pd

        rows = [
            {
                "column": c.column,
                "role": c.role,
                "kind": c.kind,
                "test": c.test,
                "statistic": c.statistic,
                "score": c.score,
                "threshold": c.threshold,
                "drifted": c.drifted,
                "reason": c.reason,
                "reference_missing": c.reference_missing,
                "current_missing": c.current_missing,
                "missing_change": c.missing_change,
                "unseen_share": c.unseen_share,
                "unseen": c.unseen,
                "out_of_range_share": c.out_of_range_share,
                "exact": c.exact,
            }
            for c in self.columns
        ]
        return pd.DataFrame(rows).set_index("column")

    # -- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "kind": "drift_report",
            "drift_share": self.drift_share,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "sketch": self.sketch,
            "share": self.share,
            "drifted": self.drifted,
            "columns": [_clean(asdict(c)) for c in self.columns],
            "fairness": _clean(self.fairness),
        }

    @classmethod
    def from_dict(cls, data: dict) -> DriftReport:
        if not isinstance(data, dict) or data.get("kind") != "drift_report":
            raise BadInput("not a drift report", "Load the drift/report.json artifact a DriftReport logged.")
        cols = [ColumnResult(**c) for c in data["columns"]]
        return cls(
            cols,
            drift_share=data["drift_share"],
            reference_rows=data["reference_rows"],
            current_rows=data["current_rows"],
            sketch=data.get("sketch"),
            fairness=data.get("fairness"),
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> DriftReport:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), allow_nan=True)

    def metrics(self) -> dict[str, float]:
        """Scalar metrics as logged: ``drift.share``, ``drift.<column>.score``, ..."""
        out = {
            "drift.share": self.share,
            "drift.detected": float(self.drifted),
            "drift.n_drifted": float(len(self.drifted_columns)),
        }
        for c in self.columns:
            if c.computed and c.score is not None:
                out[f"drift.{metric_name(c.column)}.score"] = float(c.score)
        if self.fairness is not None:
            from .fairness_section import section_metrics

            out |= section_metrics(self.fairness)
        return out

    def to_html(self, path: str | os.PathLike | None = None) -> str:
        """A self-contained HTML page (plotly.js inlined, opens offline); written to ``path`` if given."""
        from ..widgets.html import drift_html

        html = drift_html(self)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def log(self, run_id: str | None = None, artifact_path: str = "drift") -> None:
        """Log metrics plus ``<artifact_path>/report.html`` and ``report.json`` to a run."""
        from ..tracking.results import log_result

        log_result(
            self.metrics(),
            {f"{artifact_path}/report.html": self.to_html(), f"{artifact_path}/report.json": self.to_json()},
            run_id,
        )

    def widget(self):
        from ..widgets.drift import DriftWidget

        return DriftWidget(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = repr(self)  # what a terminal, or a page without widgets, shows
        return bundle


_METRIC_BAD = re.compile(r"[^\w\-. /]")


def metric_name(column) -> str:
    """A column name usable in an MLflow metric name (other characters become ``_``)."""
    return _METRIC_BAD.sub("_", str(column)).strip("/") or "_"


def _clean(value):
    """JSON-safe: NaN floats stay (json writes NaN), numpy scalars become Python ones."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    if isinstance(value, float) and math.isinf(value):
        return None
    return value
