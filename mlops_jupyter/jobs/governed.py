"""What every governed change of a job shares: the role it needs, its audit target and record,
and the options checked into the values stored."""

from __future__ import annotations

import json

from ..db.job_tables import Job
from ..errors import BadInput
from . import cron, spec

NEEDS = {
    "schedule": "developer",
    "update": "developer",
    "pause": "developer",
    "resume": "developer",
    "delete": "developer",
    "run": "developer",
}


def target(name: str) -> str:
    """The audit-log target of a job."""
    return f"job:{name}"


def pin(notebook, version, kernel=None):
    from . import pinning

    return pinning.pin(notebook, version, kernel)


def require(user: str, action: str) -> str:
    from ..governance import roles

    return roles.require(
        user, NEEDS[action], action=f"{action} a job" if action != "run" else "run a job now"
    )


def require_owner(user: str, role: str, job: Job, doing: str) -> None:
    """Refuse unless ``user`` created ``job`` or is an approver: its follow-ups will act as them."""
    from ..errors import Forbidden
    from ..governance import roles

    if user == job.created_by or roles.allows(role, "approver"):
        return
    raise Forbidden(
        f"{user} is {'an' if role[0] in 'aeiou' else 'a'} {role} and job {job.name!r} is "
        f"{job.created_by}'s: {doing} it needs its owner or the approver role",
        f"Ask {job.created_by} or an approver, or schedule a job of your own (`mlops schedule`).",
    )


def options(retries, retry_delay, timeout, missed, alerts, retrain_job, register_model) -> dict:
    return {
        "retries": spec.count(retries, "--retries"),
        "retry_delay": spec.duration(retry_delay, "--retry-delay"),
        "timeout": spec.duration(timeout),
        "missed": spec.missed_policy(missed),
        "alerts": spec.alerts(alerts),
        "retrain_job": spec.job_name(retrain_job) if retrain_job else None,
        "register_model": model_name(register_model) if register_model else None,
    }


def model_name(name: str) -> str:
    from ..governance import names

    return names.model_name(name)


def next_due(job: Job, after):
    return cron.Schedule.parse(job.cron, job.timezone).next_after(after) if job.cron else None


def jsonable(values: dict) -> dict:
    """Parameters as stored: tuples become lists (papermill injects them the same way).

    Only strict JSON is stored: a NaN or an object in a stored job would break every listing.
    """
    for key, value in values.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise BadInput(
                f"parameter {key!r} is not plain JSON data (a NaN, an infinity or an object)",
                "Job parameters are finite numbers, text, true/false, null, lists and mappings of them.",
            ) from None
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def plain(values: dict) -> dict:
    """Values as the audit log keeps them: times as text, webhook URLs without their tokens."""
    shown = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
    if "alerts" in shown:
        shown["alerts"] = shown_alerts(shown["alerts"])
    return shown


def shown_alerts(alerts) -> list[dict]:
    """A job's alert channels as shown anywhere: a webhook by its scheme, host and port only."""
    from ..masking import masked_url

    return [{**a, "to": masked_url(a["to"])} if a.get("kind") == "webhook" else dict(a) for a in alerts or []]


def audit_view(job: Job) -> dict:
    return {
        "notebook": job.notebook,
        "notebook_version": job.notebook_version,
        "validation_id": job.validation_id,
        "cron": job.cron,
        "timezone": job.timezone,
        "kernel_name": job.kernel_name,
        "parameters": job.parameters,
        "secrets": job.secret_env or {},  # parameter -> environment variable: names, never values
        "retries": job.retries,
        "timeout": job.timeout,
        "missed": job.missed,
        "alerts": shown_alerts(job.alerts),
        "retrain_job": job.retrain_job,
        "register_model": job.register_model,
        "paused": job.paused,
    }
