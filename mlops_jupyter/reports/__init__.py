"""Stakeholder reports: one page per model from what the registry, runs, jobs and audit log know.

Data gathering only: plain functions returning plain objects (:mod:`.sections`); the page is
rendered by the widgets (``Report.to_html``) and served by Voila from ``notebooks/model_report.ipynb``.

>>> report = mlops.model_report("churn@champion")
>>> report.to_html("churn.html")
"""

from __future__ import annotations

from pathlib import Path

from .gather import ModelReport, parse_ref
from .result import Report, section

__all__ = [
    "TEMPLATE",
    "ModelReport",
    "Report",
    "compare_aliases",
    "model_report",
    "notebook",
    "parse_ref",
    "template_root",
    "warm_up",
]


def model_report(ref: str, compare: list[str] | str | None = None) -> Report:
    """Everything the report of ``MODEL@ALIAS`` shows (``MODEL`` alone: its champion).

    ``compare`` (aliases, e.g. ``"champion,challenger"``) adds their holders side by side.
    Reads only: nothing is written to a store or the audit log.
    """
    aliases = compare_aliases(compare)
    source = ModelReport(ref, None if "@" in ref or not aliases else aliases[0])
    for alias in aliases:
        if alias not in source.aliases:
            held = ", ".join(sorted(source.aliases)) or "none"
            from ..errors import NotFound

            raise NotFound(f"model {source.model!r} has no alias {alias!r}", f"Its aliases: {held}.")
    return Report(
        model=source.model,
        alias=source.alias,
        version=source.version,
        generated=source.generated,
        summary=section(source.summary),
        quality=section(source.quality),
        kpis=section(source.kpis),
        why=section(source.why),
        health=section(source.health),
        history=section(source.history),
        comparison=section(source.comparison, aliases) if aliases else None,
    )


def compare_aliases(compare) -> list[str]:
    """``"champion,challenger"`` (or a list) as checked aliases, two or more."""
    from ..errors import BadInput
    from ..governance import names

    if compare is None:
        return []
    items = compare.split(",") if isinstance(compare, str) else list(compare)
    aliases = [names.alias(a.strip()) for a in items if str(a).strip()]
    if len(aliases) < 2:
        raise BadInput(
            f"--compare needs two or more aliases, got {compare!r:.80}", "e.g. --compare champion,challenger"
        )
    return aliases


def notebook() -> Path:
    """The report notebook Voila serves: shipped in the package, or the source tree's ``notebooks/``."""
    shipped = Path(__file__).with_name("model_report.ipynb")
    if shipped.exists():
        return shipped
    return Path(__file__).resolve().parents[2] / "notebooks" / "model_report.ipynb"


# The page's Voila template: the lab template, showing each section as soon as it has run.
TEMPLATE = "mlops-report"


def template_root() -> Path:
    """The Jupyter data directory holding the page's template (``voila/templates/mlops-report``)."""
    return Path(__file__).with_name("jupyter")


READY = "MLOPS_REPORT_READY"


def warm_up() -> None:
    """Load MLflow and open the tracking store and the mlops database, so a report reads at once.

    When ``MLOPS_REPORT_READY`` names a file, the kernel's Voila id is added to it then as a line:
    ``mlops report`` prints the page's URL once Voila's preheated kernel has got this far.
    """
    import os

    from ..governance import audit
    from ..registry.mlflow_client import client

    client().search_experiments(max_results=1)
    audit.entries(limit=1)
    if os.environ.get(READY):
        with open(os.environ[READY], "a") as ready:  # a line per kernel: a pool's next one shows too
            ready.write(os.environ.get("VOILA_KERNEL_ID", "warm") + "\n")
