"""What the job API returns: plain dataclasses with ``to_dict`` for JSON, shared by every face."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import overload

from .cron import utc
from .governed import shown_alerts


@overload
def iso(t: datetime) -> str: ...
@overload
def iso(t: datetime | None) -> str | None: ...
def iso(t: datetime | None) -> str | None:
    return utc(t).isoformat(timespec="milliseconds").replace("+00:00", "Z") if t else None


@dataclass
class Firing:
    """One attempt of one firing of a job: what ran, when, how it ended, where its output is."""

    id: int
    job: str
    scheduled_time: str
    attempt: int
    trigger: str
    status: str
    triggered_by: str | None = None
    started_at: str | None = None
    kernel_started_at: str | None = None
    ended_at: str | None = None
    delay_s: float | None = None  # from the due time to the kernel starting the notebook
    duration_s: float | None = None
    run_id: str | None = None
    output_path: str | None = None
    error: str | None = None
    note: str | None = None
    alerts: list = field(default_factory=list)
    owner: str | None = None

    @classmethod
    def of(cls, row, job_name: str) -> Firing:
        delay = duration = None
        if row.kernel_started_at and row.trigger in ("schedule", "catch-up"):
            delay = round((utc(row.kernel_started_at) - utc(row.scheduled_time)).total_seconds(), 3)
        if row.started_at and row.ended_at:
            duration = round((utc(row.ended_at) - utc(row.started_at)).total_seconds(), 3)
        return cls(
            id=row.id,
            job=job_name,
            scheduled_time=iso(row.scheduled_time),
            attempt=row.attempt,
            trigger=row.trigger,
            status=row.status,
            triggered_by=row.triggered_by,
            started_at=iso(row.started_at),
            kernel_started_at=iso(row.kernel_started_at),
            ended_at=iso(row.ended_at),
            delay_s=delay,
            duration_s=duration,
            run_id=row.run_id,
            output_path=row.output_path,
            error=row.error,
            note=row.note,
            alerts=list(row.alerts or []),
            owner=row.owner,
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class JobInfo:
    name: str
    notebook: str
    notebook_version: str
    cron: str | None
    timezone: str
    parameters: dict
    retries: int
    retry_delay: float
    timeout: float | None
    missed: str
    experiment: str
    alerts: list
    retrain_job: str | None
    register_model: str | None
    paused: bool
    next_fire_time: str | None  # UTC
    next_fire_local: str | None  # in the job's time zone
    created_by: str
    created_at: str
    updated_at: str
    changed_by: str = ""  # who scheduled or last changed it; its follow-ups act as them
    secrets: dict = field(default_factory=dict)  # secret parameter -> environment variable read
    validation_id: int | None = None
    kernel_name: str = "python3"
    last_status: str | None = None
    last_run_at: str | None = None
    success_rate: float | None = None  # over the last finished firings (skipped ones left out)
    finished: int = 0
    running: int = 0

    @classmethod
    def of(cls, job, stats: dict | None = None) -> JobInfo:
        from zoneinfo import ZoneInfo

        stats = stats or {}
        local = None
        if job.next_due is not None:
            local = utc(job.next_due).astimezone(ZoneInfo(job.timezone)).isoformat(timespec="seconds")
        return cls(
            name=job.name,
            notebook=job.notebook,
            notebook_version=job.notebook_version,
            cron=job.cron,
            timezone=job.timezone,
            parameters=dict(job.parameters or {}),
            retries=job.retries,
            retry_delay=job.retry_delay,
            timeout=job.timeout,
            missed=job.missed,
            experiment=job.experiment,
            alerts=shown_alerts(job.alerts),
            retrain_job=job.retrain_job,
            register_model=job.register_model,
            paused=job.paused,
            next_fire_time=iso(job.next_due) if not job.paused else None,
            next_fire_local=local if not job.paused else None,
            created_by=job.created_by,
            created_at=iso(job.created_at),
            updated_at=iso(job.updated_at),
            changed_by=job.changed_by or job.created_by,
            secrets=dict(job.secret_env or {}),
            validation_id=job.validation_id,
            kernel_name=job.kernel_name,
            **stats,
        )

    def to_dict(self) -> dict:
        return asdict(self)
