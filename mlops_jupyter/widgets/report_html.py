"""The report's HTML: one snippet per section (shared by the Voila page) and the one-file page."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import plotly.io as pio
from typing_extensions import TypeIs

from . import report_figures as RF

if TYPE_CHECKING:
    from ..reports import sections as S

STYLE = """
.mlops-report{font-family:system-ui,sans-serif;color:#222;max-width:1200px}
.mlops-report h1{font-size:1.5em;margin:0 0 4px}.mlops-report h2{font-size:1.15em;margin:28px 0 8px;
border-bottom:1px solid #ddd;padding-bottom:4px}
.mlops-report .muted{color:#666;font-size:.9em}.mlops-report .na{color:#8a6d3b;background:#fcf8e3;
padding:8px 12px;border-radius:4px}
.mlops-report table{border-collapse:collapse;font-size:.92em}.mlops-report td,.mlops-report th{
border-bottom:1px solid #eee;padding:4px 10px;text-align:left;vertical-align:top}
.mlops-kpis{display:flex;flex-wrap:wrap;gap:12px}.mlops-kpi{border:1px solid #ddd;border-radius:6px;
padding:10px 14px;min-width:180px}.mlops-kpi .value{font-size:1.6em;font-weight:600}
.good{color:#1e8449}.bad{color:#c0392b}.pass{color:#1e8449;font-weight:600}.fail{color:#c0392b;font-weight:600}
"""
TITLES = {
    "summary": "Summary",
    "quality": "Quality",
    "kpis": "Business KPIs",
    "why": "Why it decides what it decides",
    "health": "Health",
    "history": "History",
    "comparison": "Side by side",
}
e = html.escape


def missing(section: Any) -> TypeIs[S.Unavailable]:
    """Is this section's data missing (a ``reports.sections.Unavailable``)? Named, not imported:
    the report renders itself through this module, so this module must not import the report."""
    return type(section).__name__ == "Unavailable"


def heading(key: str) -> str:
    return f"<h2 class='mlops-section' data-section='{key}'>{TITLES[key]}</h2>"


def unavailable(reason: str) -> str:
    return f"<div class='na'>not available: {e(reason)}</div>"


def header(report) -> str:
    return (
        f"<h1>Model report: {e(report.title)}</h1>"
        f"<div class='muted'>Generated {e(report.generated)} from the model registry, its runs, "
        "jobs and audit log.</div>"
    )


def summary_html(s: S.Summary | S.Unavailable) -> str:
    if missing(s):
        return unavailable(s.reason)
    since = f" since {e(s.since[:16].replace('T', ' '))} UTC" if s.since else ""
    who = f", promoted by <b>{e(s.promoted_by)}</b>" if s.promoted_by else ""
    why = f" with the reason “{e(s.reason)}”" if s.reason else ""
    forced = " <b class='fail'>(forced past failed checks)</b>" if s.forced else ""
    lines = [
        f"<p class='mlops-summary'><b>{e(s.model)}@{e(s.alias)}</b> is version <b>{e(s.version)}</b>"
        f"{since}{who}{why}.{forced}</p>"
    ]
    if s.description:
        lines.append(f"<p>{e(s.description)}</p>")
    if s.notebook_version:
        state = {True: "validated", False: "<b class='fail'>not validated</b>", None: "unknown"}[s.validated]
        lines.append(
            f"<p>It was trained by notebook <code>{e(s.notebook_path or '?')}</code> at version "
            f"<code>{e(s.notebook_version[:12])}</code> ({state}), run <code>{e(s.run_id or '?')}</code>.</p>"
        )
    elif s.run_id:
        lines.append(f"<p>It comes from run <code>{e(s.run_id)}</code> (not made from a notebook).</p>")
    lines.append(training_data_html(s.data))
    if s.last_verdict:
        lines.append(f"<p>Last monitoring run ({e((s.last_monitored or '')[:16])}): {e(s.last_verdict)}.</p>")
    else:
        lines.append("<p>It has not been monitored yet.</p>")
    return "".join(lines)


def training_data_html(data: list[S.TrainingData] | S.Unavailable) -> str:
    if missing(data):
        return f"<div class='mlops-data'><p>Data it was trained on:</p>{unavailable(data.reason)}</div>"
    rows = "".join(
        f"<tr><td>{e(d.name)}</td><td>{e(d.context)}</td>"
        f"<td><code title='{e(d.digest)}'>{e(d.digest[:12])}</code></td>"
        f"<td>{'' if d.rows is None else f'{d.rows:,}'}</td><td>{e(d.source)}</td></tr>"
        for d in data
    )
    return (
        "<p>Data it was trained on:</p><table class='mlops-data'><tr><th>dataset</th><th>context</th>"
        f"<th>digest</th><th>rows</th><th>source</th></tr>{rows}</table>"
    )


def rules_html(q: S.Quality) -> str:
    if not q.rules:
        return f"<p class='muted'>No promotion rules are set for {e(q.alias)}.</p>"
    rows = "".join(
        f"<tr><td><code>{e(r.rule)}</code></td><td class='{'pass' if r.passed else 'fail'}'>"
        f"{'holds' if r.passed else 'does not hold'}</td><td>{e(r.detail)}</td></tr>"
        for r in q.rules
    )
    return (
        f"<table class='mlops-rules'><tr><th>promotion rule</th><th></th><th>detail</th></tr>{rows}</table>"
    )


def kpis_html(kpis: list[S.Kpi] | S.Unavailable) -> str:
    if missing(kpis):
        return unavailable(kpis.reason)
    return "<div class='mlops-kpis'>" + "".join(_card(k) for k in kpis) + "</div>"


def _card(k: S.Kpi) -> str:
    trend = ""
    if k.previous is not None:
        delta = k.latest - k.previous
        good = (delta > 0) == k.higher_is_better if delta else None
        arrow = "▲" if delta > 0 else "▼" if delta < 0 else "▶"
        css = "" if good is None else "good" if good else "bad"
        since = e(k.points[-2].source)
        trend = f"<div class='trend {css}'>{arrow} {_number(delta, signed=True)} since {since}</div>"
    return (
        f"<div class='mlops-kpi' data-kpi='{e(k.name)}'><div class='muted'>{e(k.name)}</div>"
        f"<div class='value'>{_number(k.latest)} {e(k.unit)}</div>{trend}{_sparkline(k)}"
        f"<div class='muted'>{len(k.points)} value{'s' if len(k.points) != 1 else ''}, latest from "
        f"{e(k.points[-1].source)}; {'higher' if k.higher_is_better else 'lower'} is better</div></div>"
    )


def _sparkline(k: S.Kpi, width: int = 160, height: int = 30) -> str:
    values = [p.value for p in k.points[-30:]]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - (v - low) / span * height:.1f}" for i, v in enumerate(values)
    )
    return (
        f"<svg width='{width}' height='{height + 2}'><polyline fill='none' stroke='#2e86c1' "
        f"stroke-width='1.5' points='{points}'/></svg>"
    )


def _number(value: float, signed: bool = False) -> str:
    if not math.isfinite(value):
        return str(value)
    text = f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return f"+{text}" if signed and value > 0 else text


def why_html(w: S.Why | S.Unavailable) -> str:
    if missing(w):
        return unavailable(w.reason)
    exp = w.explanation
    return (
        f"<p class='mlops-why-note'>{e(w.note)} {e(exp.model)}, {e(exp.explainer)} explainer, values in "
        f"{e(exp.output)}, {exp.n_rows:,} rows.</p>"
    )


def drift_html(h: S.Health) -> str:
    if missing(h.drift):
        return "<h3>Drift</h3>" + unavailable(h.drift.reason)
    if missing(h.drifted_columns):
        columns = unavailable(h.drifted_columns.reason)
    elif h.drifted_columns:
        shown = ", ".join(f"<b>{e(c)}</b>" for c in h.drifted_columns[:12])
        more = f" and {len(h.drifted_columns) - 12} more" if len(h.drifted_columns) > 12 else ""
        columns = f"Drifted columns in the last run: {shown}{more}"
    else:
        columns = "No column drifted in the last run."
    return f"<h3>Drift</h3><p class='mlops-drift-count'>{len(h.drift)} monitoring runs.</p><p>{columns}</p>"


def jobs_html(h: S.Health) -> str:
    if missing(h.jobs):
        return "<h3>Jobs</h3>" + unavailable(h.jobs.reason)
    rows = []
    for j in h.jobs:
        rate = "-" if j.success_rate is None else f"{j.success_rate:.0%} of {j.finished}"
        failures = "; ".join(
            f"{e(f['time'] or '')[:16]} {e(f['status'])}: {e(f['error'][:120])}" for f in j.failures
        )
        rows.append(
            f"<tr><td>{e(j.name)}</td><td>{rate}</td><td>{e(j.last_status or '-')}</td>"
            f"<td>{failures or 'none'}</td></tr>"
        )
    return (
        "<h3>Jobs</h3><table class='mlops-jobs'><tr><th>job</th><th>success rate</th><th>last</th>"
        f"<th>last failures</th></tr>{''.join(rows)}</table>"
    )


def history_html(h: S.History | S.Unavailable) -> str:
    if missing(h):
        return unavailable(h.reason)
    status = (
        "<p class='pass mlops-chain'>The audit chain verifies: no entry was changed, removed or inserted.</p>"
        if h.chain_intact
        else "<p class='fail mlops-chain'>The audit chain does NOT verify: "
        + "; ".join(e(p) for p in h.problems[:5])
        + "</p>"
    )
    if not h.entries:
        return status + unavailable("the audit log has no entry for this model")
    rows = "".join(
        f"<tr class='mlops-audit-row'><td>{e(x['time'][:19].replace('T', ' '))}</td><td>{e(x['actor'])}</td>"
        f"<td>{e(x['action'])}</td><td>{e(x['target'])}</td><td>{e(_moved(x))}</td>"
        f"<td>{e(x['reason'] or '')}</td></tr>"
        for x in h.entries
    )
    return (
        f"{status}<table class='mlops-audit'><tr><th>time (UTC)</th><th>who</th><th>action</th>"
        f"<th>target</th><th>change</th><th>reason</th></tr>{rows}</table>"
    )


def _moved(entry: dict) -> str:
    before, after = (entry.get("before") or {}).get("version"), (entry.get("after") or {}).get("version")
    if before or after:
        return f"{f'v{before}' if before else '-'} → {f'v{after}' if after else '-'}"
    return ""


def comparison_html(holders: list[S.Holder] | S.Unavailable) -> str:
    if missing(holders):
        return unavailable(holders.reason)
    names = sorted({k for h in holders for k in (*h.metrics, *h.kpis)})
    head = "".join(f"<th>{e(h.alias)} (v{e(h.version or '-')})</th>" for h in holders)
    rows = "".join(
        f"<tr><td>{e(n)}</td>"
        + "".join(
            f"<td>{_number(v) if (v := {**h.metrics, **h.kpis}.get(n)) is not None else '-'}</td>"
            for h in holders
        )
        + "</tr>"
        for n in names
    )
    return f"<table class='mlops-compare'><tr><th>metric</th>{head}</tr>{rows}</table>"


def report_html(report) -> str:
    """The whole report as one page; plotly.js is inlined once, so it opens offline."""
    parts: list[str] = [header(report)]
    figures = 0

    def figure(fig) -> str:
        nonlocal figures
        figures += 1
        return pio.to_html(fig, include_plotlyjs=figures == 1, full_html=False, config={"responsive": True})

    if report.comparison is not None:
        parts += [heading("comparison"), comparison_html(report.comparison)]
    parts += [heading("summary"), summary_html(report.summary), heading("quality")]
    if missing(report.quality):
        parts.append(unavailable(report.quality.reason))
    else:
        parts += [figure(RF.quality_figure(report.quality)), rules_html(report.quality)]
    parts += [heading("kpis"), kpis_html(report.kpis), heading("why"), why_html(report.why)]
    if not missing(report.why):
        parts += [figure(f) for f in RF.why_figures(report.why)]
    parts.append(heading("health"))
    if missing(report.health):
        parts.append(unavailable(report.health.reason))
    else:
        parts.append(drift_html(report.health))
        if not missing(report.health.drift):
            parts.append(figure(RF.drift_figure(report.health.drift)))
        parts.append(jobs_html(report.health))
    parts += [heading("history"), history_html(report.history)]
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(report.title)}</title>"
        f"<style>{STYLE}</style></head><body><div class='mlops-report'>{''.join(parts)}</div></body></html>"
    )
