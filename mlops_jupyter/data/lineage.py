"""Lineage: which data a model version was trained on, and what was trained or scored on some data.

Read from what is already recorded: MLflow's dataset inputs (the fingerprint is the digest),
runs and their notebook tags, model versions (each names its run) and the job store (each
firing names its run).

>>> mlops.lineage("churn@champion")        # data -> notebook version -> run -> version -> jobs
>>> mlops.dataset_lineage("3f9a0c2e")      # runs, versions and jobs that used this data
"""

from __future__ import annotations

import json
import re

from ..errors import BadInput, NotFound
from ..governance import names

_DIGEST = re.compile(r"^[0-9a-fA-F]{8,64}$")
REF_HELP = "Name a model version as MODEL@ALIAS or MODEL/VERSION, e.g. churn@champion or churn/3."
MAX_RUNS = 500


def parse_ref(ref: str) -> tuple[str, str | None, str | None]:
    """``MODEL@ALIAS`` or ``MODEL/VERSION`` as (model, alias, version)."""
    if not isinstance(ref, str) or not ref.strip() or ("@" not in ref and "/" not in ref):
        raise BadInput(f"invalid model version reference {ref!r:.80}", REF_HELP)
    if "@" in ref:
        model, _, alias = ref.partition("@")
        return names.model_name(model), names.alias(alias), None
    model, _, version = ref.rpartition("/")
    if not version.isdigit():
        raise BadInput(f"invalid version {version!r:.20} in {ref!r:.80}", REF_HELP)
    return names.model_name(model), None, version


def lineage(ref: str) -> dict:
    """Data -> notebook version -> run -> model version -> jobs of one model version."""
    from ..registry.mlflow_client import model_version, registered_model, run

    model, alias, version = parse_ref(ref)
    if alias is not None:
        aliases = {a: str(v) for a, v in (registered_model(model).aliases or {}).items()}
        if alias not in aliases:
            held = ", ".join(f"{a} (v{v})" for a, v in sorted(aliases.items())) or "none"
            raise NotFound(f"model {model!r} has no alias {alias!r}", f"Its aliases: {held}.")
        version = aliases[alias]
    assert version is not None  # given, or the alias's holder
    mv = model_version(model, version)
    source = run(mv.run_id) if mv.run_id else None
    made = _run(source) if source else None
    return {
        "model": model,
        "version": str(mv.version),
        "aliases": sorted(mv.aliases or []),
        "run": made,
        "datasets": datasets_of(source) if source else [],
        "jobs": _jobs_of(model, mv.run_id, (made or {}).get("notebook_version")),
    }


def dataset_lineage(digest: str) -> dict:
    """The runs that logged data with this fingerprint (or its prefix), their model versions and jobs."""
    from ..registry.mlflow_client import client, translated

    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise BadInput(
            f"invalid dataset fingerprint {digest!r:.80}",
            "A fingerprint is 8 to 64 hex characters (a prefix of the digest is enough).",
        )
    digest = digest.lower()
    mlflow = client()
    with translated(f"runs that used data {digest}"):
        experiments = [e.experiment_id for e in mlflow.search_experiments()]
        found = mlflow.search_runs(
            experiments,
            f"datasets.digest LIKE '{digest}%'",
            max_results=MAX_RUNS,
            order_by=["attributes.start_time DESC"],
        )
    firings = _firings([r.info.run_id for r in found])
    runs: list[dict] = []
    versions: list[dict] = []
    seen: set[str] = set()
    for r in found:
        entry = _run(r)
        entry["datasets"] = [d for d in datasets_of(r) if d["digest"].startswith(digest)]
        entry["job"] = firings.get(r.info.run_id)
        runs.append(entry)
        seen.update(d["name"] for d in entry["datasets"])
        with translated(f"model versions of run {r.info.run_id}"):
            for found_mv in mlflow.search_model_versions(f"run_id = '{r.info.run_id}'"):
                # a search leaves aliases out; the version itself carries them
                mv = mlflow.get_model_version(found_mv.name, found_mv.version)
                versions.append(
                    {
                        "model": mv.name,
                        "version": str(mv.version),
                        "aliases": sorted(mv.aliases or []),
                        "run_id": r.info.run_id,
                    }
                )
    return {"digest": digest, "names": sorted(seen), "runs": runs, "versions": versions}


def datasets_of(run) -> list[dict]:
    """The dataset inputs of an MLflow run, as lineage shows them."""
    out = []
    for di in (run.inputs.dataset_inputs if run.inputs else None) or []:
        d = di.dataset
        tags = {t.key: t.value for t in di.tags or []}
        out.append(
            {
                "name": d.name,
                "digest": d.digest,
                "context": tags.get("mlflow.data.context") or "",
                "source_type": d.source_type,
                "source": _uri(d.source),
                "rows": _rows(d.profile),
            }
        )
    return out


def _run(run) -> dict:
    tags = run.data.tags
    return {
        "id": run.info.run_id,
        "name": run.info.run_name,
        "experiment_id": run.info.experiment_id,
        "status": run.info.status,
        "start_time": run.info.start_time,
        "kind": tags.get("mlops.kind") or "",
        "notebook": tags.get("mlops.notebook.path") or "",
        "notebook_version": tags.get("mlops.notebook.version") or "",
        "git_commit": tags.get("mlflow.source.git.commit") or "",
    }


def _uri(source: str | None) -> str:
    try:
        return str(json.loads(source or "{}").get("uri") or "")
    except (ValueError, AttributeError):
        return source or ""


def _rows(profile: str | None) -> int | None:
    try:
        rows = json.loads(profile or "{}").get("rows")
    except (ValueError, AttributeError):
        return None
    return rows if isinstance(rows, int) else None


def _firings(run_ids: list[str]) -> dict[str, dict]:
    """Run id -> the job firing that made it."""
    if not run_ids:
        return {}
    from sqlalchemy import select

    from .. import db
    from ..db.job_tables import Job, JobRun

    with db.session() as s:
        rows = s.execute(
            select(JobRun.run_id, JobRun.id, JobRun.status, Job.name)
            .join(Job, Job.id == JobRun.job_id)
            .where(JobRun.run_id.in_(run_ids))
        ).all()
    return {r.run_id: {"job": r.name, "firing": r.id, "status": r.status} for r in rows}


def _jobs_of(model: str, run_id: str | None, notebook_version: str | None) -> list[dict]:
    """Jobs around a version: the one whose firing made it, those that register this model, those
    that score it (a parameter names ``models:/MODEL@...`` or ``models:/MODEL/...``) and those
    pinned to the notebook version that trained it."""
    from sqlalchemy import select

    from .. import db
    from ..db.job_tables import Job, JobRun

    made_by = _firings([run_id]).get(run_id, {}).get("job") if run_id else None
    uris = (f"models:/{model}@", f"models:/{model}/")
    out = []
    with db.session() as s:
        for job in s.execute(select(Job).order_by(Job.name)).scalars():
            relation = []
            if job.name == made_by:
                relation.append("made this version")
            if job.register_model == model:
                relation.append("registers this model")
            if any(isinstance(v, str) and v.startswith(uris) for v in (job.parameters or {}).values()):
                relation.append("scores this model")
            if notebook_version and job.notebook_version == notebook_version:
                relation.append("runs the notebook version that trained it")
            if not relation:
                continue
            last = s.execute(
                select(JobRun.status).where(JobRun.job_id == job.id).order_by(JobRun.id.desc()).limit(1)
            ).first()
            out.append(
                {
                    "name": job.name,
                    "relation": relation,
                    "cron": job.cron,
                    "paused": job.paused,
                    "last_status": last.status if last else None,
                }
            )
    return out
