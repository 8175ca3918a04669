"""Production jobs: schedule a validated notebook, list, inspect, run now, pause, update, delete.

>>> mlops.schedule("notebooks/score.ipynb", "0 6 * * *", tz="Europe/Berlin",
...                parameters={"model_uri": "models:/churn@champion"}, name="daily-scoring",
...                retries=2, timeout="30m", alerts=["webhook=https://hooks.example/ml"])
>>> mlops.jobs()                      # next fire time, last status, success rate
>>> mlops.job_history("daily-scoring")

Scheduling, updating, pausing, resuming and deleting are governed actions: the caller's role
is checked (developer or higher; changing, pausing, resuming, running or deleting someone else's
job needs the approver role) and each is written to the audit log in the same
transaction as the change. A scheduler process (``mlops scheduler``, or the one inside the
Jupyter server) runs the jobs; every change bumps a counter it watches, so it reacts at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import config, db
from ..db.job_tables import RUNNING, Job, JobRun
from ..errors import BadInput, Conflict
from ..governance import remote
from . import cron, spec
from .changes import bump_changes, queue_run
from .governed import (
    audit_view,
    jsonable,
    model_name,
    next_due,
    options,
    pin,
    plain,
    require,
    require_owner,
    target,
)
from .queries import find_job, stats
from .responses import Firing, JobInfo


@remote.governed("schedule", rebuild=lambda answer: JobInfo(**answer))
def schedule(
    notebook: str | Path,
    cron_expression: str | None = None,
    *,
    tz: str = "UTC",
    name: str | None = None,
    parameters: dict[str, Any] | None = None,
    secrets: dict[str, str] | list[str] | None = None,
    version: str | None = None,
    retries: int = 0,
    retry_delay: str | float = 60,
    timeout: str | float | None = None,
    missed: str = "catch-up",
    alerts: list | tuple = (),
    experiment: str | None = None,
    retrain_job: str | None = None,
    register_model: str | None = None,
    paused: bool = False,
    kernel: str | None = None,
    user: str | None = None,
) -> JobInfo:
    """Schedule the validated version of ``notebook`` as the production job ``name``.

    ``cron_expression`` in time zone ``tz`` (None: the job runs only on demand, e.g. a retraining
    job started by a monitoring job). Refused unless the notebook's version has passed
    ``mlops validate``; the job pins that snapshot. ``kernel`` names the Jupyter kernel every
    firing runs on (default: the notebook's kernelspec, else ``python3``). ``secrets`` maps a
    secret parameter to the environment variable each firing reads it from (a secret's value
    is never stored: see :mod:`mlops_jupyter.masking`).
    """
    from sqlalchemy.exc import IntegrityError

    from ..governance import audit

    name = spec.job_name(Path(str(notebook)).stem if name is None else name)
    sched = cron.Schedule.parse(cron_expression, tz) if cron_expression else None
    if sched is None:
        cron.zone(tz)
    fields = options(retries, retry_delay, timeout, missed, alerts, retrain_job, register_model)
    secret_env = spec.secrets(secrets)
    spec.no_secret_values(parameters or {}, secret_env)
    user = user or config.current_user()
    role = require(user, "schedule")
    pinned = pin(notebook, version, kernel)
    typed = pinned.typed(parameters or {})
    declared_secrets(pinned, secret_env)
    now = cron.now()
    job = Job(
        name=name,
        notebook=pinned.notebook,
        notebook_path=pinned.path,
        notebook_version=pinned.version,
        validation_id=pinned.validation_id,
        source=pinned.source,
        kernel_name=pinned.kernel_name,
        parameters=jsonable(typed),
        secret_env=secret_env or None,
        cron=sched.expression if sched else None,
        timezone=tz,
        experiment=experiment or f"job {name}",
        paused=paused,
        next_due=sched.next_after(now) if sched and not paused else None,
        created_by=user,
        changed_by=user,
        created_at=now,
        updated_at=now,
        **fields,
    )
    try:
        with audit.transaction() as s:
            if find_job(s, name, missing_ok=True) is not None:
                raise Conflict(f"a job named {name!r} already exists", exists_hint(name))
            if fields["retrain_job"]:
                find_job(s, fields["retrain_job"])
            s.add(job)
            s.flush()
            bump_changes(s)
            audit.record(user, role, "schedule", target(name), after=audit_view(job), session=s)
            info = JobInfo.of(job)
    except IntegrityError:
        raise Conflict(f"a job named {name!r} already exists", exists_hint(name)) from None
    return info


def jobs() -> list[JobInfo]:
    """Every job with its next fire time, last status and success rate, by name."""
    from sqlalchemy import select

    with db.session() as s:
        rows = list(s.execute(select(Job).order_by(Job.name)).scalars())
        by_job = stats(s, [j.id for j in rows])
        return [JobInfo.of(j, by_job.get(j.id)) for j in rows]


def job(name: str) -> JobInfo:
    """One job, described."""
    with db.session() as s:
        found = find_job(s, name)
        return JobInfo.of(found, stats(s, [found.id]).get(found.id))


def source(name: str) -> str:
    """The pinned notebook text the job runs."""
    with db.session() as s:
        return find_job(s, name).source


def history(name: str, limit: int = 50) -> list[Firing]:
    """The job's firings, newest first: every attempt, skipped firings and alert outcomes included."""
    from sqlalchemy import select

    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise BadInput(f"limit must be a whole number from 1 to 1000, got {limit!r}", "e.g. limit=50")
    with db.session() as s:
        found = find_job(s, name)
        rows = s.execute(
            select(JobRun).where(JobRun.job_id == found.id).order_by(JobRun.id.desc()).limit(limit)
        ).scalars()
        return [Firing.of(r, found.name) for r in rows]


@remote.governed("run_job", rebuild=lambda answer: Firing(**answer))
def run_now(name: str, *, user: str | None = None, triggered_by: str | None = None) -> Firing:
    """Queue a run of the job now; a scheduler with a free slot starts it within a moment."""
    user = user or config.current_user()
    role = require(user, "run")
    with db.session() as s:
        found = find_job(s, name)
        require_owner(user, role, found, "running")
        firing = queue_run(s, found, "manual", triggered_by or user)
        return Firing.of(firing, found.name)


@remote.governed("pause_job", rebuild=lambda answer: JobInfo(**answer))
def pause(name: str, *, reason: str | None = None, user: str | None = None) -> JobInfo:
    """Stop firing the job (a run in progress finishes); queued runs still run."""
    return _set_paused(name, True, reason, user)


@remote.governed("resume_job", rebuild=lambda answer: JobInfo(**answer))
def resume(name: str, *, reason: str | None = None, user: str | None = None) -> JobInfo:
    """Fire again from the next due time; firings that fell in the pause are not made up."""
    return _set_paused(name, False, reason, user)


def _set_paused(name: str, paused: bool, reason: str | None, user: str | None) -> JobInfo:
    from ..governance import audit

    action = "pause" if paused else "resume"
    user = user or config.current_user()
    role = require(user, action)
    with audit.transaction() as s:
        found = find_job(s, name)
        require_owner(user, role, found, "pausing" if paused else "resuming")
        if found.paused == paused:
            raise Conflict(f"job {name!r} is already {'paused' if paused else 'active'}", None)
        found.paused = paused
        found.next_due = None if paused else next_due(found, cron.now())
        found.updated_at = cron.now()
        bump_changes(s)
        audit.record(
            user,
            role,
            action,
            target(name),
            before={"paused": not paused},
            after={"paused": paused},
            reason=reason,
            session=s,
        )
        return JobInfo.of(found, stats(s, [found.id]).get(found.id))


@remote.governed("delete_job")
def delete(name: str, *, reason: str | None = None, user: str | None = None) -> None:
    """Delete the job and its history (its MLflow runs stay); refused while a firing runs."""
    from sqlalchemy import delete as sql_delete
    from sqlalchemy import select

    from ..governance import audit

    user = user or config.current_user()
    role = require(user, "delete")
    with audit.transaction() as s:
        found = find_job(s, name)
        require_owner(user, role, found, "deleting")
        running = s.execute(
            select(JobRun.id).where(JobRun.job_id == found.id, JobRun.status == RUNNING).limit(1)
        ).first()
        if running:
            raise Conflict(
                f"job {name!r} is running (firing {running[0]})",
                "Wait for it to end (`mlops job history`), then delete; `mlops job pause` stops new firings.",
            )
        before = audit_view(found)
        s.execute(sql_delete(JobRun).where(JobRun.job_id == found.id))
        s.delete(found)
        bump_changes(s)
        audit.record(user, role, "delete", target(name), before=before, reason=reason, session=s)


_UNSET: Any = object()


@remote.governed("update_job", rebuild=lambda answer: JobInfo(**answer))
def update(
    name: str,
    *,
    version: str | None = None,
    notebook: str | Path | None = None,
    cron_expression: str | None = _UNSET,
    tz: str | None = None,
    parameters: dict[str, Any] | None = None,
    secrets: dict[str, str] | list[str] | None = None,
    retries: int | None = None,
    retry_delay: str | float | None = None,
    timeout: str | float | None = _UNSET,
    missed: str | None = None,
    alerts: list | None = None,
    experiment: str | None = None,
    retrain_job: str | None = _UNSET,
    register_model: str | None = _UNSET,
    kernel: str | None = None,
    reason: str | None = None,
    user: str | None = None,
) -> JobInfo:
    """Change a job; only what is given changes, and the change is audited (before and after).

    ``version="current"`` re-pins the job to the notebook file's current version (or give a
    version hash); it must be validated, exactly as for :func:`schedule`. ``parameters``
    replaces the parameters and is checked against the pinned notebook; ``secrets`` replaces
    the secret parameters (``{}`` removes them).
    """
    from ..governance import audit

    user = user or config.current_user()
    role = require(user, "update")
    from .pinning import Pinned

    with db.session() as s:
        current = find_job(s, name)
        require_owner(user, role, current, "changing")
        notebook = notebook or current.notebook_path
        current_tz, current_cron = current.timezone, current.cron
        current_params = dict(current.parameters or {})
        current_secrets = dict(current.secret_env or {})
        current_kernel = current.kernel_name
        pinned_now = Pinned(
            current.notebook,
            current.notebook_path,
            current.notebook_version,
            current.source,
            current.kernel_name,
            current.validation_id or 0,
            "",
            "",
        )
    pinned = None
    if version is not None:
        pinned = pin(notebook, None if version == "current" else version, kernel or current_kernel)
    tz = tz or current_tz
    new_cron = current_cron if cron_expression is _UNSET else (cron_expression or None)
    sched = cron.Schedule.parse(new_cron, tz) if new_cron else None
    if sched is None:
        cron.zone(tz)
    changes: dict[str, Any] = {}
    if pinned is not None:
        changes |= {
            "notebook": pinned.notebook,
            "notebook_path": pinned.path,
            "notebook_version": pinned.version,
            "validation_id": pinned.validation_id,
            "source": pinned.source,
            "kernel_name": pinned.kernel_name,
        }
    if kernel and kernel != (changes.get("kernel_name") or current_kernel):
        from ..pipelines.kernel_pool import kernel_language

        kernel_language(kernel)  # installed, or BadInput naming those that are
        changes["kernel_name"] = kernel
    if cron_expression is not _UNSET:
        changes["cron"] = sched.expression if sched else None
    if tz != current_tz:
        changes["timezone"] = tz
    if retries is not None:
        changes["retries"] = spec.count(retries, "--retries")
    if retry_delay is not None:
        changes["retry_delay"] = spec.duration(retry_delay, "--retry-delay")
    if timeout is not _UNSET:
        changes["timeout"] = spec.duration(timeout)
    if missed is not None:
        changes["missed"] = spec.missed_policy(missed)
    if alerts is not None:
        changes["alerts"] = spec.alerts(alerts)
    if experiment:
        changes["experiment"] = experiment
    if retrain_job is not _UNSET:
        changes["retrain_job"] = spec.job_name(retrain_job) if retrain_job else None
    if register_model is not _UNSET:
        changes["register_model"] = model_name(register_model) if register_model else None
    if parameters is not None or pinned is not None:
        # A new version must accept the job's parameters too: check them against what will run.
        check = pinned or pinned_now
        new_params = jsonable(check.typed(current_params if parameters is None else parameters))
        if new_params != current_params:
            changes["parameters"] = new_params
    secret_env = current_secrets if secrets is None else spec.secrets(secrets)
    if parameters is not None or secrets is not None:
        spec.no_secret_values(parameters if parameters is not None else current_params, secret_env)
        declared_secrets(pinned or pinned_now, secret_env)
    if secret_env != current_secrets:
        changes["secret_env"] = secret_env or None
    if not changes:
        raise BadInput(f"nothing to change for job {name!r}", "Give at least one option to change.")
    with audit.transaction() as s:
        found = find_job(s, name)
        require_owner(user, role, found, "changing")
        if changes.get("retrain_job"):
            find_job(s, changes["retrain_job"])
        before = {k: getattr(found, k) for k in changes if k != "source"}
        for key, value in changes.items():
            setattr(found, key, value)
        now = cron.now()
        found.updated_at = now
        found.changed_by = user
        if {"cron", "timezone"} & changes.keys() and not found.paused:
            found.next_due = next_due(found, now)
        bump_changes(s)
        after = {k: v for k, v in changes.items() if k != "source"}
        audit.record(
            user,
            role,
            "update",
            target(name),
            before=plain(before),
            after=plain(after),
            reason=reason,
            session=s,
        )
        return JobInfo.of(found, stats(s, [found.id]).get(found.id))


def declared_secrets(pinned, secret_env: dict[str, str]) -> None:
    """Every secret must be a parameter the notebook declares."""
    from ..pipelines.parameters import declared_parameters

    declared = declared_parameters(pinned.source)
    unknown = sorted(set(secret_env) - set(declared or {})) if declared is not None else []
    if unknown:
        raise BadInput(
            f"secret {unknown[0]!r} is not a parameter of {pinned.notebook}",
            f"Its parameters cell declares: {', '.join(sorted(declared or {})) or 'nothing'}.",
        )


def exists_hint(name: str) -> str:
    return f"Pick another --name, or change it with `mlops job update {name} ...`."
