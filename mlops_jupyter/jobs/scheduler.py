"""The scheduler: fires due jobs on time, exactly once, however many schedulers share the store.

    scheduler = Scheduler(workers=2)
    scheduler.run()            # until stop(); `mlops scheduler` and the Jupyter server call this

How it stays on time without burning CPU: it reads the earliest due time (one indexed query),
sleeps until then, and wakes early only when a job changes (a one-row counter it reads every
``poll`` seconds) or a slot frees. Kernels are started ahead of need by the pipeline executor's
pool, so a firing starts its notebook a fraction of a second after its due time.

How it runs each firing exactly once: claiming a firing is one transaction that moves the job's
``next_due`` forward only if it still holds the value this scheduler read (compare-and-set) and
inserts the firing's row, unique on ``(job, scheduled_time, attempt)``, *before* the notebook
starts. A second scheduler loses on either and moves on. Queued runs (run-now, retries) are
claimed with a conditional UPDATE from ``queued``/``waiting`` to ``running``.

How nothing stays "running" forever: every scheduler beats a heartbeat row. A running firing
whose owner has not beaten within ``lease`` seconds (or, on this host, whose process is gone) is
an orphan: any scheduler marks it failed, ends its MLflow run FAILED, and retries it if the job
has retries left.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from .. import config, db
from ..errors import BadInput, Unavailable
from . import cron, runner
from .orm import (
    BAD,
    CHECKS_FAILED,
    ENDED,
    FAILED,
    PENDING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    TIMEOUT,
    WAITING,
    Job,
    JobChanges,
    JobRun,
    JobScheduler,
)

log = logging.getLogger(__name__)
RETRYABLE = (FAILED, TIMEOUT)


def _check_range(option: str, value, low: float, high: float, whole: bool = False) -> None:
    """Refuse an option out of range (``poll=0`` would spin a core, ``workers=0`` run nothing)."""
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        kind = "a whole number" if whole else "a number"
        raise BadInput(f"{option} must be {kind} from {low:g} to {high:g}, got {value!r}", None)


class Scheduler:
    """Fires the jobs of one job store; see the module docstring."""

    def __init__(
        self,
        *,
        workers: int = 2,
        poll: float = 0.5,
        lease: float = 30.0,
        grace: float = 60.0,
        kernels: str = "spawn",
        url: str | None = None,
    ):
        _check_range("workers", workers, 1, 64, whole=True)
        _check_range("poll", poll, 0.05, 3600)
        _check_range("lease", lease, 1, 86400)
        _check_range("grace", grace, 0, 7 * 86400)
        if kernels not in ("spawn", "fork"):
            raise BadInput(f"kernels={kernels!r} is not a way to start kernels", "Accepted: spawn, fork.")
        self.workers = workers
        self.poll = poll
        self.lease = lease
        self.grace = timedelta(seconds=grace)
        self.kernels = kernels
        self.url = url or config.jobs_url()
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.executor = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._active: set[int] = set()
        self._runners = ThreadPoolExecutor(self.workers, thread_name_prefix="mlops-job")
        self._factories = runner.Factories()
        self._counter: int | None = None
        self._next_recovery = 0.0
        self._thread: threading.Thread | None = None
        self.started = threading.Event()
        self.stopped = threading.Event()

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> Scheduler:
        """Run in a background thread (inside the Jupyter server); returns once it is ready."""
        self._thread = threading.Thread(target=self.run, name="mlops-scheduler", daemon=True)
        self._thread.start()
        self.started.wait(120)
        return self

    def stop(self, wait: bool = True) -> None:
        """Stop claiming; with ``wait``, let running firings end and record them first."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and wait:
            self._thread.join()

    def run(self) -> None:
        """Fire jobs until :meth:`stop` is called."""
        from ..pipelines.executors import make_executor

        self.executor = make_executor("local", workers=self.workers, kernels=self.kernels)
        self._warm_up()
        self._register()
        heart = threading.Thread(target=self._heartbeat, name="mlops-heartbeat", daemon=True)
        heart.start()
        log.info("scheduler %s started: %d worker(s), store %s", self.id, self.workers, _safe(self.url))
        self.started.set()
        try:
            while not self._stop.is_set():
                wake_at = self._tick()
                self._sleep_until(wake_at)
        finally:
            self._runners.shutdown(wait=True)
            self.executor.shutdown()
            self._unregister()
            self.stopped.set()
            log.info("scheduler %s stopped", self.id)

    def _tick(self) -> datetime | None:
        """One pass: recover orphans, claim what is due; returns when to look again."""
        try:
            if time.monotonic() >= self._next_recovery:
                self.recover()
                self._next_recovery = time.monotonic() + max(1.0, self.lease / 3)
            now = cron.now()
            claimed = self._claim_pending(now) + self._claim_due(now)
            wake_at = self._next_wake()
            if wake_at is not None and wake_at <= now and not claimed:
                # Due but nothing could be claimed (e.g. a job whose firing keeps failing to
                # claim): look again after a poll interval rather than spin.
                return now + timedelta(seconds=self.poll)
            return wake_at
        except Exception as exc:  # noqa: BLE001 - a locked or unreachable store: wait and try again
            log.warning("scheduler pass failed (%s: %s); retrying in a moment", type(exc).__name__, exc)
            return cron.now() + timedelta(seconds=1)

    # -- waiting ---------------------------------------------------------------------------

    def _sleep_until(self, wake_at: datetime | None) -> None:
        while not self._stop.is_set():
            remaining = (wake_at - cron.now()).total_seconds() if wake_at else float("inf")
            remaining = min(remaining, self._next_recovery - time.monotonic())
            if remaining <= 0:
                return
            if self._wake.wait(min(remaining, self.poll)):
                self._wake.clear()
                return
            if self._changed():
                return

    def _changed(self) -> bool:
        """Whether any job changed since we last looked (one-row read; cheap enough to poll)."""
        from sqlalchemy import select

        try:
            with db.session(self.url) as s:
                counter = s.execute(select(JobChanges.counter).where(JobChanges.id == 1)).scalar()
        except Exception:  # noqa: BLE001 - a locked store: the next pass says so
            return False
        changed = self._counter is not None and counter != self._counter
        self._counter = counter
        return changed

    def _next_wake(self) -> datetime | None:
        from sqlalchemy import func, select

        if self._free() <= 0:
            return None  # a finishing firing sets _wake
        with db.session(self.url) as s:
            self._counter = s.execute(select(JobChanges.counter).where(JobChanges.id == 1)).scalar()
            due = s.execute(
                select(func.min(Job.next_due)).where(Job.paused.is_(False), Job.next_due.is_not(None))
            ).scalar()
            pending = s.execute(
                select(func.min(JobRun.not_before)).where(JobRun.status.in_(PENDING))
            ).scalar()
        times = [cron.utc(t) for t in (due, pending) if t is not None]
        return min(times) if times else None

    # -- claiming --------------------------------------------------------------------------

    def _free(self) -> int:
        with self._lock:
            return self.workers - len(self._active)

    def _claim_due(self, now: datetime) -> int:
        from sqlalchemy import select

        free = self._free()
        if free <= 0:
            return 0
        with db.session(self.url) as s:
            due = s.execute(
                select(Job.id, Job.next_due, Job.cron, Job.timezone, Job.missed)
                .where(Job.paused.is_(False), Job.next_due.is_not(None), Job.next_due <= now)
                .order_by(Job.next_due)
                .limit(free * 4)
            ).all()
        claimed = 0
        for job_id, next_due, expression, tz, missed in due:
            if self._stop.is_set() or self._free() <= 0:
                break
            try:
                firing = self._claim_firing(job_id, cron.utc(next_due), expression, tz, missed, now)
            except Exception:  # noqa: BLE001 - one broken job must not hold up the others
                log.exception("could not claim the firing of job %s due at %s", job_id, next_due)
                continue
            claimed += 1  # claimed, skipped per policy, or taken by another scheduler: it moved on
            if firing is not None:
                self._start(firing)
        return claimed

    def _claim_firing(self, job_id, due, expression, tz, missed, now) -> int | None:
        """Claim the firing of ``job_id`` due at ``due``; None if another scheduler has it."""
        from sqlalchemy import update
        from sqlalchemy.exc import IntegrityError

        schedule = cron.Schedule.parse(expression, tz)
        latest = schedule.latest_at_or_before(now) or due
        latest = max(latest, due)
        new_next = schedule.next_after(max(now, latest))
        later = schedule.between(due, latest, limit=10_000) if latest > due else []
        count = 1 + len(later)  # due times in [due, latest]
        on_time = now - latest <= self.grace
        note = None
        if count > 1 or not on_time:
            skipped = count - 1 if on_time else count
            if skipped:
                more = "+" if len(later) >= 10_000 else ""
                note = (
                    f"{skipped}{more} firing(s) due from {_local(due, tz)} to {_local(latest, tz)} were missed "
                    f"(no scheduler ran them within {self.grace.total_seconds():g} s)"
                )
        if on_time:
            status, trigger = RUNNING, "schedule"
            if note:
                note += "; ran the latest"
        elif missed == "catch-up":
            status, trigger = RUNNING, "catch-up"
            note += "; policy catch-up: ran once for them"
        else:
            status, trigger = SKIPPED, "schedule"
            note += "; policy skip: not run"
        try:
            with db.session(self.url) as s:
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
                    owner=self.id if status == RUNNING else None,
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

    def _claim_pending(self, now: datetime) -> int:
        from sqlalchemy import select, update

        free = self._free()
        if free <= 0:
            return 0
        with db.session(self.url) as s:
            ids = (
                s.execute(
                    select(JobRun.id)
                    .where(JobRun.status.in_(PENDING), JobRun.not_before <= now)
                    .order_by(JobRun.not_before)
                    .limit(free)
                )
                .scalars()
                .all()
            )
        for firing_id in ids:
            with db.session(self.url) as s:
                taken = s.execute(
                    update(JobRun)
                    .where(JobRun.id == firing_id, JobRun.status.in_(PENDING))
                    .values(status=RUNNING, owner=self.id, started_at=cron.now())
                ).rowcount
            if taken == 1:
                self._start(firing_id)
        return len(ids)

    def _start(self, firing_id: int) -> None:
        with self._lock:
            self._active.add(firing_id)
        self._runners.submit(self._run_firing, firing_id)

    # -- running ---------------------------------------------------------------------------

    def _run_firing(self, firing_id: int) -> None:
        job = firing = None
        try:
            job, firing = self._load(firing_id)
            if job is None:
                return
            try:
                step = runner.prepare(job, firing, self._factories)
            except Exception as exc:  # noqa: BLE001 - e.g. the tracking store is unreachable
                self._conclude(job, firing, runner.Outcome(FAILED, error=f"could not start: {exc}"))
                return
            self._set(firing_id, run_id=step.run_id, output_path=step.output_path)
            result = runner.execute(job, step, self.executor)
            self._conclude(job, firing, result)
        except Exception:  # noqa: BLE001 - never lose a firing silently
            log.exception("firing %s failed in the scheduler", firing_id)
            if job is not None and firing is not None:
                try:
                    self._conclude(
                        job, firing, runner.Outcome(FAILED, error="internal scheduler error (see its log)")
                    )
                except Exception:  # noqa: BLE001
                    log.exception("could not record firing %s", firing_id)
        finally:
            with self._lock:
                self._active.discard(firing_id)
            self._wake.set()

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
            s.execute(update(JobRun).where(JobRun.id == firing_id, JobRun.owner == self.id).values(**values))

    def _conclude(self, job, firing, outcome: runner.Outcome, owner: str | None = None) -> None:
        """Record how a firing ended, queue its retry, send alerts, start follow-ups."""
        from sqlalchemy import update

        owner = owner or self.id
        now = cron.now()
        retry_at = None
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
            if outcome.status in RETRYABLE and firing.attempt <= job.retries:
                from .api import bump_changes, retry_delay

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
                        note=f"retry {firing.attempt} of {job.retries} after: {outcome.error or outcome.status}"[
                            :2000
                        ],
                    )
                )
                bump_changes(s)
        log.info(
            "job %s firing %s attempt %s: %s%s",
            job.name,
            firing.id,
            firing.attempt,
            outcome.status,
            f" ({outcome.error})" if outcome.error else "",
        )
        if retry_at is not None:
            self._wake.set()
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
        from .models import iso

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
        from .api import find_job, queue_run

        try:
            with db.session(self.url) as s:
                target = find_job(s, job.retrain_job)
                queued = queue_run(s, target, "triggered", f"job:{job.name}")
                queued_id = queued.id
            self._wake.set()
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

    # -- orphans ---------------------------------------------------------------------------

    def recover(self) -> int:
        """Fail (or retry) running firings whose scheduler stopped; returns how many."""
        from sqlalchemy import delete, or_, select

        now = cron.now()
        host = socket.gethostname()
        with db.session(self.url) as s:
            beats = s.execute(
                select(JobScheduler.id, JobScheduler.host, JobScheduler.pid, JobScheduler.heartbeat_at)
            ).all()
        live, dead = {self.id}, []
        for sid, shost, pid, beat in beats:
            if sid == self.id:
                continue
            if (shost == host and not _alive(pid)) or now - cron.utc(beat) > timedelta(seconds=self.lease):
                dead.append(sid)
            else:
                live.add(sid)
        with db.session(self.url) as s:
            if dead:
                s.execute(delete(JobScheduler).where(JobScheduler.id.in_(dead)))
            orphans = s.execute(
                select(JobRun.id, JobRun.owner).where(
                    JobRun.status == RUNNING, or_(JobRun.owner.is_(None), JobRun.owner.not_in(live))
                )
            ).all()
        for firing_id, owner in orphans:
            with db.session(self.url) as s:
                firing = s.get(JobRun, firing_id)
                job = s.get(Job, firing.job_id) if firing is not None else None
                if job is None or firing.status != RUNNING:
                    continue
                s.expunge(firing)
                s.expunge(job)
            reason = (
                f"the scheduler running it ({owner or 'unknown'}) stopped before it ended; "
                "its kernel went with it"
            )
            runner.mark_run_failed(firing.run_id, reason)
            self._conclude(
                job, firing, runner.Outcome(FAILED, error=reason, run_id=firing.run_id), owner=owner
            )
        return len(orphans)

    # -- presence --------------------------------------------------------------------------

    def _register(self) -> None:
        now = cron.now()
        with db.session(self.url) as s:
            s.merge(
                JobScheduler(
                    id=self.id,
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    started_at=now,
                    heartbeat_at=now,
                    workers=self.workers,
                )
            )

    def _heartbeat(self) -> None:
        from sqlalchemy import update

        interval = max(0.5, self.lease / 3)
        while not self._stop.wait(interval):
            try:
                with db.session(self.url) as s:
                    beat = s.execute(
                        update(JobScheduler).where(JobScheduler.id == self.id).values(heartbeat_at=cron.now())
                    ).rowcount
                if beat == 0:  # another scheduler took us for dead while the store was locked
                    self._register()
            except Exception as exc:  # noqa: BLE001 - a locked store: beat again next time
                log.warning("heartbeat failed: %s", exc)

    def _unregister(self) -> None:
        from sqlalchemy import delete

        try:
            with db.session(self.url) as s:
                s.execute(delete(JobScheduler).where(JobScheduler.id == self.id))
        except Exception as exc:  # noqa: BLE001
            log.warning("could not unregister scheduler %s: %s", self.id, exc)

    def _warm_up(self) -> None:
        """Import and build what the first firing would otherwise pay for (seconds, once)."""
        import nbformat
        import papermill  # noqa: F401

        from ..pipelines import papermill_engine  # noqa: F401
        from ..tracking import mlflow_store as store

        nbformat.validate(nbformat.v4.new_notebook())
        try:
            store.client()
        except Unavailable as exc:  # a tracking server that is down now may be back by the first firing
            log.warning("%s", exc)


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _local(t: datetime, tz: str) -> str:
    return cron.utc(t).astimezone(cron.zone(tz)).isoformat(timespec="seconds")


def _safe(url: str) -> str:
    """The store URL without a password, for logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url
