"""The change counter: every change to a job bumps it, so a sleeping scheduler notices at once.

A scheduler reads the one-row counter every ``poll`` seconds instead of re-scanning the jobs.
"""

from __future__ import annotations

from ..db.job_tables import QUEUED, Job, JobChanges, JobRun
from . import cron


def bump_changes(s) -> None:
    """Count one change (in ``s``'s transaction)."""
    from sqlalchemy import update

    s.execute(update(JobChanges).where(JobChanges.id == 1).values(counter=JobChanges.counter + 1))


def counter(s) -> int | None:
    """The change counter as it stands."""
    from sqlalchemy import select

    return s.execute(select(JobChanges.counter).where(JobChanges.id == 1)).scalar()


def queue_run(s, job: Job, trigger: str, triggered_by: str) -> JobRun:
    """Insert a queued firing of ``job`` (in ``s``'s transaction) and wake the schedulers."""
    now = cron.now()
    firing = JobRun(
        job_id=job.id,
        scheduled_time=now,
        attempt=1,
        trigger=trigger,
        triggered_by=triggered_by,
        status=QUEUED,
        not_before=now,
        created_at=now,
    )
    s.add(firing)
    s.flush()
    bump_changes(s)
    return firing
