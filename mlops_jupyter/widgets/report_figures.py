"""The report's plotly figures: quality over versions, drift over time, and the SHAP figures it shows."""

from __future__ import annotations

import plotly.graph_objects as go

HEIGHT = 360


def quality_figure(quality) -> go.Figure:
    """Each metric over the model's versions; versions that held an alias are marked and named."""
    fig = go.Figure()
    xs = [f"v{p.version}" for p in quality.points]
    for i, metric in enumerate(quality.metrics[:6]):
        ys = [p.metrics.get(metric) for p in quality.points]
        labels = [
            f"v{p.version} · {p.created[:10]}" + (f" · held {', '.join(p.held)}" if p.held else "")
            for p in quality.points
        ]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=metric,
                text=labels,
                hovertemplate="%{text}<br>" + metric + " = %{y:.4g}<extra></extra>",
                visible=True if i < 3 else "legendonly",
                marker={
                    "size": [12 if p.held else 6 for p in quality.points],
                    "symbol": ["star" if quality.alias in p.held else "circle" for p in quality.points],
                },
                connectgaps=True,
            )
        )
    fig.update_layout(
        title=f"Metrics over versions (★ held {quality.alias}; v{quality.version} holds it now)",
        height=HEIGHT,
        xaxis={"title": "version", "type": "category"},
        yaxis={"title": "value"},
        margin={"t": 50, "l": 50, "r": 20, "b": 40},
    )
    return fig


def drift_figure(points) -> go.Figure:
    """Share of drifted input columns per monitoring run, over time; runs that found drift in red."""
    colors = ["#c0392b" if p.drifted else "#2e86c1" for p in points]
    fig = go.Figure(
        go.Scatter(
            x=[p.time for p in points],
            y=[p.share for p in points],
            mode="lines+markers",
            marker={"color": colors, "size": 7},
            line={"color": "#aab7b8"},
            text=[f"run {p.run_id[:8]}" + (f" · job {p.job}" if p.job else "") for p in points],
            hovertemplate="%{x}<br>%{text}<br>drifted share %{y:.0%}<extra></extra>",
            name="drifted share",
        )
    )
    fig.update_layout(
        title="Drift over time: share of drifted input columns per monitoring run",
        height=HEIGHT,
        yaxis={"title": "share of columns", "tickformat": ".0%", "rangemode": "tozero"},
        margin={"t": 50, "l": 60, "r": 20, "b": 40},
    )
    return fig


def why_figures(why) -> list[go.Figure]:
    from . import explain_figures as EF

    return [EF.importance_figure(why.explanation, 0), EF.beeswarm_figure(why.explanation, 0)]
