"""The retry policy: which endings are retried, after how long, as a waiting firing."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..db.job_tables import FAILED, TIMEOUT, WAITING, Job, JobRun
from .changes import bump_changes

RETRYABLE = (FAILED, TIMEOUT)


def retry_delay(job: Job, attempt: int) -> timedelta:
    """Back-off before attempt ``attempt + 1``: the job's delay, doubled each time, at most an hour."""
    return timedelta(seconds=min(3600.0, job.retry_delay * 2 ** max(0, attempt - 1)))


def queue_retry(s, job: Job, firing: JobRun, outcome, now: datetime) -> datetime | None:
    """Queue the next attempt of ``firing`` if its ending is retried and retries are left; when."""
    if outcome.status not in RETRYABLE or firing.attempt > job.retries:
        return None
    retry_at = now + retry_delay(job, firing.attempt)
    s.add(
        JobRun(
            job_id=job.id,
            scheduled_time=firing.scheduled_time,
            attempt=firing.attempt + 1,
            trigger=firing.trigger,
            triggered_by=firing.triggered_by,
            status=WAITING,
            not_before=retry_at,
            created_at=now,
            note=f"retry {firing.attempt} of {job.retries} after: {outcome.error or outcome.status}"[:2000],
        )
    )
    bump_changes(s)
    return retry_at
