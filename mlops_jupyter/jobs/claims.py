"""Claiming a firing so it runs exactly once, however many schedulers share the store.

Claiming a due firing is one transaction that moves the job's ``next_due`` forward only if it
still holds the value the scheduler read (compare-and-set) and inserts the firing's row, unique
on ``(job, scheduled_time, attempt)``, *before* the notebook starts. A second scheduler loses on
either and moves on. Queued runs (run-now, retries) are claimed with a conditional UPDATE from
``queued``/``waiting`` to ``running``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from .. import db
from ..db.job_tables import PENDING, RUNNING, SKIPPED, Job, JobRun
from . import cron
from .changes import counter

log = logging.getLogger(__name__)


def due_jobs(url: str, now: datetime, limit: int) -> list:
    """``(id, next_due, cron, timezone, missed)`` of the jobs due by ``now``, earliest first."""
    from sqlalchemy import select

    with db.session(url) as s:
        return s.execute(
            select(Job.id, Job.next_due, Job.cron, Job.timezone, Job.missed)
            .where(Job.paused.is_(False), Job.next_due.is_not(None), Job.next_due <= now)
            .order_by(Job.next_due)
            .limit(limit)
        ).all()


def claim_firing(
    url: str, owner: str, grace: timedelta, job_id, due, expression, tz, missed, now
) -> int | None:
    """Claim the firing of ``job_id`` due at ``due`` for ``owner``; None if another scheduler has it.

    Firings missed for longer than ``grace`` are run once (policy catch-up) or skipped.
    """
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    schedule = cron.Schedule.parse(expression, tz)
    latest = schedule.latest_at_or_before(now) or due
    latest = max(latest, due)
    new_next = schedule.next_after(max(now, latest))
    later = schedule.between(due, latest, limit=10_000) if latest > due else []
    count = 1 + len(later)  # due times in [due, latest]
    on_time = now - latest <= grace
    note = None
    if count > 1 or not on_time:
        skipped = count - 1 if on_time else count
        if skipped:
            more = "+" if len(later) >= 10_000 else ""
            note = (
                f"{skipped}{more} firing(s) due from {_local(due, tz)} to {_local(latest, tz)} "
                f"were missed (no scheduler ran them within {grace.total_seconds():g} s)"
            )
    if on_time:
        status, trigger = RUNNING, "schedule"
        if note:
            note += "; ran the latest"
    else:
        assert note is not None  # not on time: at least one firing was missed, and the note says so
        if missed == "catch-up":
            status, trigger = RUNNING, "catch-up"
            note += "; policy catch-up: ran once for them"
        else:
            status, trigger = SKIPPED, "schedule"
            note += "; policy skip: not run"
    try:
        with db.session(url) as s:
            # Compare-and-set first: the write lock is taken before anything is read.
            moved = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.next_due == due, Job.paused.is_(False))
                .values(next_due=new_next)
            ).rowcount
            if moved != 1:
                return None
            firing = JobRun(
                job_id=job_id,
                scheduled_time=latest,
                attempt=1,
                trigger=trigger,
                status=status,
                owner=owner if status == RUNNING else None,
                created_at=now,
                started_at=now if status == RUNNING else None,
                ended_at=now if status == SKIPPED else None,
                note=note,
            )
            s.add(firing)
            s.flush()
            firing_id = firing.id
    except IntegrityError:
        return None  # another scheduler inserted this firing first
    if note:
        log.info("job %s: %s", job_id, note)
    return firing_id if status == RUNNING else None


def pending(url: str, now: datetime, limit: int) -> list[int]:
    """Queued firings and retries whose time has come, oldest first."""
    from sqlalchemy import select

    with db.session(url) as s:
        return (
            s.execute(
                select(JobRun.id)
                .where(JobRun.status.in_(PENDING), JobRun.not_before <= now)
                .order_by(JobRun.not_before)
                .limit(limit)
            )
            .scalars()
            .all()
        )


def claim_pending(url: str, owner: str, firing_id: int) -> bool:
    """Take a queued firing for ``owner``; False if another scheduler took it first."""
    from sqlalchemy import update

    with db.session(url) as s:
        taken = s.execute(
            update(JobRun)
            .where(JobRun.id == firing_id, JobRun.status.in_(PENDING))
            .values(status=RUNNING, owner=owner, started_at=cron.now())
        ).rowcount
    return taken == 1


def next_due(url: str) -> tuple[int | None, datetime | None]:
    """The change counter, and the earliest time a job or a queued firing is due."""
    from sqlalchemy import func, select

    with db.session(url) as s:
        changes = counter(s)
        due = s.execute(
            select(func.min(Job.next_due)).where(Job.paused.is_(False), Job.next_due.is_not(None))
        ).scalar()
        waiting = s.execute(select(func.min(JobRun.not_before)).where(JobRun.status.in_(PENDING))).scalar()
    times = [cron.utc(t) for t in (due, waiting) if t is not None]
    return changes, (min(times) if times else None)


def _local(t: datetime, tz: str) -> str:
    return cron.utc(t).astimezone(cron.zone(tz)).isoformat(timespec="seconds")
