"""Reading runs back: the listings behind ``%mlops runs``, ``mlops versions`` and the REST API."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from ..config import display_path
from ..errors import BadInput, NotFound
from . import mlflow_store
from .notebook import file_version, short
from .writer import VERSIONS_EXPERIMENT

MAX_PAGE = 1000


@dataclass
class RunSummary:
    run_id: str
    name: str | None
    experiment_id: str
    status: str
    start_time: int | None
    end_time: int | None
    user: str | None
    kind: str | None
    notebook_path: str | None
    notebook_version: str | None
    git_commit: str | None
    parent_run_id: str | None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    datasets: list[dict] = field(default_factory=list)  # the run's dataset inputs: name, digest, context

    @property
    def duration_s(self) -> float | None:
        if self.start_time and self.end_time:
            return (self.end_time - self.start_time) / 1000
        return None

    def to_dict(self) -> dict:
        # Shallow on purpose: a deep copy cost a tenth of a REST page of 100 runs.
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"duration_s": self.duration_s}


def summarize(run) -> RunSummary:
    tags = run.data.tags
    version = tags.get("mlops.notebook.version")
    return RunSummary(
        run_id=run.info.run_id,
        name=run.info.run_name,
        experiment_id=run.info.experiment_id,
        status=run.info.status,
        start_time=run.info.start_time,
        end_time=run.info.end_time,
        user=tags.get("mlflow.user"),
        kind=tags.get("mlops.kind"),
        notebook_path=tags.get("mlops.notebook.path"),
        notebook_version=short(version) if version else None,
        git_commit=tags.get("mlflow.source.git.commit"),
        parent_run_id=tags.get("mlflow.parentRunId"),
        params=dict(run.data.params),
        metrics=dict(run.data.metrics),
        checks={
            k[len("mlops.check.") :]: v
            for k, v in tags.items()
            if k.startswith("mlops.check.") and not k.endswith(".value")
        },
        error=tags.get("mlops.error"),
        datasets=[
            {
                "name": di.dataset.name,
                "digest": di.dataset.digest,
                "context": next((t.value for t in di.tags or [] if t.key == "mlflow.data.context"), ""),
            }
            for di in ((run.inputs.dataset_inputs if run.inputs else None) or [])
        ],
    )


def experiments(include_internal: bool = False) -> list[dict]:
    """Active experiments, most recently used first."""
    c = mlflow_store.client()
    found = c.search_experiments(order_by=["last_update_time DESC"], max_results=MAX_PAGE)
    return [
        {
            "experiment_id": e.experiment_id,
            "name": e.name,
            "artifact_location": e.artifact_location,
            "last_update_time": e.last_update_time,
        }
        for e in found
        if include_internal or e.name != VERSIONS_EXPERIMENT
    ]


def experiments_page(filter_string: str = "", max_results: int = 100, page_token: str | None = None) -> dict:
    """A page of active user experiments, most recently used first; ``filter_string`` is MLflow's
    experiment search syntax (e.g. ``name LIKE 'churn%'``)."""
    from mlflow.exceptions import MlflowException

    if not 1 <= max_results <= MAX_PAGE:
        raise BadInput(f"max_results must be between 1 and {MAX_PAGE}, not {max_results}")
    # The notebook-versions bookkeeping experiment is ours, not the user's.
    hidden = f"name != '{VERSIONS_EXPERIMENT}'"
    try:
        page = mlflow_store.client().search_experiments(
            filter_string=f"{filter_string} AND {hidden}" if filter_string else hidden,
            order_by=["last_update_time DESC"],
            max_results=max_results,
            page_token=page_token or None,
        )
    except MlflowException as exc:
        raise BadInput(
            f"invalid experiment search: {exc.message}", "See MLflow's search syntax, e.g. name LIKE 'churn%'"
        ) from exc
    return {
        "experiments": [
            {
                "experiment_id": e.experiment_id,
                "name": e.name,
                "artifact_location": e.artifact_location,
                "last_update_time": e.last_update_time,
            }
            for e in page
        ],
        # MLflow hands experiment page tokens back as bytes; the API speaks text.
        "next_page_token": page.token.decode() if isinstance(page.token, bytes) else page.token or None,
    }


def experiment_ids(names_or_ids: list[str] | None = None) -> list[str]:
    """Experiment ids for names or ids; all user experiments when none are given."""
    if not names_or_ids:
        return [e["experiment_id"] for e in experiments()]
    c = mlflow_store.client()
    ids = []
    for item in names_or_ids:
        found = c.get_experiment_by_name(item)
        if found is None and item.isdigit():
            try:
                found = c.get_experiment(item)
            except Exception:  # noqa: BLE001 - MLflow raises its own "not found"
                found = None
        if found is None:
            raise NotFound(f"no experiment named {item!r}", "`%mlops runs` lists the experiments that exist.")
        ids.append(found.experiment_id)
    return ids


@dataclass
class RunsPage:
    runs: list[RunSummary]
    next_page_token: str | None

    def to_dict(self) -> dict:
        return {"runs": [r.to_dict() for r in self.runs], "next_page_token": self.next_page_token}


def search(
    experiments: list[str] | None = None,
    filter_string: str = "",
    max_results: int = 50,
    page_token: str | None = None,
    order_by: list[str] | None = None,
) -> RunsPage:
    """A page of runs, newest first; ``filter_string`` is MLflow's search syntax."""
    from mlflow.exceptions import MlflowException

    if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= MAX_PAGE:
        raise BadInput(f"max_results must be a whole number from 1 to {MAX_PAGE}, got {max_results!r:.80}")
    if not all(isinstance(e, str) for e in experiments or ()):
        raise BadInput("experiments are given by name or id, as text", 'e.g. experiment="churn"')
    ids = experiment_ids(experiments)
    if not ids:
        return RunsPage([], None)
    try:
        page = mlflow_store.client().search_runs(
            ids,
            filter_string or "",
            max_results=max_results,
            order_by=order_by or ["attributes.start_time DESC"],
            page_token=page_token or None,
        )
    except MlflowException as exc:
        if exc.error_code != "INVALID_PARAMETER_VALUE":  # the store failed, not the search: no SQL shown
            raise
        raise BadInput(
            f"invalid run search: {exc.message}", "See MLflow's search syntax, e.g. metrics.auc > 0.9"
        ) from exc
    token = page.token.decode() if isinstance(page.token, bytes) else page.token  # the SQL store gives bytes
    return RunsPage([summarize(r) for r in page], token or None)


def get_run(run_id: str) -> RunSummary:
    return summarize(mlflow_store.get_run(run_id))


def runs_frame(experiment: str | None = None, max_results: int = 50, filter_string: str = ""):
    """Recent runs as a pandas DataFrame (params as ``params.x``, metrics as ``metrics.y``)."""
    import pandas as pd

    page = search([experiment] if experiment else None, filter_string, max_results)
    rows = []
    for r in page.runs:
        row = {
            "run_id": r.run_id,
            "name": r.name,
            "status": r.status,
            "start_time": pd.to_datetime(r.start_time, unit="ms") if r.start_time else None,
            "duration_s": r.duration_s,
            "notebook_version": r.notebook_version,
        }
        row |= {f"params.{k}": v for k, v in r.params.items()}
        row |= {f"metrics.{k}": v for k, v in r.metrics.items()}
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class NotebookVersion:
    version: str
    path: str
    first_seen: int
    record_run_id: str
    runs: list[RunSummary]

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "short": short(self.version),
            "path": self.path,
            "first_seen": self.first_seen,
            "record_run_id": self.record_run_id,
            "runs": [r.to_dict() for r in self.runs],
        }


def notebook_versions(notebook: str | Path) -> list[NotebookVersion]:
    """Versions of ``notebook`` seen by the tracking store, oldest first, with their runs."""
    path = display_path(Path(notebook))
    c = mlflow_store.client()
    versions_exp = c.get_experiment_by_name(VERSIONS_EXPERIMENT)
    if versions_exp is None:
        return []
    quoted = path.replace("'", "\\'")
    records = c.search_runs(
        [versions_exp.experiment_id],
        f"tags.`mlops.notebook.path` = '{quoted}'",
        max_results=MAX_PAGE,
        order_by=["attributes.start_time ASC"],
    )
    user_ids = experiment_ids()
    result = []
    for record in records:
        version = record.data.tags["mlops.notebook.version"]
        runs = (
            c.search_runs(
                user_ids,
                f"tags.`mlops.notebook.version` = '{version}'",
                max_results=MAX_PAGE,
                order_by=["attributes.start_time DESC"],
            )
            if user_ids
            else []
        )
        result.append(
            NotebookVersion(
                version, path, record.info.start_time, record.info.run_id, [summarize(r) for r in runs]
            )
        )
    return result


def current_version(notebook: str | Path) -> str | None:
    try:
        return file_version(notebook)
    except Exception:  # noqa: BLE001 - listing versions of a deleted notebook is fine
        return None
