"""Registered models and versions on MLflow's model registry, MLflow 3 style (aliases and tags).

Registering from a run links the version to everything that made it: the run (parameters,
metrics), the notebook version and the git commit, as version tags; the model itself is the
run's MLflow 3 logged model.

>>> import mlops_jupyter as mlops
>>> v = mlops.register("3f9c...", name="churn")
>>> v.version
'7'
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .. import config
from ..errors import BadInput
from ..governance import audit, names, remote, roles
from .mlflow_client import client, model_version, registered_model, run, translated

LINK_TAGS = {
    "mlops.notebook.path": "mlops.notebook.path",
    "mlops.notebook.version": "mlops.notebook.version",
    "mlflow.source.git.commit": "mlops.git.commit",
}
MAX_PAGE = 1000


@dataclass
class ModelSummary:
    name: str
    description: str | None
    aliases: dict[str, str]
    latest_version: str | None
    created: int | None
    updated: int | None
    tags: dict[str, str] = field(default_factory=dict)
    # alias -> its holder's run metrics; filled on request (it costs two calls per alias)
    alias_metrics: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return _shallow(self)


@dataclass
class ModelsPage:
    models: list[ModelSummary]
    next_page_token: str | None

    def to_dict(self) -> dict:
        return {"models": [m.to_dict() for m in self.models], "next_page_token": self.next_page_token}


@dataclass
class VersionInfo:
    model: str
    version: str
    run_id: str | None
    status: str
    source: str | None
    description: str | None
    created: int | None
    registered_by: str | None
    aliases: list[str]
    notebook_path: str | None
    notebook_version: str | None
    git_commit: str | None
    validated: bool | None  # None: not made from a notebook
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return _shallow(self)


@dataclass
class ModelDetail:
    model: ModelSummary
    versions: list[VersionInfo]
    next_page_token: str | None
    rules: dict[str, list[str]]

    def to_dict(self) -> dict:
        return {
            **self.model.to_dict(),
            "versions": [v.to_dict() for v in self.versions],
            "next_page_token": self.next_page_token,
            "rules": self.rules,
        }


def _shallow(obj) -> dict:
    """A dataclass as a dict without a deep copy (its fields are fresh already); it is on the REST path."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _token(page) -> str | None:
    """The next page's token as text (some MLflow stores hand back bytes)."""
    token = page.token
    return (token.decode() if isinstance(token, bytes) else token) or None


def summarize(rm) -> ModelSummary:
    latest = max((int(v.version) for v in rm.latest_versions or []), default=None)
    return ModelSummary(
        name=rm.name,
        description=rm.description or None,
        aliases={a: str(v) for a, v in (rm.aliases or {}).items()},
        latest_version=str(latest) if latest is not None else None,
        created=rm.creation_timestamp,
        updated=rm.last_updated_timestamp,
        tags=dict(rm.tags or {}),
    )


# -- reading ---------------------------------------------------------------------------


def models(
    filter: str = "", max_results: int = 100, page_token: str | None = None, *, with_metrics: bool = False
) -> ModelsPage:
    """Registered models with their aliases, by name; ``filter`` is MLflow's registry search syntax.

    ``with_metrics`` adds each alias holder's run metrics (``alias_metrics``).

    >>> mlops.models(filter="name LIKE 'churn%'").models[0].aliases
    {'champion': '7'}
    """
    _page_size(max_results)
    if not isinstance(filter, str):
        raise BadInput(
            f"filter must be text, got {type(filter).__name__}", "e.g. filter=\"name LIKE 'churn%'\""
        )
    with translated("model search", "e.g. name LIKE 'churn%' or tags.team = 'risk'"):
        page = client().search_registered_models(
            filter_string=filter or None,
            max_results=max_results,
            order_by=["name ASC"],
            page_token=page_token or None,
        )
    found = [summarize(rm) for rm in page]
    if with_metrics:
        for m in found:
            for alias, held in m.aliases.items():
                source_run = _run_or_none(model_version(m.name, held).run_id)
                m.alias_metrics[alias] = dict(source_run.data.metrics) if source_run else {}
    return ModelsPage(found, _token(page))


def _page_size(max_results) -> None:
    if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= MAX_PAGE:
        raise BadInput(
            f"max_results must be a whole number from 1 to {MAX_PAGE}, got {max_results!r:.80}", None
        )


def model(name: str, max_results: int = 50, page_token: str | None = None) -> ModelDetail:
    """One model with a page of its versions, newest first, and its promotion rules."""
    from . import rules

    names.model_name(name)
    _page_size(max_results)
    summary = summarize(registered_model(name))
    with translated(f"versions of model {name!r}"):
        page = client().search_model_versions(
            f"name = '{name}'",
            max_results=max_results,
            order_by=["version_number DESC"],
            page_token=page_token or None,
        )
    versions = [_version_info(mv, summary.aliases) for mv in page]
    return ModelDetail(summary, versions, _token(page), rules.stored(name))


def get_version(name: str, version: str | int) -> VersionInfo:
    """One version with its run's parameters and metrics and whether it is validated."""
    names.model_name(name)
    version = names.version(version)
    mv = model_version(name, version)
    aliases = {a: str(v) for a, v in (registered_model(name).aliases or {}).items()}
    return _version_info(mv, aliases)


def _version_info(mv, aliases: dict[str, str]) -> VersionInfo:
    from ..governance.validations import row_for_version

    tags = dict(mv.tags or {})
    source_run = _run_or_none(mv.run_id)
    params = dict(source_run.data.params) if source_run else {}
    metrics = dict(source_run.data.metrics) if source_run else {}
    nb_version = tags.get("mlops.notebook.version")
    validated = None
    if nb_version:
        row = row_for_version(nb_version)
        validated = bool(row is not None and row.passed)
    return VersionInfo(
        model=mv.name,
        version=str(mv.version),
        run_id=mv.run_id or None,
        status=mv.status,
        source=mv.source,
        description=mv.description or None,
        created=mv.creation_timestamp,
        registered_by=tags.get("mlops.registered_by") or mv.user_id,
        aliases=sorted(a for a, v in aliases.items() if v == str(mv.version)),
        notebook_path=tags.get("mlops.notebook.path"),
        notebook_version=nb_version,
        git_commit=tags.get("mlops.git.commit"),
        validated=validated,
        params=params,
        metrics=metrics,
        tags=tags,
    )


def _run_or_none(run_id: str | None):
    if not run_id:
        return None
    from mlflow.exceptions import MlflowException

    try:
        return client().get_run(run_id)
    except MlflowException:  # the run was deleted since: the version still lists
        return None


# -- registering -----------------------------------------------------------------------


@remote.governed("register", rebuild=lambda answer: VersionInfo(**answer))
def register(
    run_id: str,
    name: str,
    *,
    description: str | None = None,
    artifact: str = "model",
    user: str | None = None,
) -> VersionInfo:
    """Register the model logged by run ``run_id`` as a new version of model ``name``.

    Needs the developer role. The version is tagged with the run's notebook path, notebook
    version and git commit, and the registration is written to the audit log.

    >>> mlops.register(run.run_id, name="churn", description="gradient boosting, 40 features")
    """
    names.run_id(run_id)
    names.model_name(name)
    user = user or config.current_user()
    role = roles.require(user, action="register")
    source_run = run(run_id)
    status = source_run.info.status
    if status != "FINISHED":
        raise BadInput(
            f"run {run_id} is {status}: only a finished run's model can be registered",
            "Register a run that ended without error (`mlops runs` shows their status).",
        )
    source, model_id = _logged_model(source_run, artifact)
    run_tags = source_run.data.tags
    tags = {ours: run_tags[theirs] for theirs, ours in LINK_TAGS.items() if theirs in run_tags}
    tags["mlops.registered_by"] = user
    c = client()
    created = None
    try:
        with audit.transaction() as s:
            with translated(f"model {name!r}"):
                if not _model_exists(name):
                    c.create_registered_model(name)
                created = c.create_model_version(
                    name, source, run_id=run_id, tags=tags, description=description, model_id=model_id
                )
            audit.record(
                user,
                role,
                "register",
                audit.model_target(name),
                after={
                    "version": str(created.version),
                    "run_id": run_id,
                    "source": source,
                    "notebook_version": tags.get("mlops.notebook.version"),
                },
                reason=description,
                session=s,
            )
    except BaseException:
        if created is not None:  # the version exists but its audit entry did not commit
            c.delete_model_version(name, created.version)
        raise
    _link_logged_model(model_id, name, str(created.version))
    return get_version(name, created.version)


def _model_exists(name: str) -> bool:
    from mlflow.exceptions import MlflowException

    try:
        client().get_registered_model(name)
        return True
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return False
        raise


def _logged_model(source_run, artifact: str) -> tuple[str, str | None]:
    """The source URI and logged-model id of the model named ``artifact`` in ``source_run``."""
    c = client()
    run_id = source_run.info.run_id
    outputs = source_run.outputs.model_outputs if source_run.outputs else []
    found = []
    for output in outputs:
        with translated(f"logged model {output.model_id}"):
            logged = c.get_logged_model(output.model_id)
        found.append(logged.name)
        if logged.name == artifact:
            return f"models:/{logged.model_id}", logged.model_id
    # A model saved as plain run artifacts (MLflow 2 style) registers from the run.
    with translated(f"artifacts of run {run_id}"):
        files = [f.path for f in c.list_artifacts(run_id, artifact)]
    if f"{artifact}/MLmodel" in files:
        return f"runs:/{run_id}/{artifact}", None
    have = f"its models: {', '.join(found)}" if found else "it logged no model"
    raise BadInput(
        f"run {run_id} has no model named {artifact!r} ({have})",
        "Log one with `%%mlops track --model VAR` or `mlops.log_model(model)`, or pass the model's name.",
    )


def _link_logged_model(model_id: str | None, name: str, version: str) -> None:
    """Tag the logged model with its registered versions, as ``mlflow.register_model`` does (for the UI)."""
    import json

    from mlflow.exceptions import MlflowException

    if not model_id:
        return
    c = client()
    try:
        existing = c.get_logged_model(model_id).tags.get("mlflow.modelVersions")
        value = (json.loads(existing) if existing else []) + [{"name": name, "version": version}]
        c.set_logged_model_tags(model_id, {"mlflow.modelVersions": json.dumps(value)})
    except MlflowException:  # cosmetic: the registration itself stands
        pass
