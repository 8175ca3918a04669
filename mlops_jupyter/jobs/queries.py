"""Reading the job store: a job by name, and the statistics every job listing shows."""

from __future__ import annotations

from typing import Literal, overload

from ..db.job_tables import ENDED, RUNNING, SKIPPED, SUCCEEDED, Job, JobRun
from ..errors import NotFound
from .responses import iso

STATS_WINDOW = 50  # firings the success rate is computed over


@overload
def find_job(s, name: str, missing_ok: Literal[False] = False) -> Job: ...
@overload
def find_job(s, name: str, missing_ok: bool) -> Job | None: ...
def find_job(s, name: str, missing_ok: bool = False) -> Job | None:
    from sqlalchemy import select

    found = s.execute(select(Job).where(Job.name == name)).scalar_one_or_none()
    if found is None and not missing_ok:
        raise NotFound(f"no job named {name!r}", "`mlops jobs` lists the jobs.")
    return found


def stats(s, job_ids: list[int]) -> dict[int, dict]:
    """Last status, last run time, success rate and running count of each job."""
    from sqlalchemy import func, select

    if not job_ids:
        return {}
    out: dict[int, dict] = {i: {"finished": 0, "running": 0} for i in job_ids}
    ranked = (
        select(
            JobRun.job_id,
            JobRun.status,
            JobRun.ended_at,
            func.row_number().over(partition_by=JobRun.job_id, order_by=JobRun.id.desc()).label("n"),
        )
        .where(JobRun.job_id.in_(job_ids), JobRun.status.in_(ENDED), JobRun.status != SKIPPED)
        .subquery()
    )
    rows = s.execute(select(ranked).where(ranked.c.n <= STATS_WINDOW).order_by(ranked.c.job_id, ranked.c.n))
    for job_id, status, ended_at, n in rows:
        entry = out[job_id]
        if n == 1:
            entry["last_status"], entry["last_run_at"] = status, iso(ended_at)
        entry["finished"] += 1
        entry.setdefault("ok", 0)
        entry["ok"] += status == SUCCEEDED
    for job_id, count in s.execute(
        select(JobRun.job_id, func.count())
        .where(JobRun.job_id.in_(job_ids), JobRun.status == RUNNING)
        .group_by(JobRun.job_id)
    ):
        out[job_id]["running"] = count
    for entry in out.values():
        ok = entry.pop("ok", 0)
        entry["success_rate"] = round(ok / entry["finished"], 4) if entry["finished"] else None
    return out
