"""Running a claimed firing: its notebook through the executor, then how it ended recorded,
its retry queued, alerts sent and follow-ups (retraining, a challenger) started."""

from __future__ import annotations

import logging
import threading

from .. import db
from ..db.job_tables import BAD, CHECKS_FAILED, ENDED, FAILED, RUNNING, SKIPPED, SUCCEEDED, Job, JobRun
from . import cron, runner
from .changes import queue_run
from .queries import find_job
from .retries import queue_retry

log = logging.getLogger(__name__)


class Execution:
    """Runs and records the firings one scheduler (``owner``) claimed, in the store at ``url``."""

    def __init__(self, url: str, owner: str, wake: threading.Event):
        self.url = url
        self.owner = owner
        self.wake = wake  # set when a retry or a triggered job is queued
        self.factories = runner.Factories()

    def run(self, firing_id: int, executor) -> None:
        """Run the claimed firing ``firing_id`` to its end; never raises."""
        job = firing = None
        try:
            job, firing = self._load(firing_id)
            if job is None:
                return
            try:
                step = runner.prepare(job, firing, self.factories)
            except Exception as exc:  # noqa: BLE001 - e.g. the tracking store is unreachable
                self.conclude(job, firing, runner.Outcome(FAILED, error=f"could not start: {exc}"))
                return
            self._set(firing_id, run_id=step.run_id, output_path=step.output_path)
            result = runner.execute(job, step, executor)
            self.conclude(job, firing, result)
        except Exception:
            log.exception("firing %s failed in the scheduler", firing_id)
            if job is not None and firing is not None:
                try:
                    self.conclude(
                        job, firing, runner.Outcome(FAILED, error="internal scheduler error (see its log)")
                    )
                except Exception:
                    log.exception("could not record firing %s", firing_id)

    def _load(self, firing_id: int):
        with db.session(self.url) as s:
            firing = s.get(JobRun, firing_id)
            job = s.get(Job, firing.job_id) if firing is not None else None
            if job is None:
                return None, None
            s.expunge(job)
            s.expunge(firing)
            return job, firing

    def _set(self, firing_id: int, **values) -> None:
        from sqlalchemy import update

        with db.session(self.url) as s:
            mine = JobRun.id == firing_id, JobRun.owner == self.owner
            s.execute(update(JobRun).where(*mine).values(**values))

    def conclude(self, job, firing, outcome: runner.Outcome, owner: str | None = None) -> None:
        """Record how a firing ended, queue its retry, send alerts, start follow-ups."""
        from sqlalchemy import update

        owner = owner or self.owner
        now = cron.now()
        with db.session(self.url) as s:
            values = {"status": outcome.status, "ended_at": now, "error": outcome.error}
            for key in ("run_id", "output_path", "kernel_started_at"):
                if getattr(outcome, key) is not None:
                    values[key] = getattr(outcome, key)
            ended = s.execute(
                update(JobRun)
                .where(JobRun.id == firing.id, JobRun.owner == owner, JobRun.status == RUNNING)
                .values(**values)
            ).rowcount
            if ended != 1:
                log.warning(
                    "firing %s of job %s was concluded elsewhere; keeping that record", firing.id, job.name
                )
                return
            retry_at = queue_retry(s, job, firing, outcome, now)
        log.info(
            "job %s firing %s attempt %s: %s%s",
            job.name,
            firing.id,
            firing.attempt,
            outcome.status,
            f" ({outcome.error})" if outcome.error else "",
        )
        if retry_at is not None:
            self.wake.set()
            return  # not final: no alert until the retries are used up
        notes = []
        event = self._alert_event(job, firing, outcome)
        if event is not None:
            from . import alerts

            sent = alerts.send(event, job.alerts)
            if sent:
                self._set_any(firing.id, alerts=sent)
        if outcome.status == CHECKS_FAILED and job.retrain_job:
            notes.append(self._trigger(job, firing))
        if outcome.status == SUCCEEDED and job.register_model and outcome.run_id:
            from .followups import register_challenger

            notes.append(register_challenger(job, outcome.run_id))
        if notes:
            self._add_note(firing.id, notes)

    def _alert_event(self, job, firing, outcome: runner.Outcome) -> dict | None:
        if outcome.status in BAD:
            kind = "failure"
        elif outcome.status == SUCCEEDED and self._was_failing(job.id, firing.id):
            kind = "recovery"
        else:
            return None
        from .responses import iso

        return {
            "event": kind,
            "job": job.name,
            "status": outcome.status,
            "error": outcome.error,
            "scheduled_time": iso(firing.scheduled_time),
            "attempt": firing.attempt,
            "trigger": firing.trigger,
            "firing": firing.id,
            "run_id": outcome.run_id,
            "output_path": outcome.output_path,
            "checks": outcome.checks,
            "notebook": job.notebook,
            "notebook_version": job.notebook_version,
            "history": f"mlops job history {job.name}",
        }

    def _was_failing(self, job_id: int, firing_id: int) -> bool:
        """Whether the job's last final outcome before this firing was a failure."""
        from sqlalchemy import select

        with db.session(self.url) as s:
            rows = s.execute(
                select(JobRun.scheduled_time, JobRun.attempt, JobRun.status)
                .where(
                    JobRun.job_id == job_id,
                    JobRun.id != firing_id,
                    JobRun.status.in_(ENDED),
                    JobRun.status != SKIPPED,
                )
                .order_by(JobRun.id.desc())
                .limit(20)
            ).all()
        retried = {(cron.utc(t), a - 1) for t, a, _ in rows if a > 1}
        for t, attempt, status in rows:
            if status == SUCCEEDED:
                return False
            if status in BAD and (cron.utc(t), attempt) not in retried:
                return True
        return False

    def _trigger(self, job, firing) -> str:
        try:
            with db.session(self.url) as s:
                target = find_job(s, job.retrain_job)
                queued = queue_run(s, target, "triggered", f"job:{job.name}")
                queued_id = queued.id
            self.wake.set()
            return f"started job {job.retrain_job} (firing {queued_id}) because checks failed"
        except Exception as exc:  # noqa: BLE001 - e.g. the retraining job was deleted
            return f"could not start job {job.retrain_job}: {exc}"

    def _set_any(self, firing_id: int, **values) -> None:
        from sqlalchemy import update

        with db.session(self.url) as s:
            s.execute(update(JobRun).where(JobRun.id == firing_id).values(**values))

    def _add_note(self, firing_id: int, notes: list[str]) -> None:
        with db.session(self.url) as s:
            row = s.get(JobRun, firing_id)
            if row is not None:
                row.note = "; ".join([n for n in [row.note, *notes] if n])[:4000]
