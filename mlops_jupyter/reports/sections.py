"""The report's sections as plain data: what each one shows, or why it is not available."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Unavailable:
    """A section whose data is missing: the page says ``not available: <reason>``."""

    reason: str


@dataclass
class TrainingData:
    """A dataset input the version's run logged (mlops.dataset): what it was trained on."""

    name: str
    context: str  # training, validation, evaluation...
    digest: str  # the content fingerprint
    rows: int | None
    source: str


@dataclass
class Summary:
    model: str
    alias: str
    version: str
    since: str | None  # when the alias moved to this version (UTC, ISO)
    promoted_by: str | None
    reason: str | None
    forced: bool
    run_id: str | None
    notebook_path: str | None
    notebook_version: str | None
    validated: bool | None  # None: not made from a notebook
    description: str | None
    last_verdict: str | None  # of the last monitoring run, in words
    last_monitored: str | None
    data: list[TrainingData] | Unavailable = field(default_factory=list)


@dataclass
class VersionPoint:
    version: str
    created: str  # UTC, ISO
    metrics: dict[str, float]
    held: list[str]  # aliases this version has held, per the audit log


@dataclass
class RuleCheck:
    rule: str
    passed: bool
    detail: str


@dataclass
class Quality:
    alias: str
    version: str
    metrics: list[str]  # the metric names charted, most common first
    points: list[VersionPoint]
    rules: list[RuleCheck]


@dataclass
class KpiPoint:
    time: str  # UTC, ISO
    value: float
    source: str  # "v7" or "monitoring run <id>"


@dataclass
class Kpi:
    name: str
    unit: str
    higher_is_better: bool
    points: list[KpiPoint]  # oldest first

    @property
    def latest(self) -> float:
        return self.points[-1].value

    @property
    def previous(self) -> float | None:
        return self.points[-2].value if len(self.points) > 1 else None


@dataclass
class Why:
    explanation: Any  # mlops_jupyter.explain.Explanation
    computed: bool  # True: computed now on the logged sample (none was logged)
    note: str


@dataclass
class DriftPoint:
    run_id: str
    time: str  # UTC, ISO
    share: float
    drifted: bool | None
    job: str | None


@dataclass
class JobHealth:
    name: str
    success_rate: float | None
    finished: int
    last_status: str | None
    failures: list[dict]  # the last failed firings: time, status, error


@dataclass
class Health:
    drift: list[DriftPoint] | Unavailable
    drifted_columns: list[str] | Unavailable  # of the last monitoring run
    jobs: list[JobHealth] | Unavailable


@dataclass
class History:
    entries: list[dict]  # the model's audit entries, newest first
    chain_intact: bool
    problems: list[str] = field(default_factory=list)


@dataclass
class Holder:
    """One alias's holder in a comparison: its version and its run's metrics and KPIs."""

    alias: str
    version: str | None
    metrics: dict[str, float]
    kpis: dict[str, float]
