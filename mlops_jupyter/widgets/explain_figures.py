"""Plotly figures of an explanation (importance, beeswarm, dependence, waterfall), no matplotlib.

The beeswarm and dependence plots are single WebGL (``Scattergl``) traces whose
``customdata`` is the row position, so a click maps straight back to a row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

TOP = 10
_LAYOUT = {"height": 380, "margin": {"l": 150, "r": 20, "t": 50, "b": 40}, "template": "plotly_white"}


def units(exp) -> str:
    return f"SHAP value ({exp.output})"


def ranked_features(exp, k: int) -> list[int]:
    return list(np.argsort(-np.abs(exp.values[:, :, k]).mean(axis=0), kind="stable"))


def numeric_column(exp, feature: int) -> np.ndarray:
    """Feature values as floats (categories as their codes), for colours and x axes."""
    col = exp.data.iloc[:, feature]
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.Categorical(col.astype(str)).codes.astype(np.float64)


def importance_figure(exp, k: int = 0, top: int = TOP) -> go.Figure:
    mean_abs = np.abs(exp.values[:, :, k]).mean(axis=0)
    order = ranked_features(exp, k)
    shown = order[:top]
    labels = [exp.feature_names[i] for i in shown]
    values = [float(mean_abs[i]) for i in shown]
    rest = order[top:]
    if rest:
        labels.append(f"{len(rest)} other features")
        values.append(float(mean_abs[rest].sum()))
    fig = go.Figure(go.Bar(x=values[::-1], y=labels[::-1], orientation="h", marker_color="#4C78A8"))
    fig.update_layout(
        title=f"Global importance: mean |SHAP| ({_class_label(exp, k)})",
        xaxis_title=f"mean |{units(exp)}|",
        **_LAYOUT,
    )
    return fig


def beeswarm_data(exp, k: int, top: int = TOP) -> dict:
    rng = np.random.default_rng(0)  # fixed jitter: the plot does not move between redraws
    shown = ranked_features(exp, k)[:top]
    n = exp.n_rows
    xs, ys, colors, rows, names, texts = [], [], [], [], [], []
    for rank, f in enumerate(shown):
        raw = numeric_column(exp, f)
        lo, hi = np.nanmin(raw) if n else 0, np.nanmax(raw) if n else 1
        scaled = (raw - lo) / (hi - lo) if hi > lo else np.full(n, 0.5)
        xs.append(exp.values[:, f, k])
        ys.append(len(shown) - 1 - rank + rng.uniform(-0.3, 0.3, n))
        colors.append(np.nan_to_num(scaled, nan=0.5))
        rows.append(np.arange(n))
        names.append(np.full(n, exp.feature_names[f], dtype=object))
        texts.append(exp.data.iloc[:, f].astype(str).to_numpy())

    def cat(parts):
        return np.concatenate(parts) if parts else np.array([])

    return {
        "x": cat(xs),
        "y": cat(ys),
        "color": cat(colors),
        "row": cat(rows),
        "name": cat(names),
        "text": cat(texts),
        "ticks": [exp.feature_names[f] for f in shown][::-1],
    }


def beeswarm_figure(exp, k: int = 0, top: int = TOP) -> go.Figure:
    d = beeswarm_data(exp, k, top)
    fig = go.Figure(
        go.Scattergl(
            x=d["x"],
            y=d["y"],
            mode="markers",
            customdata=d["row"],
            text=d["text"],
            hovertext=d["name"],
            marker={
                "color": d["color"],
                "colorscale": "RdBu_r",
                "size": 4,
                "opacity": 0.8,
                "colorbar": {"title": "feature value", "tickvals": [0, 1], "ticktext": ["low", "high"]},
            },
            hovertemplate="%{hovertext} = %{text}<br>SHAP %{x:.4f}<br>row %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"SHAP values per row ({_class_label(exp, k)}); click a point for its waterfall",
        xaxis_title=units(exp),
        **_LAYOUT,
    )
    fig.update_yaxes(tickvals=list(range(len(d["ticks"]))), ticktext=d["ticks"])
    return fig


def dependence_figure(exp, k: int, feature: int, color_by: int | None) -> go.Figure:
    x = numeric_column(exp, feature)
    marker: dict[str, object] = {"size": 5, "opacity": 0.8}
    if color_by is not None:
        marker.update(
            color=numeric_column(exp, color_by),
            colorscale="Viridis",
            colorbar={"title": exp.feature_names[color_by]},
        )
    fig = go.Figure(
        go.Scattergl(
            x=x,
            y=exp.values[:, feature, k],
            mode="markers",
            customdata=np.arange(exp.n_rows),
            marker=marker,
            hovertemplate="value %{x}<br>SHAP %{y:.4f}<br>row %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Dependence: {exp.feature_names[feature]}",
        xaxis_title=exp.feature_names[feature],
        yaxis_title=units(exp),
        **{**_LAYOUT, "margin": {"l": 60, "r": 20, "t": 50, "b": 40}},
    )
    return fig


def waterfall_figure(exp, k: int, row: int, top: int = TOP) -> go.Figure:
    contrib = exp.values[row, :, k]
    order = list(np.argsort(-np.abs(contrib), kind="stable"))
    shown, rest = order[:top], order[top:]
    labels = [f"{exp.feature_names[i]} = {_short(exp.data.iloc[row, i])}" for i in shown]
    values = [float(contrib[i]) for i in shown]
    if rest:
        labels.append(f"{len(rest)} other features")
        values.append(float(contrib[rest].sum()))
    base = float(exp.base_values[row, k])
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            base=base,
            x=values[::-1],
            y=labels[::-1],
            measure=["relative"] * len(values),
            increasing={"marker": {"color": "#d62728"}},
            decreasing={"marker": {"color": "#1f77b4"}},
        )
    )
    label = exp.data.index[row]
    fig.update_layout(
        title=f"Row {label}: {base:.4f} (base) → {base + sum(values):.4f}", xaxis_title=units(exp), **_LAYOUT
    )
    return fig


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)[:20]


def _class_label(exp, k: int) -> str:
    if exp.classes == ["prediction"]:
        return "prediction"
    return f"class {exp.classes[k]}"
