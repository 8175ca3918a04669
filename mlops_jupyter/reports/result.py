"""``Report``: every section of one model's report, rendered as the Voila page or one HTML file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import sections as S


@dataclass
class Report:
    model: str
    alias: str
    version: str
    generated: str  # UTC, ISO
    summary: S.Summary | S.Unavailable
    quality: S.Quality | S.Unavailable
    kpis: list[S.Kpi] | S.Unavailable
    why: S.Why | S.Unavailable
    health: S.Health | S.Unavailable
    history: S.History | S.Unavailable
    comparison: list[S.Holder] | S.Unavailable | None = None

    @property
    def title(self) -> str:
        return f"{self.model}@{self.alias} (v{self.version})"

    def to_html(self, path: str | os.PathLike | None = None) -> str:
        """One self-contained page (plotly.js inlined once, opens offline); written to ``path`` if given."""
        from ..widgets.report_html import report_html

        html = report_html(self)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def _repr_html_(self) -> str:
        return self.to_html()


def section(read, *args: Any):
    """A section's data, or why it is not available: one section's failure never breaks the page."""
    from ..errors import MlopsError

    try:
        return read(*args)
    except MlopsError as exc:
        return S.Unavailable(exc.message)
    except Exception as exc:  # noqa: BLE001 - the page must stand whatever one section's store says
        return S.Unavailable(f"could not be read ({type(exc).__name__}: {str(exc)[:200]})")
