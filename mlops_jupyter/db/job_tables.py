"""Tables of the job store (Alembic revision 0003), in the mlops database beside the audit log.

- ``jobs``: one production job, with the exact notebook text it runs (the validated snapshot)
  and its next due time, so a scheduler finds the next firing with one indexed query.
- ``job_runs``: one row per attempt of a firing. ``(job_id, scheduled_time, attempt)`` is
  unique: a scheduler inserts the row *before* it starts the notebook, so two schedulers that
  both see a firing due can never both run it; the second insert fails.
- ``job_schedulers``: the live scheduler processes and their heartbeats. A running firing
  whose owner stopped beating is an orphan, and any scheduler marks it failed (or retries it).
- ``job_changes``: a one-row counter bumped by every change to a job, so a sleeping scheduler
  notices a new job or a run-now request with one cheap query instead of a re-scan.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, utcnow

# job_runs.status
QUEUED = "queued"  # run-now: waiting for a scheduler with a free slot
WAITING = "waiting"  # a retry, waiting for its back-off to pass
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
TIMEOUT = "timeout"
CHECKS_FAILED = "checks_failed"  # the notebook ran, but one of its checks (e.g. "no drift") failed
SKIPPED = "skipped"  # missed while no scheduler ran, and the job's policy is skip
PENDING = (QUEUED, WAITING)
ENDED = (SUCCEEDED, FAILED, TIMEOUT, CHECKS_FAILED, SKIPPED)
BAD = (FAILED, TIMEOUT, CHECKS_FAILED)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    notebook: Mapped[str] = mapped_column(String(1024))  # as the user named it, relative to the project
    notebook_path: Mapped[str] = mapped_column(String(2048))  # absolute: the kernel's working directory
    notebook_version: Mapped[str] = mapped_column(String(64))
    validation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(Text)  # the pinned, validated notebook text
    kernel_name: Mapped[str] = mapped_column(String(255), default="python3")
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    # secret parameters: name -> the environment variable a firing reads it from (never a value)
    secret_env: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    cron: Mapped[str | None] = mapped_column(String(255), nullable=True)  # None: run only on demand
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    retries: Mapped[int] = mapped_column(Integer, default=0)
    retry_delay: Mapped[float] = mapped_column(Float, default=60.0)  # seconds, doubled per attempt
    timeout: Mapped[float | None] = mapped_column(Float, nullable=True)  # seconds for the whole run
    missed: Mapped[str] = mapped_column(String(16), default="catch-up")
    experiment: Mapped[str] = mapped_column(String(255))
    alerts: Mapped[list] = mapped_column(JSON, default=list)  # [{"kind": "webhook"|"email", "to": ...}]
    retrain_job: Mapped[str | None] = mapped_column(String(128), nullable=True)
    register_model: Mapped[str | None] = mapped_column(String(256), nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(String(255))
    # who scheduled or last changed it: its follow-ups (register, promote) act as that person
    changed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job_id", "scheduled_time", "attempt", name="uq_job_firing"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    scheduled_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | catch-up | manual | triggered
    triggered_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    kernel_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    output_path: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    alerts: Mapped[list | None] = mapped_column(JSON, nullable=True)  # [{"channel", "event", "ok", "error"}]


class JobScheduler(Base):
    __tablename__ = "job_schedulers"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # host:pid:random
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    workers: Mapped[int] = mapped_column(Integer, default=1)


class JobChanges(Base):
    __tablename__ = "job_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, default=0)
