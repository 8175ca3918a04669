"""Plotly figures and the summary table of a drift report, shared by the widget and the HTML page."""

from __future__ import annotations

import html
import math
from itertools import pairwise

import plotly.graph_objects as go

REFERENCE_COLOR = "#4C78A8"
CURRENT_COLOR = "#F58518"
ROW_COLORS = {True: "#fde0dc", False: "#e3f4e1", None: "#eeeeee"}
SORT_KEYS = ("drifted", "score", "column", "test", "kind", "missing change")


def verdict_html(report) -> str:
    color = "#c0392b" if report.drifted else "#1e8449"
    word = "Data drift detected" if report.drifted else "No data drift"
    lines = [
        f"<div style='font-size:1.25em;font-weight:600;color:{color}'>{word}</div>",
        f"<div>{len(report.drifted_columns)} of {len(report.tested)} feature columns drifted "
        f"(share {report.share:.2f}; the data set drifts at {report.drift_share:.2f}). "
        f"Reference {report.reference_rows:,} rows, current {report.current_rows:,} rows.</div>",
    ]
    for role, col in (("Prediction", report.prediction_drift), ("Target", report.target_drift)):
        if col is not None:
            lines.append(
                f"<div><b>{role} drift</b> ({html.escape(str(col.column))}): {_state(col)}"
                f" &mdash; {html.escape(col.test or '')} {fmt(col.score)}</div>"
            )
    for note in report.notes:
        lines.append(f"<div style='color:#666'>Note: {html.escape(note)}</div>")
    if getattr(report, "fairness", None):
        lines.append(fairness_html(report.fairness))
    return "\n".join(lines)


def fairness_html(section: dict) -> str:
    """The drift report's fairness section: each group's share on both sides, and the gaps."""
    sensitive = html.escape(str(section["sensitive"]))
    rows = "".join(
        f"<tr data-group='{html.escape(g['group'], quote=True)}'><td>{html.escape(g['group'])}</td>"
        f"<td>{g['reference_share']:.3f}</td><td>{g['current_share']:.3f}</td>"
        f"<td>{g['current_share'] - g['reference_share']:+.3f}</td></tr>"
        for g in section["groups"]
    )
    parts = [
        f"<div class='mlops-drift-fairness'><b>Fairness by {sensitive}</b>: "
        f"largest change in a group's share {section['max_share_change']:.3f}",
    ]
    for label, key in (("new groups", "new_groups"), ("groups gone", "gone_groups")):
        if section.get(key):
            parts.append(f"; {label}: {html.escape(', '.join(section[key]))}")
    for name in section.get("current_gaps") or {}:
        before, after = section["reference_gaps"][name], section["current_gaps"][name]
        parts.append(f"<div>{html.escape(name)}: reference {fmt(before)}, current {fmt(after)}</div>")
    head = "<tr><th>group</th><th>reference share</th><th>current share</th><th>change</th></tr>"
    parts.append(f"<table class='mlops-drift-fairness-groups'>{head}{rows}</table></div>")
    return "".join(parts)


def _state(col) -> str:
    return "drifted" if col.drifted else ("n/a" if col.drifted is None else "no drift")


def fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.2e}"
    return f"{value:.4f}"


def sorted_columns(report, sort_by: str = "drifted", descending: bool = True) -> list:
    def key(c):
        if sort_by == "column":
            return (0, str(c.column))
        if sort_by == "test":
            return (0, c.test or "")
        if sort_by == "kind":
            return (0, c.kind)
        if sort_by == "missing change":
            return (0, abs(c.missing_change))
        if sort_by == "score":
            return (0, c.score) if c.score is not None and not math.isnan(c.score) else (-1, 0)
        # drifted first, then the strongest evidence (smallest p-value, largest distance)
        strength = (
            -1.0 if c.score is None else (1 - c.score if c.test in ("ks", "chisquare", "ztest") else c.score)
        )
        return (-1 if c.drifted is None else int(c.drifted), strength)

    ordered = sorted(report.columns, key=key, reverse=descending)
    if sort_by == "score" and descending:  # keep columns without a score last either way
        ordered = [c for c in ordered if c.score is not None] + [c for c in ordered if c.score is None]
    return ordered


def table_html(report, sort_by: str = "drifted", descending: bool = True, selected=None) -> str:
    head = (
        "column",
        "role",
        "type",
        "test",
        "score",
        "threshold",
        "drifted",
        "missing (ref → cur)",
        "unseen",
    )
    rows = []
    for c in sorted_columns(report, sort_by, descending):
        outline = "outline:2px solid #333;" if c.column == selected else ""
        unseen = f"{c.unseen_share:.1%}" if c.kind == "categorical" and c.computed else ""
        cells = (
            html.escape(str(c.column)),
            html.escape(str(c.role)),
            html.escape(str(c.kind)),
            html.escape(c.test) if c.test else "&ndash;",
            fmt(c.score),
            fmt(c.threshold),
            _state(c) if c.computed else f"n/a: {html.escape(c.reason or '')}",
            f"{c.reference_missing:.1%} → {c.current_missing:.1%}",
            unseen,
        )
        tds = "".join(f"<td style='padding:2px 8px'>{v}</td>" for v in cells)
        rows.append(
            f"<tr class='drift-row' data-column='{html.escape(str(c.column))}' "
            f"style='background:{ROW_COLORS[c.drifted]};{outline}'>{tds}</tr>"
        )
    ths = "".join(f"<th style='text-align:left;padding:2px 8px'>{h}</th>" for h in head)
    return (
        f"<table class='mlops-drift-table' style='border-collapse:collapse;font-size:12px'>"
        f"<thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def column_figure(col, mode: str = "histogram") -> go.Figure:
    """Overlaid histograms or ECDFs (numeric) or grouped bars (categorical) of one column."""
    fig = go.Figure()
    plot = col.plot or {}
    title = f"{col.column}: {col.test or 'not tested'} {fmt(col.score)} ({_state(col)})"
    if col.kind == "categorical" and plot:
        for name, color in (("reference", REFERENCE_COLOR), ("current", CURRENT_COLOR)):
            fig.add_bar(x=plot["categories"], y=plot[name], name=name, marker_color=color)
        fig.update_layout(barmode="group", yaxis_title="share of rows")
    elif plot and mode == "ecdf":
        for name, color in (("reference", REFERENCE_COLOR), ("current", CURRENT_COLOR)):
            x, f = plot[f"ecdf_{name}"]
            fig.add_scatter(x=x, y=f, name=name, mode="lines", line={"shape": "hv", "color": color})
        fig.update_layout(yaxis_title="ECDF")
    elif plot:
        edges = plot["edges"]
        centers = [(a + b) / 2 for a, b in pairwise(edges)]
        width = edges[1] - edges[0]
        for name, color in (("reference", REFERENCE_COLOR), ("current", CURRENT_COLOR)):
            fig.add_bar(x=centers, y=plot[name], width=width, name=name, marker_color=color, opacity=0.55)
        fig.update_layout(barmode="overlay", yaxis_title="share of rows")
    else:
        fig.add_annotation(
            text=html.escape(col.reason or "nothing to plot"),
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    fig.update_layout(
        title=title,
        height=360,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        template="plotly_white",
    )
    return fig
