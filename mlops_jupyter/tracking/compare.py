"""Side-by-side comparison of runs: a metrics chart and a params diff."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..errors import BadInput, NotFound
from . import mlflow_store, query


@dataclass
class Comparison:
    runs: list[query.RunSummary]

    @property
    def metric_keys(self) -> list[str]:
        return sorted({k for r in self.runs for k in r.metrics})

    def params_diff(self) -> dict[str, list[str | None]]:
        """Params whose values differ between the runs (missing counts as different)."""
        keys = sorted({k for r in self.runs for k in r.params})
        table = {k: [r.params.get(k) for r in self.runs] for k in keys}
        return {k: values for k, values in table.items() if len(set(values)) > 1}

    def figure(self):
        """One bar chart per metric (their scales differ), a bar per run."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        keys = self.metric_keys or ["(no metrics)"]
        cols = min(len(keys), 3)
        rows = -(-len(keys) // cols)
        fig = make_subplots(rows=rows, cols=cols, subplot_titles=keys)
        labels = [label(r) for r in self.runs]
        for i, key in enumerate(keys):
            fig.add_trace(
                go.Bar(x=labels, y=[r.metrics.get(key) for r in self.runs], name=key, showlegend=False),
                row=i // cols + 1,
                col=i % cols + 1,
            )
        fig.update_layout(height=260 * rows, margin=dict(t=40, b=20, l=40, r=20), title="Run metrics")
        return fig

    def params_diff_html(self) -> str:
        diff = self.params_diff()
        if not diff:
            return "<p><em>The runs have identical params.</em></p>"
        head = "<th>param</th>" + "".join(f"<th>{html.escape(label(r))}</th>" for r in self.runs)
        body = "".join(
            f"<tr><td>{html.escape(k)}</td>"
            + "".join(f"<td>{html.escape(v or '—')}</td>" for v in values)
            + "</tr>"
            for k, values in diff.items()
        )
        return f'<table class="mlops-params-diff"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def label(run: query.RunSummary) -> str:
    return f"{run.name or 'run'} ({run.run_id[:8]})"


def resolve(ids: list[str]) -> list[query.RunSummary]:
    """Runs by full id or by a unique prefix of at least 6 characters among recent runs."""
    found = []
    recent = None
    for item in ids:
        try:
            found.append(query.summarize(mlflow_store.get_run(item)))
            continue
        except NotFound:
            pass
        if len(item) < 6:
            raise BadInput(
                f"{item!r} is not a run id", "Give a run id or a unique prefix of at least 6 characters."
            )
        if recent is None:
            recent = query.search(max_results=1000).runs
        matches = [r for r in recent if r.run_id.startswith(item)]
        if len(matches) != 1:
            raise NotFound(f"{'no run' if not matches else 'several runs'} match {item!r}")
        found.append(matches[0])
    return found


def compare(ids: list[str]) -> Comparison:
    return Comparison(resolve(ids))
