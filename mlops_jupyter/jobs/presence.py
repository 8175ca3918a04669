"""The live schedulers: each scheduler process keeps a row with its heartbeat while it runs."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from .. import db
from ..db.job_tables import JobScheduler
from . import cron

log = logging.getLogger(__name__)


def register(url: str, scheduler_id: str, workers: int) -> None:
    """Add (or renew) this process's row."""
    now = cron.now()
    with db.session(url) as s:
        s.merge(
            JobScheduler(
                id=scheduler_id,
                host=socket.gethostname(),
                pid=os.getpid(),
                started_at=now,
                heartbeat_at=now,
                workers=workers,
            )
        )


def beat(url: str, scheduler_id: str) -> bool:
    """Renew the heartbeat; False if the row is gone (another scheduler took us for dead)."""
    from sqlalchemy import update

    with db.session(url) as s:
        return (
            s.execute(
                update(JobScheduler).where(JobScheduler.id == scheduler_id).values(heartbeat_at=cron.now())
            ).rowcount
            != 0
        )


def unregister(url: str, scheduler_id: str) -> None:
    from sqlalchemy import delete

    try:
        with db.session(url) as s:
            s.execute(delete(JobScheduler).where(JobScheduler.id == scheduler_id))
    except Exception as exc:  # noqa: BLE001
        log.warning("could not unregister scheduler %s: %s", scheduler_id, exc)


def schedulers(url: str | None = None, lease: float = 30.0) -> list[dict]:
    """Scheduler processes that beat within ``lease`` seconds."""
    from sqlalchemy import select

    now = cron.now()
    with db.session(url) as s:
        rows = s.execute(select(JobScheduler)).scalars().all()
        return [
            {
                "id": r.id,
                "host": r.host,
                "pid": r.pid,
                "workers": r.workers,
                "started_at": r.started_at.isoformat(),
                "heartbeat_age_s": round((now - cron.utc(r.heartbeat_at)).total_seconds(), 1),
            }
            for r in rows
            if now - cron.utc(r.heartbeat_at) <= timedelta(seconds=lease)
        ]
