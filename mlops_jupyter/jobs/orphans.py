"""Orphans: running firings whose scheduler stopped.

A running firing whose owner has not beaten within ``lease`` seconds (or, on this host, whose
process is gone) is an orphan: any scheduler marks it failed, ends its MLflow run FAILED, and
retries it if the job has retries left.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from .. import db
from ..db.job_tables import RUNNING, Job, JobRun, JobScheduler
from . import cron


def find(url: str, me: str, lease: float) -> list[tuple]:
    """Forget schedulers that stopped beating; ``(job, firing, owner)`` of each orphan, detached."""
    from sqlalchemy import delete, or_, select

    now = cron.now()
    host = socket.gethostname()
    with db.session(url) as s:
        beats = s.execute(
            select(JobScheduler.id, JobScheduler.host, JobScheduler.pid, JobScheduler.heartbeat_at)
        ).all()
    live, dead = {me}, []
    for sid, shost, pid, beat in beats:
        if sid == me:
            continue
        if (shost == host and not _alive(pid)) or now - cron.utc(beat) > timedelta(seconds=lease):
            dead.append(sid)
        else:
            live.add(sid)
    with db.session(url) as s:
        if dead:
            s.execute(delete(JobScheduler).where(JobScheduler.id.in_(dead)))
        orphans = s.execute(
            select(JobRun.id, JobRun.owner).where(
                JobRun.status == RUNNING, or_(JobRun.owner.is_(None), JobRun.owner.not_in(live))
            )
        ).all()
    found = []
    for firing_id, owner in orphans:
        with db.session(url) as s:
            firing = s.get(JobRun, firing_id)
            job = s.get(Job, firing.job_id) if firing is not None else None
            if job is None or firing.status != RUNNING:
                continue
            s.expunge(firing)
            s.expunge(job)
        found.append((job, firing, owner))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
