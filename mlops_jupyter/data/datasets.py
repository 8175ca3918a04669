"""Datasets: a data input logged with its fingerprint, schema, compact profile and source.

>>> train = mlops.dataset(df_train, name="churn-train", source="s3://bucket/churn/2026-11.parquet")

Inside a tracked cell, a pipeline step or a ``with mlops.track()`` block the dataset becomes an
MLflow dataset input of the run (its digest is the fingerprint), which links it to every model
version and job made from that run; outside a run it is only described, and ``.log()`` logs it
into a run later.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import BadInput
from . import fingerprint as fp

CONTEXTS = ("training", "validation", "evaluation", "test", "input", "output", "scoring")
# The profile describes at most this many rows (a fixed random sample beyond): it is a summary,
# and sorting every value of a large frame would cost more than fingerprinting it.
PROFILE_ROWS = 100_000
_TOP = 10


@dataclass
class Dataset:
    """A fingerprinted data set; ``digest`` identifies its content."""

    name: str
    digest: str
    source: str | None
    context: str
    rows: int
    schema: list[dict] = field(default_factory=list)
    profile: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        where = f" from {self.source}" if self.source else ""
        return (
            f"<mlops dataset {self.name} {self.digest[:12]} {self.rows:,} rows x {len(self.schema)}{where}>"
        )

    @property
    def source_type(self) -> str:
        if not self.source:
            return "code"
        scheme = self.source.split("://", 1)[0] if "://" in self.source else "local"
        return scheme.lower()

    def to_input(self) -> dict[str, str]:
        """The dataset input event a run logs (JSON text fields, as MLflow stores them)."""
        return {
            "name": self.name,
            "digest": self.digest,
            "source_type": self.source_type,
            "source": json.dumps({"uri": self.source or "in-memory"}),
            "schema": json.dumps({"columns": self.schema}),
            "profile": json.dumps(self.profile, default=_plain),
            "context": self.context,
        }

    def log(self, run=None) -> Dataset:
        """Log this dataset as an input of ``run`` (default: the active run)."""
        from ..tracking import fluent

        target = run or fluent.active_run()
        if target is None:
            raise BadInput(
                "no active run to log the dataset into",
                "Call it inside a `%%mlops track` cell or a `with mlops.track(...)` block.",
            )
        target.log_input(self.to_input())
        return self


def dataset(
    data,
    name: str | None = None,
    source: str | None = None,
    *,
    context: str = "training",
    order_sensitive: bool = True,
    column_order: bool = False,
    log: bool = True,
) -> Dataset:
    """Fingerprint ``data`` (DataFrame, Series, array or file path), describe it, and log it
    into the active run when there is one (``log=False`` only describes it)."""
    if context not in CONTEXTS:
        raise BadInput(f"unknown dataset context {context!r:.40}", f"Use one of: {', '.join(CONTEXTS)}.")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 500):
        raise BadInput(f"invalid dataset name {name!r:.80}", "A dataset name is 1 to 500 characters.")
    if source is not None and not isinstance(source, str | os.PathLike):
        raise BadInput(
            f"source must be a URI or path, got {type(source).__name__}", "e.g. s3://bucket/x.parquet"
        )
    digest = fp.fingerprint(data, order_sensitive=order_sensitive, column_order=column_order)
    if isinstance(data, str | os.PathLike):
        path = Path(data)
        found = Dataset(name or path.name, digest, source or str(path.resolve()), context, 0)
        found.profile = {"bytes": path.stat().st_size}
    else:
        frame = _frame(data)
        found = Dataset(name or f"dataset-{digest[:8]}", digest, source and str(source), context, len(frame))
        found.schema = [{"name": str(c), "type": str(frame[c].dtype)} for c in frame.columns]
        found.profile = profile(frame)
    if log:
        from ..tracking import fluent

        run = fluent.active_run()
        if run is not None:
            run.log_input(found.to_input())
    return found


def _frame(data) -> pd.DataFrame:
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, np.ndarray):
        return pd.DataFrame(data if data.ndim == 2 else data[:, None], copy=False)
    return data


def profile(frame: pd.DataFrame) -> dict:
    """A compact per-column profile built from the drift profile's column summaries."""
    from ..monitoring import frames
    from ..monitoring.profile import profile_column

    sample = frame
    if len(frame) > PROFILE_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(len(frame), PROFILE_ROWS, replace=False))
        sample = frame.iloc[rows]
    columns = {}
    for name in frame.columns:
        try:
            kind = frames.column_kind(sample[name], str(name))
        except BadInput as exc:  # mixed types: describe what can be described
            columns[str(name)] = {"kind": "mixed", "dtype": str(frame[name].dtype), "note": exc.message}
            continue
        col = profile_column(sample[name], str(name), kind, sketch=None)
        entry: dict = {"kind": kind, "dtype": col.dtype, "missing": col.n_missing}
        if kind == "numeric" and col.n_valid:
            entry |= {
                "unique": col.n_unique,
                "mean": col.mean,
                "std": col.std,
                "min": col.min,
                "max": col.max,
            }
        elif kind == "categorical" and col.counts is not None and col.categories is not None:
            top = np.argsort(-col.counts, kind="stable")[:_TOP]
            entry |= {
                "unique": col.n_unique,
                "top": {str(col.categories[i]): int(col.counts[i]) for i in top},
            }
        columns[str(name)] = entry
    out: dict = {"rows": len(frame), "columns": columns}
    if sample is not frame:
        out["sampled_rows"] = len(sample)
    return out


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
