"""The scheduler: fires due jobs on time, exactly once, however many schedulers share the store.

    scheduler = Scheduler(workers=2)
    scheduler.run()            # until stop(); `mlops scheduler` and the Jupyter server call this

How it stays on time without burning CPU: it reads the earliest due time (one indexed query),
sleeps until then, and wakes early only when a job changes (a one-row counter it reads every
``poll`` seconds) or a slot frees. Kernels are started ahead of need by the pipeline executor's
pool, so a firing starts its notebook a fraction of a second after its due time.

How it runs each firing exactly once: see :mod:`.claims` (compare-and-set on the due time, a
unique firing row inserted before the notebook starts). How nothing stays "running" forever:
every scheduler beats a heartbeat row (:mod:`.presence`), and any scheduler fails or retries the
firings of one that stopped (:mod:`.orphans`). Running a firing and recording how it ended is
:mod:`.execution`.
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
from typing import TYPE_CHECKING

from .. import config, db
from ..db.job_tables import FAILED
from ..errors import BadInput, Unavailable
from ..masking import masked
from . import claims, cron, orphans, presence, runner
from .changes import counter
from .execution import Execution

if TYPE_CHECKING:
    from ..pipelines.executors import Executor

log = logging.getLogger(__name__)


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
        self.executor: Executor | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._active: set[int] = set()
        self._runners = ThreadPoolExecutor(self.workers, thread_name_prefix="mlops-job")
        self._execution = Execution(self.url, self.id, self._wake)
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
        presence.register(self.url, self.id, self.workers)
        heart = threading.Thread(target=self._heartbeat, name="mlops-heartbeat", daemon=True)
        heart.start()
        log.info("scheduler %s started: %d worker(s), store %s", self.id, self.workers, masked(self.url))
        self.started.set()
        try:
            while not self._stop.is_set():
                wake_at = self._tick()
                self._sleep_until(wake_at)
        finally:
            self._runners.shutdown(wait=True)
            self.executor.shutdown()
            presence.unregister(self.url, self.id)
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
        try:
            with db.session(self.url) as s:
                now = counter(s)
        except Exception:  # noqa: BLE001 - a locked store: the next pass says so
            return False
        changed = self._counter is not None and now != self._counter
        self._counter = now
        return changed

    def _next_wake(self) -> datetime | None:
        if self._free() <= 0:
            return None  # a finishing firing sets _wake
        self._counter, wake_at = claims.next_due(self.url)
        return wake_at

    # -- claiming --------------------------------------------------------------------------

    def _free(self) -> int:
        with self._lock:
            return self.workers - len(self._active)

    def _claim_due(self, now: datetime) -> int:
        free = self._free()
        if free <= 0:
            return 0
        due = claims.due_jobs(self.url, now, free * 4)
        claimed = 0
        for job_id, next_due, expression, tz, missed in due:
            if self._stop.is_set() or self._free() <= 0:
                break
            try:
                firing = self._claim_firing(job_id, cron.utc(next_due), expression, tz, missed, now)
            except Exception:
                log.exception("could not claim the firing of job %s due at %s", job_id, next_due)
                continue
            claimed += 1  # claimed, skipped per policy, or taken by another scheduler: it moved on
            if firing is not None:
                self._start(firing)
        return claimed

    def _claim_firing(self, job_id, due, expression, tz, missed, now) -> int | None:
        """Claim the firing of ``job_id`` due at ``due``; None if another scheduler has it."""
        return claims.claim_firing(self.url, self.id, self.grace, job_id, due, expression, tz, missed, now)

    def _claim_pending(self, now: datetime) -> int:
        free = self._free()
        if free <= 0:
            return 0
        ids = claims.pending(self.url, now, free)
        for firing_id in ids:
            if claims.claim_pending(self.url, self.id, firing_id):
                self._start(firing_id)
        return len(ids)

    def _start(self, firing_id: int) -> None:
        with self._lock:
            self._active.add(firing_id)
        self._runners.submit(self._run_firing, firing_id)

    def _run_firing(self, firing_id: int) -> None:
        try:
            self._execution.run(firing_id, self.executor)
        finally:
            with self._lock:
                self._active.discard(firing_id)
            self._wake.set()

    # -- orphans and presence --------------------------------------------------------------

    def recover(self) -> int:
        """Fail (or retry) running firings whose scheduler stopped; returns how many."""
        found = orphans.find(self.url, self.id, self.lease)
        for job, firing, owner in found:
            reason = (
                f"the scheduler running it ({owner or 'unknown'}) stopped before it ended; "
                "its kernel went with it"
            )
            runner.mark_run_failed(firing.run_id, reason)
            self._execution.conclude(
                job, firing, runner.Outcome(FAILED, error=reason, run_id=firing.run_id), owner=owner
            )
        return len(found)

    def _heartbeat(self) -> None:
        interval = max(0.5, self.lease / 3)
        while not self._stop.wait(interval):
            try:
                if not presence.beat(self.url, self.id):  # taken for dead while the store was locked
                    presence.register(self.url, self.id, self.workers)
            except Exception as exc:  # noqa: BLE001 - a locked store: beat again next time
                log.warning("heartbeat failed: %s", exc)

    def _warm_up(self) -> None:
        """Import and build what the first firing would otherwise pay for (seconds, once)."""
        import nbformat
        import papermill  # noqa: F401

        from ..pipelines import papermill_engine  # noqa: F401
        from ..tracking import mlflow_store

        nbformat.validate(nbformat.v4.new_notebook())
        try:
            mlflow_store.client()
        except Unavailable as exc:  # a tracking server that is down now may be back by the first firing
            log.warning("%s", exc)
