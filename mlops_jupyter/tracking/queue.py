"""The background queue that keeps MLflow off a notebook cell's critical path.

Cells put events and go on: each event is appended to this process's write-ahead journal
before the cell returns, so no run is lost once its cell has returned. One daemon thread
imports MLflow (once), replays what dead processes left, and applies the events in order
with a :class:`RunWriter`, marking in the journal what it wrote. ``flush()`` waits until
everything put so far is written; it runs before the next tracked cell, on ``%mlops status``
and at exit. A failure never reaches the cell: it is recorded per run and reported to
listeners (the magic shows it under the cell that produced the run). When the store cannot
be reached, the events wait in the journal and are tried again with the next events, on
``flush()``, or by the next mlops process.
"""

from __future__ import annotations

import atexit
import threading
import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import config
from . import journal, replay

if TYPE_CHECKING:
    from .writer import RunWriter

SETTLE = 0.01  # seconds without new events before the writer starts (see _settle)
# (local id, MLflow id, why the store refused the run, why it is not written yet)
Listener = Callable[[str, str | None, str | None, str | None], None]


class LogQueue:
    def __init__(self, uri: str | None = None):
        self._uri = uri or config.tracking_uri()
        self._events: deque[tuple[dict, int | None]] = deque()  # event, journal offset (None: control)
        self._cond = threading.Condition()
        self._put = 0
        self._done = 0
        self._waiting = 0  # threads inside flush()
        self._writer: RunWriter | None = None
        self._left: list[replay.Item] = []  # journaled events the store could not take yet
        self._why: str | None = None  # why it could not
        self._later: dict[str, list[Listener]] = {}  # listeners of runs not written yet
        self.failed: dict[str, str] = {}  # local run id -> why the store refused it
        self.waiting: dict[str, str] = {}  # local run id -> why it is not written yet
        self.journal = journal.WriteAheadJournal(config.state_dir() / journal.DIRECTORY, self._uri)
        # MLflow's import pulls in concurrent.futures, which registers an exit hook and fails
        # once the interpreter is shutting down: import it now, so a kernel that exits right
        # after its first tracked cell can still write that run from the exit-time flush.
        import concurrent.futures.thread  # noqa: F401

        self._thread = threading.Thread(target=self._loop, name="mlops-tracking", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    @property
    def writer(self) -> RunWriter:
        if self._writer is None:
            from .writer import RunWriter

            self._writer = RunWriter(self._uri)
        return self._writer

    @property
    def errors(self) -> dict[str, str]:
        """Runs not written, and why."""
        return self.failed | {k: f"pending: {v}" for k, v in self.waiting.items()}

    def put(self, event: dict) -> None:
        with self._cond:
            offset = None
            if not event["op"].startswith("_"):
                event, offset = self.journal.append(event)
            self._events.append((event, offset))
            self._put += 1
            if len(self._events) == 1:
                # Only an idle writer needs waking; one that is settling sees it on its own.
                self._cond.notify_all()

    def listen(self, local_id: str, listener: Listener) -> None:
        """Call ``listener`` once the run's events so far are written (or failed), and again
        once a run that could not be written yet is."""
        self.put({"op": "_notify", "run": local_id, "listener": listener})

    def flush(self, timeout: float | None = None, retry: bool = True) -> bool:
        """Wait until every event put so far is applied; False on timeout.

        With ``retry``, events the store could not take before are tried again now.
        """
        with self._cond:
            if retry and self._left and not self._events:
                self._events.append(({"op": "_retry", "run": None}, None))
                self._put += 1
            target = self._put
            self._waiting += 1
            self._cond.notify_all()  # someone waits: the writer skips its settle time
            try:
                return self._cond.wait_for(lambda: self._done >= target, timeout)
            finally:
                self._waiting -= 1

    def close(self, timeout: float = 60) -> None:
        """Write what is pending; once all is written, the journal goes away."""
        self.flush(timeout)
        with self._cond:
            if not self._left and not self._events and self._done == self._put:
                self.journal.close(applied=True)
            # Otherwise it stays, locked until this process ends, then replayed.

    def run_id(self, local_id: str, timeout: float | None = 60) -> str | None:
        """The MLflow id of a run, waiting for its creation."""
        with self._cond:
            self._cond.wait_for(
                lambda: local_id in self.writer_ids()
                or local_id in self.failed
                or local_id in self.waiting
                or self._done >= self._put,
                timeout,
            )
        return self.writer_ids().get(local_id)

    def writer_ids(self) -> dict[str, str]:
        return self._writer.run_ids if self._writer is not None else {}

    @property
    def pending(self) -> int:
        return self._put - self._done + len(self._left)

    def _loop(self) -> None:
        replay.replay_orphans(self._uri)  # never raises
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._events)
                self._settle()
                batch = list(self._events)
                self._events.clear()
            try:
                self._apply(batch)
            except Exception:  # noqa: BLE001 - the writer must outlive any bug, or every flush() would hang
                traceback.print_exc()
            with self._cond:
                self._done += len(batch)
                self._cond.notify_all()

    def _settle(self) -> None:
        """Let the cell that put the events finish before writing (called holding the lock).

        Writing takes the GIL for milliseconds at a time; starting while the cell is still
        running would stall it. Once no event has come for ``SETTLE`` seconds, or someone is
        waiting in :meth:`flush`, the writer goes.
        """
        seen = -1
        while seen != self._put and not self._waiting:
            seen = self._put
            self._cond.wait(SETTLE)

    def _apply(self, batch: list[tuple[dict, int | None]]) -> None:
        # Events the store could not take before go first, in their order.
        items, self._left = [*self._left, *batch], []
        journaled: list[replay.Item] = []
        for event, offset in items:
            if offset is not None:
                journaled.append((event, offset))
                continue
            self._write(journaled)
            journaled = []
            if event["op"] == "_notify":
                self._notify(event["run"], event["listener"])
        self._write(journaled)

    def _write(self, items: list[replay.Item]) -> None:
        if not items:
            return
        if self._left:  # the store is unreachable: keep the order, try later
            self._left += items
        else:
            self._left, why = replay.apply_in_order(
                self.writer, items, self.journal.mark, self.failed, self._written
            )
            self._why = why or self._why
        for event, _ in self._left:
            self.waiting[event["run"]] = self._why or "the tracking store cannot be reached"

    def _written(self, local_id: str) -> None:
        self.waiting.pop(local_id, None)
        for listener in self._later.pop(local_id, []):
            self._call(listener, local_id)

    def _notify(self, local_id: str, listener: Listener) -> None:
        if local_id in self.waiting:
            self._later.setdefault(local_id, []).append(listener)
        self._call(listener, local_id)

    def _call(self, listener: Listener, local_id: str) -> None:
        try:
            listener(
                local_id,
                self.writer_ids().get(local_id),
                self.failed.get(local_id),
                self.waiting.get(local_id),
            )
        except Exception:  # noqa: BLE001 - a broken display must not stop tracking
            traceback.print_exc()


_queue: LogQueue | None = None
_queue_lock = threading.Lock()


def get_queue() -> LogQueue:
    """The process-wide queue for the configured tracking URI."""
    global _queue
    uri = config.tracking_uri()
    with _queue_lock:
        if _queue is None or _queue._uri != uri:
            if _queue is not None:
                _queue.close()
            _queue = LogQueue(uri)
        return _queue
