"""KPIs: business metrics logged with their unit and direction.

A KPI is an MLflow metric of its own name plus two tags that say how to read it
(``mlops.kpi.<name>.unit`` and ``mlops.kpi.<name>.higher_is_better``); reports show it as
a card with its trend.

>>> mlops.log_kpi("cost_saved_eur", 1.2e6, unit="EUR", higher_is_better=True)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ..errors import BadInput

TAG = "mlops.kpi."
_NAME = re.compile(r"^[A-Za-z0-9_\-. /]{1,200}$")


@dataclass(frozen=True)
class KpiSpec:
    name: str
    unit: str
    higher_is_better: bool


def log_kpi(name: str, value: Any, unit: str = "", higher_is_better: bool = True) -> None:
    """Log KPI ``name`` on the active run: a metric plus its ``unit`` and direction.

    >>> mlops.log_kpi("churned_customers", 412, unit="customers", higher_is_better=False)
    """
    from .fluent import _require_run

    spec = _checked(name, value, unit, higher_is_better)
    run = _require_run()
    run.log_metric(name, float(value))
    run.set_tag(f"{TAG}{name}.unit", spec.unit)
    run.set_tag(f"{TAG}{name}.higher_is_better", "true" if spec.higher_is_better else "false")


def _checked(name, value, unit, higher_is_better) -> KpiSpec:
    if not isinstance(name, str) or not _NAME.match(name):
        raise BadInput(
            f"invalid KPI name {name!r:.80}",
            "A KPI name is 1 to 200 letters, digits, '_', '-', '.', ' ' or '/', e.g. 'cost_saved_eur'.",
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise BadInput(f"KPI {name!r} needs a finite number, got {value!r:.80}", "e.g. 1.2e6")
    if not isinstance(unit, str) or len(unit) > 40 or not unit.isprintable():
        raise BadInput(
            f"invalid unit {unit!r:.80} for KPI {name!r}", "A unit is up to 40 characters, e.g. 'EUR'."
        )
    if not isinstance(higher_is_better, bool):
        raise BadInput(
            f"higher_is_better must be True or False, got {higher_is_better!r:.80}",
            "higher_is_better=True when a larger value is good news.",
        )
    return KpiSpec(name, unit, higher_is_better)


def specs(tags: dict[str, str]) -> dict[str, KpiSpec]:
    """The KPIs a run's tags declare, by name."""
    found: dict[str, KpiSpec] = {}
    for key, value in tags.items():
        if key.startswith(TAG) and key.endswith(".unit"):
            name = key[len(TAG) : -len(".unit")]
            better = tags.get(f"{TAG}{name}.higher_is_better", "true") == "true"
            found[name] = KpiSpec(name, value, better)
    return found
