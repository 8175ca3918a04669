"""What the fairness widget and page draw: the gaps, the per-group table, a bar chart per metric."""

from __future__ import annotations

import html

import plotly.graph_objects as go

GROUP_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "accuracy")
MAX_BARS = 40  # the largest groups are drawn; the table lists them all


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else f"{value:,}"


def gaps_html(report: dict) -> str:
    cells = "".join(
        f"<tr><td>{html.escape(k)}</td><td class='mlops-gap'>{_fmt(v)}</td></tr>"
        for k, v in report["gaps"].items()
    )
    return (
        f"<div class='mlops-fairness-head'><b>Fairness by {html.escape(report['sensitive'])}</b>: "
        f"{len(report['groups'])} groups. Differences: 0 is parity; ratios: 1 is parity.</div>"
        f"<table class='mlops-table mlops-fairness-gaps'><tbody>{cells}</tbody></table>"
    )


def groups_html(report: dict) -> str:
    heads = ["group", "count", *GROUP_METRICS]
    head = "".join(f"<th>{h}</th>" for h in heads)
    rows = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_fmt(g[h]) if h != 'group' else g[h])}</td>" for h in heads)
        + "</tr>"
        for g in sorted(report["groups"], key=lambda g: -g["count"])
    )
    table = "<table class='mlops-table mlops-fairness-groups'>"
    return f"{table}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def group_figure(report: dict, metric: str = "selection_rate") -> go.Figure:
    shown = sorted(report["groups"], key=lambda g: -g["count"])[:MAX_BARS]
    overall = report["overall"].get(metric)
    fig = go.Figure(
        go.Bar(
            x=[g["group"] for g in shown],
            y=[g[metric] for g in shown],
            customdata=[g["count"] for g in shown],
            hovertemplate="%{x}: %{y:.3f} (%{customdata} rows)<extra></extra>",
        )
    )
    if overall is not None:
        fig.add_hline(y=overall, line_dash="dash", annotation_text=f"overall {overall:.3f}")
    more = len(report["groups"]) - len(shown)
    title = f"{metric.replace('_', ' ')} by {report['sensitive']}" + (
        f" (the {len(shown)} largest of {len(report['groups'])} groups)" if more > 0 else ""
    )
    fig.update_layout(
        title=title, height=360, margin={"l": 40, "r": 20, "t": 50, "b": 40}, xaxis_type="category"
    )
    return fig
