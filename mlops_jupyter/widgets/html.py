"""Self-contained HTML pages of results: plotly.js inlined once, so a page opens offline."""

from __future__ import annotations

import html

import plotly.io as pio

from . import drift_figures as DF
from . import explain_figures as EF

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:24px;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:28px}"
)


def _page(title: str, body: list[str], figures: list) -> str:
    parts = []
    for i, fig in enumerate(figures):
        parts.append(pio.to_html(fig, include_plotlyjs=i == 0, full_html=False, config={"responsive": True}))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{''.join(body)}"
        f"{''.join(parts)}</body></html>"
    )


MAX_COLUMN_PLOTS = 60  # a plot per column of a very wide table would make a page too heavy to open


def drift_html(report) -> str:
    ordered = DF.sorted_columns(report)
    body = [DF.verdict_html(report), "<h2>Columns</h2>", DF.table_html(report), "<h2>Per-column plots</h2>"]
    if len(ordered) > MAX_COLUMN_PLOTS:
        body.append(
            f"<div>Plots of the first {MAX_COLUMN_PLOTS} of {len(ordered)} columns, drifted first; "
            "the table above lists every column.</div>"
        )
    figures = [DF.column_figure(c) for c in ordered[:MAX_COLUMN_PLOTS]]
    return _page("Drift report", body, figures)


def explain_html(exp) -> str:
    sample = (
        f"Explained a random sample of {exp.n_rows:,} of {exp.n_total:,} rows."
        if exp.sampled
        else f"Explained all {exp.n_rows:,} rows."
    )
    body = [
        f"<div>{html.escape(str(exp.model))}: {html.escape(str(exp.explainer))} explainer, "
        f"values in {html.escape(str(exp.output))}. {sample}</div>"
    ]
    figures = []
    for k in range(min(len(exp.classes), 5)):
        top = EF.ranked_features(exp, k)
        figures += [
            EF.importance_figure(exp, k),
            EF.beeswarm_figure(exp, k),
            EF.dependence_figure(exp, k, top[0], top[1] if len(top) > 1 else None),
            EF.waterfall_figure(exp, k, 0),
        ]
    return _page(f"SHAP explanation: {exp.model}", body, figures)
