"""Reference profiles: the reference data set reduced to what drift tests need, saved once.

A scheduled monitoring job compares each new batch with the same reference; a profile
keeps it from re-reading and re-sorting the reference every time.

What a profile keeps per column, and what is exact from it:

* categorical: the count of every category. All tests are exact.
* numeric, default (``sketch=None``): every non-missing value, sorted. All tests are exact
  and equal to scipy on the original reference.
* numeric with ``sketch=K`` and more than K values: K quantiles at ranks (i + 0.5) * n / K,
  plus exact mean, std, min, max, distinct count, the counts per value when there are at
  most 20 distinct values, and the decile bins of ``psi``. Then ``psi``, ``chisquare``,
  ``ztest``, ``jensenshannon`` on low-cardinality columns and the normalisation of
  ``wasserstein`` stay exact; ``ks`` is within 0.5/K of the exact statistic (its p-value
  uses the true n); ``wasserstein`` is within the stored ``w_error`` = W1(reference,
  sketch), computed exactly when the profile is made; Sturges-binned shares
  (``jensenshannon``/``psi_evidently`` on columns with over 20 distinct values) are within
  1/K per bin. Reports from a sketch say so.

>>> profile = mlops.drift_profile(reference_df, sketch=10_000)
>>> profile.save("reference.npz")
>>> report = mlops.drift("reference.npz", current_df)
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import BadInput, NotFound
from . import frames, sorted_stats
from .stattests import EVIDENTLY_CATEGORY_LIMIT, PSI_BINS

FORMAT = 1


@dataclass
class ColumnProfile:
    name: str
    kind: str  # numeric | categorical | datetime
    dtype: str
    n_rows: int
    n_missing: int
    n_unique: int = 0
    # numeric
    values: np.ndarray | None = None  # sorted values, or the sketch
    exact: bool = True
    mean: float = float("nan")
    std: float = float("nan")
    min: float = float("nan")
    max: float = float("nan")
    w_error: float = 0.0
    psi_edges: np.ndarray | None = None
    psi_counts: np.ndarray | None = None
    # categorical, and numeric columns with few distinct values
    categories: list | None = None
    counts: np.ndarray | None = None

    @property
    def n_valid(self) -> int:
        return self.n_rows - self.n_missing


@dataclass
class ReferenceProfile:
    """Per-column summaries of a reference data set (see the module docstring)."""

    columns: dict[str, ColumnProfile]
    n_rows: int
    sketch: int | None = None
    meta: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        mode = "exact" if self.sketch is None else f"sketch of {self.sketch:,} quantiles"
        return f"<ReferenceProfile {self.n_rows:,} rows x {len(self.columns)} columns, {mode}>"

    @property
    def nbytes(self) -> int:
        return sum(
            a.nbytes
            for c in self.columns.values()
            for a in (c.values, c.psi_edges, c.psi_counts, c.counts)
            if a is not None
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the profile to one ``.npz`` file (no pickles) and return its path."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
        arrays, meta_cols = {}, []
        for i, col in enumerate(self.columns.values()):
            entry = {
                k: getattr(col, k)
                for k in (
                    "name",
                    "kind",
                    "dtype",
                    "n_rows",
                    "n_missing",
                    "n_unique",
                    "exact",
                    "mean",
                    "std",
                    "min",
                    "max",
                    "w_error",
                    "categories",
                )
            }
            for key in ("values", "psi_edges", "psi_counts", "counts"):
                if getattr(col, key) is not None:
                    arrays[f"{i}.{key}"] = getattr(col, key)
            meta_cols.append(entry)
        meta = {
            "format": FORMAT,
            "n_rows": self.n_rows,
            "sketch": self.sketch,
            "meta": self.meta,
            "columns": meta_cols,
        }
        arrays["meta"] = np.array(json.dumps(meta, default=_json_default))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
        return path


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def load_profile(path: str | os.PathLike) -> ReferenceProfile:
    """Read a profile written by :meth:`ReferenceProfile.save`."""
    path = Path(path)
    if not path.exists():
        raise NotFound(f"no drift profile at {path}", "Save one with mlops.drift_profile(df).save(path).")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {k: data[k] for k in data.files if k != "meta"}
    except (ValueError, KeyError, OSError) as exc:
        raise BadInput(
            f"{path} is not a drift profile ({exc})", "Profiles are .npz files from profile.save()."
        ) from exc
    columns = {}
    for i, entry in enumerate(meta["columns"]):
        col = ColumnProfile(**entry)
        for key in ("values", "psi_edges", "psi_counts", "counts"):
            setattr(col, key, arrays.get(f"{i}.{key}"))
        columns[col.name] = col
    return ReferenceProfile(columns, meta["n_rows"], meta.get("sketch"), meta.get("meta", {}))


def drift_profile(
    reference, *, columns=None, sketch: int | None = None, n_jobs: int | None = None
) -> ReferenceProfile:
    """Profile ``reference`` (a DataFrame) once, to compare many current data sets with it.

    ``sketch=K`` keeps K quantiles per numeric column instead of every value; see
    :mod:`mlops_jupyter.monitoring.profile` for which tests stay exact.
    """
    reference = frames.require_frame(reference, "reference")
    if sketch is not None and (not isinstance(sketch, int) or sketch < 100):
        raise BadInput(
            f"sketch={sketch!r} is too small", "Use sketch=None (exact) or an int >= 100, e.g. 10_000."
        )
    names = list(reference.columns) if columns is None else list(columns)
    missing = [c for c in names if c not in reference.columns]
    if missing:
        raise BadInput(f"columns not in reference: {', '.join(map(str, missing))}", "Pick existing columns.")
    kinds = {name: frames.column_kind(reference[name], str(name)) for name in names}
    with ThreadPoolExecutor(max_workers=workers(n_jobs)) as pool:
        done = pool.map(lambda name: profile_column(reference[name], name, kinds[name], sketch), names)
        cols = {c.name: c for c in done}
    return ReferenceProfile(cols, len(reference), sketch)


def workers(n_jobs: int | None) -> int:
    if n_jobs is None:
        return max(1, min(4, os.cpu_count() or 1))
    if not isinstance(n_jobs, int) or n_jobs < 1:
        raise BadInput(
            f"n_jobs={n_jobs!r} is not a positive int", "Use n_jobs=None (all cores, up to 4) or 1, 2, ..."
        )
    return n_jobs


def profile_column(series, name, kind: str, sketch: int | None, summary: bool = True) -> ColumnProfile:
    """One column's profile; ``summary=False`` skips what only some tests need (mean, std,
    decile bins) for a profile that lives just as long as one comparison."""
    n_rows = len(series)
    if kind == "categorical":
        categories, counts, missing = frames.categorical_counts(series)
        return ColumnProfile(
            name,
            kind,
            str(series.dtype),
            n_rows,
            missing,
            len(categories),
            categories=categories,
            counts=counts,
        )
    if kind != "numeric":
        return ColumnProfile(name, kind, str(series.dtype), n_rows, int(series.isna().sum()))
    values = sorted_stats.sorted_finite(frames.numeric_values(series))
    col = ColumnProfile(name, kind, str(series.dtype), n_rows, n_rows - len(values))
    if len(values) == 0:
        return col
    col.min, col.max = float(values[0]), float(values[-1])
    col.n_unique = int(np.count_nonzero(values[1:] != values[:-1])) + 1
    if col.n_unique <= EVIDENTLY_CATEGORY_LIMIT:
        uniq, counts = np.unique(values, return_counts=True)
        col.categories, col.counts = [_number(v) for v in uniq], counts.astype(np.int64)
    col.values = values
    if summary or sketch is not None:
        add_summary(col)
    if sketch is not None and len(values) > sketch:
        ranks = ((np.arange(sketch) + 0.5) * len(values) / sketch).astype(np.int64)
        quantiles = values[ranks]
        col.w_error = sorted_stats.wasserstein(values, quantiles)
        col.values, col.exact = quantiles, False
    return col


def add_summary(col: ColumnProfile) -> ColumnProfile:
    """Mean, std and the decile bins of ``psi``, from the column's exact sorted values."""
    if col.psi_edges is None and col.values is not None and len(col.values):
        values = col.values
        col.mean, col.std = float(np.mean(values)), float(np.std(values))
        col.psi_edges = sorted_stats.quantile_edges(values, PSI_BINS)
        col.psi_counts = sorted_stats.quantile_bin_counts(values, col.psi_edges)
    return col


def _number(value):
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value
