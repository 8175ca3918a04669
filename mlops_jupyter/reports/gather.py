"""Gathering one model's report from what the registry, the runs, the jobs and the audit log know.

Reads only. The MLflow reads are batched: one paged search of the model's versions, one
search per 100 of their runs, one search of the monitoring runs; nothing per version.

>>> from mlops_jupyter import reports
>>> source = reports.ModelReport("churn@champion")
>>> source.summary().version
'7'
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime
from functools import cached_property

from ..errors import BadInput, NotFound
from ..governance import audit, names
from ..registry import history
from ..registry.mlflow_client import client, registered_model, translated
from ..tracking.kpi import specs
from . import readings
from . import sections as S
from .readings import drift_share, iso_ms

PAGE = 1000
RUNS_PER_SEARCH = 100
DEFAULT_ALIAS = "champion"
MONITORED = "mlops.monitored_model"  # the tag a monitoring run names its model with


def parse_ref(ref: str) -> tuple[str, str | None]:
    """``MODEL@ALIAS`` or ``MODEL`` (alias None) as (model, alias), both checked."""
    if not isinstance(ref, str) or not ref.strip():
        raise BadInput(f"invalid model reference {ref!r:.80}", "Name a model and alias, e.g. churn@champion.")
    model, _, alias = ref.partition("@")
    names.model_name(model)
    return model, names.alias(alias) if alias else None


class ModelReport:
    """The data behind the report of ``model@alias``; each section is read when first asked for."""

    def __init__(self, ref: str, alias: str | None = None):
        self.model, given = parse_ref(ref)
        self.alias = names.alias(alias) if alias else given or DEFAULT_ALIAS
        self.registered = registered_model(self.model)
        self.aliases = {a: str(v) for a, v in (self.registered.aliases or {}).items()}
        if self.alias not in self.aliases:
            held = ", ".join(f"{a} (v{v})" for a, v in sorted(self.aliases.items())) or "none"
            raise NotFound(
                f"model {self.model!r} has no alias {self.alias!r}",
                f"Its aliases: {held}. Report on one of them, e.g. {self.model}@champion.",
            )
        self.version = self.aliases[self.alias]
        self.generated = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    # -- shared reads (each made once) ---------------------------------------------------

    @cached_property
    def versions(self) -> list:
        """Every version of the model, oldest first (one paged search)."""
        found, token = [], None
        while True:
            with translated(f"versions of model {self.model!r}"):
                page = client().search_model_versions(
                    f"name = '{self.model}'", max_results=PAGE, page_token=token
                )
            found += list(page)
            token = page.token
            if not token:
                break
        return sorted(found, key=lambda v: int(v.version))

    @cached_property
    def runs(self) -> dict:
        """The source runs of the versions, by run id (one search per 100 runs)."""
        ids = sorted({v.run_id for v in self.versions if v.run_id})
        return self._runs_where(
            [f"attributes.run_id IN ({', '.join(repr(i) for i in chunk)})" for chunk in _chunks(ids)]
        )

    @cached_property
    def monitoring_runs(self) -> list:
        """Runs that measured drift of this model's inputs, oldest first: runs with a drift share
        and a ``model`` parameter or a ``mlops.monitored_model`` tag naming the model."""
        found = self._runs_where(
            [f"params.model = '{self.model}'", f"tags.`{MONITORED}` = '{self.model}'"]
        ).values()
        drift = [r for r in found if drift_share(r) is not None]
        return sorted(drift, key=lambda r: r.info.start_time or 0)

    @cached_property
    def moves(self) -> list[dict]:
        """Promote and rollback entries of the model, oldest first (the audit log's read)."""
        return history.changes(self.model)

    @cached_property
    def experiment_ids(self) -> list[str]:
        with translated("experiments"):
            return [e.experiment_id for e in client().search_experiments(max_results=PAGE)]

    def _runs_where(self, filters: list[str]) -> dict:
        runs: dict = {}
        for where in filters:
            token = None
            while True:
                with translated("runs of the report"):
                    page = client().search_runs(
                        self.experiment_ids, where, max_results=PAGE, page_token=token
                    )
                runs.update((r.info.run_id, r) for r in page)
                token = page.token
                if not token:
                    break
        return runs

    def _previous_holder(self):
        """The version this alias held before its holder took it (per the audit log)."""
        for e in reversed(self.moves):
            if history.alias_of(e) == self.alias and (e["after"] or {}).get("version") == self.version:
                before = (e["before"] or {}).get("version")
                return next((v for v in self.versions if str(v.version) == before), None)
        return None

    def holder(self, alias: str | None = None):
        version = self.aliases.get(alias or self.alias)
        return next((v for v in self.versions if str(v.version) == version), None)

    def holder_run(self, alias: str | None = None):
        held = self.holder(alias)
        return self.runs.get(held.run_id) if held is not None and held.run_id else None

    # -- sections ------------------------------------------------------------------------

    def summary(self) -> S.Summary:
        from ..governance.validations import row_for_version

        held = self.holder()
        tags = dict(held.tags or {}) if held is not None else {}
        moved = [
            e
            for e in self.moves
            if history.alias_of(e) == self.alias and (e["after"] or {}).get("version") == self.version
        ]
        last = moved[-1] if moved else None
        nb_version = tags.get("mlops.notebook.version")
        validated = None
        if nb_version:
            row = row_for_version(nb_version)
            validated = bool(row is not None and row.passed)
        run = self.holder_run()  # read with the versions' runs, inputs included
        data: list[S.TrainingData] | S.Unavailable = readings.training_data(run)
        if not data:
            data = S.Unavailable(
                f"no dataset logged for run {held.run_id}"
                if held is not None and held.run_id
                else "this version has no run"
            )
        verdict, when = None, None
        if self.monitoring_runs:
            latest = self.monitoring_runs[-1]
            verdict, when = readings.verdict(latest), iso_ms(latest.info.start_time)
        return S.Summary(
            model=self.model,
            alias=self.alias,
            version=self.version,
            since=last["time"] if last else iso_ms(held.creation_timestamp if held is not None else None),
            promoted_by=last["actor"] if last else None,
            reason=last["reason"] if last else None,
            forced=bool(last and (last["after"] or {}).get("forced")),
            run_id=held.run_id if held is not None else None,
            notebook_path=tags.get("mlops.notebook.path"),
            notebook_version=nb_version,
            validated=validated,
            description=(held.description or None) if held is not None else None,
            last_verdict=verdict,
            last_monitored=when,
            data=data,
        )

    def quality(self) -> S.Quality | S.Unavailable:
        from ..registry import rules

        held_by: dict[str, set[str]] = {}
        for e in self.moves:
            version = (e["after"] or {}).get("version")
            if version:
                held_by.setdefault(str(version), set()).add(history.alias_of(e))
        for alias, version in self.aliases.items():
            held_by.setdefault(version, set()).add(alias)
        points, counts = [], Counter[str]()
        for v in self.versions:
            run = self.runs.get(v.run_id) if v.run_id else None
            metrics = _plain_metrics(run, without_kpis=True)
            counts.update(metrics)
            points.append(
                S.VersionPoint(
                    str(v.version),
                    iso_ms(v.creation_timestamp) or "",
                    metrics,
                    sorted(held_by.get(str(v.version), ())),
                )
            )
        if not counts:
            return S.Unavailable("no version of this model has a run with metrics")
        in_force = rules.stored(self.model, self.alias).get(self.alias, [])
        mine = _plain_metrics(self.holder_run())
        holders = {
            alias: (version, _plain_metrics(self.holder_run(alias)))
            for alias, version in self.aliases.items()
            if alias != self.alias
        }
        previous = self._previous_holder()
        if previous is not None:  # a rule on its own alias compares with the holder it replaced
            run = self.runs.get(previous.run_id) if previous.run_id else None
            holders[self.alias] = (str(previous.version), _plain_metrics(run))
        checks = [rules.check(rules.parse(text), self.version, mine, holders) for text in in_force]
        return S.Quality(
            alias=self.alias,
            version=self.version,
            metrics=[name for name, _ in counts.most_common()],
            points=points,
            rules=[S.RuleCheck(c.rule, c.passed, c.detail) for c in checks],
        )

    def kpis(self) -> list[S.Kpi] | S.Unavailable:
        declared: dict[str, S.Kpi] = {}
        sources = [(r, f"v{v.version}") for v in self.versions if (r := self.runs.get(v.run_id))]
        sources += [(r, f"monitoring run {r.info.run_id[:8]}") for r in self.monitoring_runs]
        sources.sort(key=lambda pair: pair[0].info.start_time or 0)
        for run, label in sources:
            for name, spec in specs(dict(run.data.tags)).items():
                value = run.data.metrics.get(name)
                if value is None:
                    continue
                kpi = declared.setdefault(name, S.Kpi(name, spec.unit, spec.higher_is_better, []))
                kpi.points.append(S.KpiPoint(iso_ms(run.info.start_time) or "", float(value), label))
        if not declared:
            return S.Unavailable("no training or monitoring run of this model logged a KPI (mlops.log_kpi)")
        return sorted(declared.values(), key=lambda k: k.name)

    def why(self) -> S.Why | S.Unavailable:
        from .why import why

        return why(self)

    def health(self) -> S.Health:
        from .health import health

        return health(self)

    def history(self) -> S.History:
        entries = audit.log(model=self.model, limit=200)
        problems = audit.verify()
        return S.History(entries[::-1], not problems, [p.message for p in problems])

    def comparison(self, aliases: list[str]) -> list[S.Holder]:
        out = []
        for alias in aliases:
            run = self.holder_run(alias)
            kpi_names = specs(dict(run.data.tags)) if run is not None else {}
            metrics = _plain_metrics(run)
            out.append(
                S.Holder(
                    alias,
                    self.aliases.get(alias),
                    {k: v for k, v in metrics.items() if k not in kpi_names},
                    {k: metrics[k] for k in kpi_names if k in metrics},
                )
            )
        return out


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + RUNS_PER_SEARCH] for i in range(0, len(items), RUNS_PER_SEARCH)]


def _plain_metrics(run, without_kpis: bool = False) -> dict[str, float]:
    """A run's metrics without the per-feature ones (``shap.*``, ``drift.*``), NaNs and, if asked, KPIs."""
    if run is None:
        return {}
    kpis = specs(dict(run.data.tags)) if without_kpis else {}
    return {
        k: float(v)
        for k, v in run.data.metrics.items()
        if not k.startswith(("shap.", "drift.")) and k not in kpis and v is not None and not math.isnan(v)
    }
