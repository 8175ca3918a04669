"""Input checks for drift: what is a data set, what kind each column is, what is refused.

Kinds: ``numeric`` (int and float dtypes, object columns holding only numbers),
``categorical`` (bool, category, strings), ``datetime`` (reported as not tested). A column
that mixes strings and numbers is refused with the column named, rather than guessed at.
Infinite values count as missing, as in Evidently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import BadInput

_NUMERIC_OBJECT = {"integer", "floating", "mixed-integer-float", "decimal"}
_CATEGORICAL_OBJECT = {"string", "boolean", "categorical", "bytes", "empty"}


def require_frame(data, what: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        if data.columns.duplicated().any():
            dupes = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
            raise BadInput(
                f"{what} has duplicate column names: {', '.join(dupes)}", "Column names must be unique."
            )
        if len(data) == 0:
            raise BadInput(f"{what} has no rows", "Drift needs at least one row in each data set.")
        if data.shape[1] == 0:
            raise BadInput(f"{what} has no columns", "Pass a DataFrame with the columns to compare.")
        return data
    hint = ""
    if isinstance(data, np.ndarray):
        hint = " Wrap an array as pandas.DataFrame(array, columns=[...])."
    elif isinstance(data, pd.Series):
        hint = " Use series.to_frame() for a single column."
    raise BadInput(
        f"{what} must be a pandas DataFrame, got {type(data).__name__}",
        "drift() compares two DataFrames (the reference may also be a drift profile or its saved path)."
        + hint,
    )


def column_kind(series: pd.Series, name: str) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_complex_dtype(dtype):
        raise BadInput(
            f"column {name!r} holds complex numbers", "Drift compares real numbers: take .real or abs()."
        )
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred in _NUMERIC_OBJECT:
        return "numeric"
    if inferred in _CATEGORICAL_OBJECT:
        return "categorical"
    if inferred in {"datetime", "datetime64", "date", "timedelta", "time", "period"}:
        return "datetime"
    kinds = sorted({type(v).__name__ for v in series.dropna().head(1000)})
    raise BadInput(
        f"column {name!r} mixes value types ({', '.join(kinds)})",
        "Each column must hold one type: cast it first, e.g. df[col].astype(str) or pd.to_numeric(df[col]).",
    )


def numeric_values(series: pd.Series) -> np.ndarray:
    """Float64 values with missing (and infinite) as NaN; no copy for float64 columns."""
    if series.dtype == np.float64:
        return series.to_numpy()
    if series.dtype == object:
        series = pd.to_numeric(series)
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def categorical_counts(series: pd.Series) -> tuple[list, np.ndarray, int]:
    """(categories sorted, counts, missing) of a categorical column."""
    counts = series.value_counts(dropna=True, sort=False)
    counts = counts[counts > 0]
    values = [_plain(v) for v in counts.index]
    order = sorted(range(len(values)), key=lambda i: _sort_key(values[i]))
    return [values[i] for i in order], counts.to_numpy(np.int64)[order], int(series.isna().sum())


def _plain(value):
    """A JSON-friendly Python value for a category label."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _sort_key(value):
    return (str(type(value).__name__), value) if not isinstance(value, (int, float)) else ("", value)


def check_same_columns(reference_columns, current: pd.DataFrame, columns) -> list:
    ref = list(reference_columns)
    cur = list(current.columns)
    if columns is not None:
        wanted = list(columns)
        missing = [c for c in wanted if c not in ref or c not in cur]
        if missing:
            raise BadInput(
                f"columns not in both data sets: {', '.join(map(str, missing))}",
                f"Reference has {len(ref)} columns, current {len(cur)}; pick columns present in both.",
            )
        return wanted
    only_ref = [c for c in ref if c not in cur]
    only_cur = [c for c in cur if c not in ref]
    if only_ref or only_cur:
        parts = []
        if only_ref:
            parts.append(f"only in reference: {', '.join(map(str, only_ref[:10]))}")
        if only_cur:
            parts.append(f"only in current: {', '.join(map(str, only_cur[:10]))}")
        raise BadInput(
            "reference and current have different columns (" + "; ".join(parts) + ")",
            "Pass columns=[...] to compare a common subset, or align the frames first.",
        )
    return ref
