"""``drift()``: compare a current data set with a reference, column by column.

>>> report = mlops.drift(reference_df, current_df, prediction="proba", target="label")
>>> report.drifted, report.share
(True, 0.6)
>>> report.to_frame()          # one row per column
>>> report.log()               # metrics and HTML/JSON artifacts into the active run

The reference may be a DataFrame, a :class:`~.profile.ReferenceProfile`, or the path of a
saved profile. Columns are compared in parallel threads (see :mod:`.sorted_stats` for why).
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import BadInput
from . import frames, sorted_stats, stattests
from .profile import ColumnProfile, ReferenceProfile, add_summary, load_profile, profile_column, workers
from .report import ColumnResult, DriftReport

_local = threading.local()
PLOT_BINS = 30
PLOT_CATEGORIES = 20


def drift(
    reference,
    current,
    *,
    prediction: str | None = None,
    target: str | None = None,
    columns=None,
    test: str | None = None,
    tests: dict | None = None,
    threshold: float | None = None,
    thresholds: dict | None = None,
    drift_share: float = 0.5,
    n_jobs: int | None = None,
    sensitive: str | None = None,
) -> DriftReport:
    """Test every column of ``current`` for drift from ``reference``; see the module docstring.

    ``test``/``threshold`` set the test and threshold for all columns, ``tests``/``thresholds``
    per column (``{"age": "psi"}``, ``{"age": 0.2}``); test names are those of
    :mod:`.stattests`. The data set drifts when the share of drifted feature columns is
    at least ``drift_share``; ``prediction`` and ``target`` name columns reported on their
    own lines and left out of that share. ``sensitive`` names a group column: the report
    gets a fairness section (group shares on both sides; fairlearn's gaps on both sides when
    ``prediction`` and ``target`` are named too), see :mod:`.fairness_section`.
    """
    current = frames.require_frame(current, "current")
    if isinstance(reference, (ReferenceProfile, str, os.PathLike)):
        profile = reference if isinstance(reference, ReferenceProfile) else load_profile(reference)
        ref_columns, ref_rows, sketch = list(profile.columns), profile.n_rows, profile.sketch
    else:
        # A DataFrame reference is profiled column by column inside the worker that
        # compares it, so its sorted copy lives only while that column is compared.
        reference = frames.require_frame(reference, "reference")
        profile, ref_columns, ref_rows, sketch = None, list(reference.columns), len(reference), None
    names = frames.check_same_columns(ref_columns, current, columns)
    roles = {name: "feature" for name in names}
    for role, name in (("prediction", prediction), ("target", target)):
        if name is None:
            continue
        if name not in roles:
            raise BadInput(
                f"{role} column {name!r} is not in both data sets", f"Columns: {', '.join(map(str, names))}"
            )
        roles[name] = role
    if isinstance(drift_share, bool) or not isinstance(drift_share, (int, float)) or not 0 < drift_share <= 1:
        raise BadInput(f"drift_share={drift_share!r} is out of range", "Use a share in (0, 1], e.g. 0.5.")
    chosen = _overrides(names, test, tests, threshold, thresholds)
    if profile is None:
        ref_kinds = {
            n: (frames.column_kind(reference[n], str(n)), bool(reference[n].notna().any())) for n in names
        }
    else:
        ref_kinds = {n: (profile.columns[n].kind, profile.columns[n].n_valid > 0) for n in names}
    kinds = {name: _current_kind(current[name], name, *ref_kinds[name]) for name in names}

    def one(name):
        if profile is None:
            col = profile_column(reference[name], name, kinds[name], None, summary=False)
        else:
            col = profile.columns[name]
        return compare_column(col, current[name], kinds[name], roles[name], *chosen[name])

    fairness = None
    if sensitive is not None:
        if profile is not None:
            raise BadInput(
                "a fairness section needs the reference data itself, not a drift profile",
                "Pass the reference DataFrame with sensitive=..., or leave sensitive out.",
            )
        from .fairness_section import fairness_section

        fairness = fairness_section(reference, current, sensitive, prediction, target)
    with ThreadPoolExecutor(max_workers=workers(n_jobs)) as pool:
        results = list(pool.map(one, names))
    return DriftReport(
        results,
        drift_share=drift_share,
        reference_rows=ref_rows,
        current_rows=len(current),
        sketch=sketch,
        fairness=fairness,
    )


def _overrides(names, test, tests, threshold, thresholds) -> dict:
    for label, given in (("tests", tests), ("thresholds", thresholds)):
        if given is not None and not isinstance(given, dict):
            raise BadInput(
                f"{label} must map column names to values, got {type(given).__name__}",
                f'e.g. {label}={{"age": {"psi" if label == "tests" else 0.2!r}}}',
            )
    tests, thresholds = dict(tests or {}), dict(thresholds or {})
    for label, mapping in (("tests", tests), ("thresholds", thresholds)):
        unknown = [k for k in mapping if k not in names]
        if unknown:
            raise BadInput(
                f"{label} names unknown columns: {', '.join(map(str, unknown))}",
                f"Columns: {', '.join(map(str, names))}",
            )
    for name in [test, *tests.values()]:
        if name is not None and name not in stattests.TESTS:
            raise BadInput(f"unknown drift test {name!r}", f"Tests: {', '.join(stattests.TESTS)}.")
    for value in [threshold, *thresholds.values()]:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf
        ):
            raise BadInput(
                f"threshold {value!r} is not a finite, non-negative number",
                "e.g. 0.05 for p-values, 0.1 for distances.",
            )
    return {n: (tests.get(n, test), thresholds.get(n, threshold)) for n in names}


def _current_kind(series, name, ref_kind: str, ref_has_values: bool) -> str:
    """The column's kind; an all-missing side takes the other side's kind."""
    kind = frames.column_kind(series, str(name))
    if not ref_has_values:
        return kind
    if kind != ref_kind and series.notna().any():
        raise BadInput(
            f"column {name!r} is {ref_kind} in the reference but {kind} in the current data",
            "Give the column the same type in both data sets.",
        )
    return ref_kind


def _workspace() -> sorted_stats.Workspace:
    ws = getattr(_local, "ws", None)
    if ws is None:
        ws = _local.ws = sorted_stats.Workspace()
    return ws


def compare_column(ref: ColumnProfile, series, kind, role, test, threshold) -> ColumnResult:
    res = ColumnResult(column=ref.name, role=role, kind=kind, n_reference=ref.n_valid)
    res.reference_missing = ref.n_missing / ref.n_rows if ref.n_rows else 0.0
    if kind == "datetime":
        res.current_missing = float(series.isna().mean())
        return res.not_computable("datetime columns are not tested")
    if kind == "numeric":
        values = frames.numeric_values(series)
        cur = sorted_stats.sorted_finite(values)
        res.current_missing = 1 - len(cur) / len(series)
        res.n_current = len(cur)
        cur_cats = None
    else:
        cats, counts, missing = frames.categorical_counts(series)
        res.current_missing = missing / len(series)
        res.n_current = int(counts.sum())
        cur, cur_cats = None, (cats, counts)
    if ref.n_valid == 0:
        return res.not_computable("all values missing in the reference")
    if res.n_current == 0:
        return res.not_computable("all values missing in the current data")
    if kind == "categorical":
        assert cur_cats is not None and ref.categories is not None  # counted above and in the profile
        seen = set(ref.categories)
        unseen = [(c, int(k)) for c, k in zip(*cur_cats, strict=False) if c not in seen]
        res.unseen = [c for c, _ in sorted(unseen, key=lambda x: -x[1])[:20]]
        res.unseen_share = sum(k for _, k in unseen) / res.n_current
        res.plot = _category_plot(ref.categories, ref.counts, *cur_cats)
    else:
        assert cur is not None  # sorted above
        res.out_of_range_share = float(
            (np.searchsorted(cur, ref.min, "left") + len(cur) - np.searchsorted(cur, ref.max, "right"))
            / len(cur)
        )
        res.plot = _numeric_plot(ref, cur)
    if ref.n_unique == 1:
        value = ref.categories[0] if ref.categories else ref.min
        n_cur = len(_distinct(cur, cur_cats))
        return res.not_computable(
            f"constant in the reference ({value!r}); the current data has {n_cur} distinct value(s)"
        )

    n_values = ref.n_unique
    if n_values <= 5:
        n_values = len(set(map(_key, ref.categories or ())) | set(map(_key, _distinct(cur, cur_cats))))
    name = test or stattests.default_test(kind, ref.n_valid, n_values)
    spec = stattests.TESTS[name]
    if kind not in spec.kinds:
        raise BadInput(
            f"test {name!r} does not apply to {kind} column {ref.name!r}",
            f"{name} takes {', '.join(spec.kinds)} columns.",
        )
    res.test, res.threshold = name, spec.threshold if threshold is None else float(threshold)
    res.statistic, res.score = _run_test(name, ref, cur, cur_cats)
    res.drifted = bool(spec.drifted(res.score, res.threshold))
    uses_values = name in ("ks", "wasserstein") or (
        name in ("jensenshannon", "psi_evidently")
        and kind == "numeric"
        and ref.n_unique > stattests.EVIDENTLY_CATEGORY_LIMIT
    )
    res.exact = ref.exact or not uses_values  # counts and decile bins are exact in a sketch too
    return res


def _distinct(cur, cur_cats) -> list:
    """The distinct values of the current data (sorted values, or categories and counts)."""
    return np.unique(cur).tolist() if cur is not None else cur_cats[0]


def _values(ref: ColumnProfile) -> np.ndarray:
    """The sorted reference values (or their sketch), which a numeric profile always keeps."""
    assert ref.values is not None
    return ref.values


def _key(value):
    return (
        float(value) if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) else value
    )


def _run_test(name, ref: ColumnProfile, cur, cur_cats) -> tuple[float, float]:
    if name == "ks":
        d = sorted_stats.ks_statistic(_values(ref), cur, _workspace())
        return d, stattests.ks_pvalue(d, ref.n_valid, len(cur))
    if name in ("wasserstein", "psi"):
        add_summary(ref)  # no-op for a saved profile, which has them
    if name == "wasserstein":
        w = sorted_stats.wasserstein(_values(ref), cur)
        return w, w / max(ref.std, 0.001)
    if name == "psi" and ref.kind == "numeric":
        assert ref.psi_counts is not None and ref.psi_edges is not None  # made by add_summary
        ref_share = ref.psi_counts / ref.n_valid
        cur_share = sorted_stats.quantile_bin_counts(cur, ref.psi_edges) / len(cur)
        value = stattests.psi(ref_share, cur_share)
        return value, value
    binned = (
        name in ("jensenshannon", "psi_evidently")
        and ref.kind == "numeric"
        and ref.n_unique > stattests.EVIDENTLY_CATEGORY_LIMIT
    )
    if binned:
        low, high = min(ref.min, cur[0]), max(ref.max, cur[-1])
        edges = sorted_stats.sturges_edges(low, high, ref.n_valid + len(cur))
        ref_share = sorted_stats.histogram_counts(_values(ref), edges) / len(_values(ref))
        cur_share = sorted_stats.histogram_counts(cur, edges) / len(cur)
    else:
        ref_counts, cur_counts = _aligned_counts(ref, cur, cur_cats, name)
        if name == "chisquare":
            return stattests.chisquare(ref_counts, cur_counts)
        if name == "ztest":
            if len(ref_counts) > 2:
                raise BadInput(
                    f"ztest needs a column with at most two values; {ref.name!r} has {len(ref_counts)}",
                    "Use chisquare or jensenshannon for more categories.",
                )
            return stattests.ztest(ref_counts, cur_counts)
        ref_share, cur_share = ref_counts / ref_counts.sum(), cur_counts / cur_counts.sum()
    if name == "jensenshannon":
        value = stattests.jensenshannon(ref_share, cur_share)
    else:
        value = stattests.psi(ref_share, cur_share, evidently=name == "psi_evidently")
    return value, value


def _aligned_counts(ref: ColumnProfile, cur, cur_cats, name):
    """Counts per value over the union of values, in sorted order."""
    if ref.kind == "categorical":
        assert ref.categories is not None and ref.counts is not None  # a categorical profile's counts
        ref_map = dict(zip(ref.categories, ref.counts.tolist(), strict=False))
        cur_map = dict(zip(*cur_cats, strict=False))
    else:
        if ref.counts is not None:
            assert ref.categories is not None  # kept with the counts
            ref_map = dict(zip(map(float, ref.categories), ref.counts.tolist(), strict=False))
        elif ref.exact:
            values, counts = np.unique(_values(ref), return_counts=True)
            ref_map = dict(zip(values.tolist(), counts.tolist(), strict=False))
        else:
            raise BadInput(
                f"test {name!r} on {ref.name!r} needs a count per value, "
                "which a sketched profile does not keep",
                "Profile this column exactly (sketch=None) or use ks, wasserstein or psi.",
            )
        values, counts = np.unique(cur, return_counts=True)
        cur_map = dict(zip(values.tolist(), counts.tolist(), strict=False))
    keys = sorted(set(ref_map) | set(cur_map), key=frames._sort_key)
    return (
        np.array([ref_map.get(k, 0) for k in keys], np.int64),
        np.array([cur_map.get(k, 0) for k in keys], np.int64),
    )


def _numeric_plot(ref: ColumnProfile, cur) -> dict:
    low, high = min(ref.min, cur[0]), max(ref.max, cur[-1])
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, PLOT_BINS + 1)
    ref_x, ref_f = sorted_stats.ecdf_points(_values(ref))
    cur_x, cur_f = sorted_stats.ecdf_points(cur)
    return {
        "edges": edges.tolist(),
        "reference": (sorted_stats.histogram_counts(_values(ref), edges) / len(_values(ref))).tolist(),
        "current": (sorted_stats.histogram_counts(cur, edges) / len(cur)).tolist(),
        "ecdf_reference": [ref_x, ref_f],
        "ecdf_current": [cur_x, cur_f],
    }


def _category_plot(ref_cats, ref_counts, cur_cats, cur_counts) -> dict:
    ref_map = dict(zip(ref_cats, ref_counts.tolist(), strict=False))
    cur_map = dict(zip(cur_cats, cur_counts.tolist(), strict=False))
    n_ref, n_cur = max(sum(ref_map.values()), 1), max(sum(cur_map.values()), 1)
    total = {k: ref_map.get(k, 0) / n_ref + cur_map.get(k, 0) / n_cur for k in set(ref_map) | set(cur_map)}
    top = sorted(total, key=lambda k: -total[k])[:PLOT_CATEGORIES]
    ref_share = [ref_map.get(k, 0) / n_ref for k in top]
    cur_share = [cur_map.get(k, 0) / n_cur for k in top]
    if len(total) > len(top):
        top = [*top, f"other ({len(total) - len(top)})"]
        ref_share.append(1 - sum(ref_share))
        cur_share.append(1 - sum(cur_share))
    return {"categories": [str(k) for k in top], "reference": ref_share, "current": cur_share}
