"""The background queue that keeps MLflow off a notebook cell's critical path.

Cells put events and go on; one daemon thread imports MLflow (once) and applies them
in order with a :class:`RunWriter`. ``flush()`` waits until everything put so far is
written; it runs before the next tracked cell, on ``%mlops status`` and at exit.
A failure never reaches the cell: it is recorded per run and reported to listeners
(the magic shows it under the cell that produced the run).
"""

from __future__ import annotations

import atexit
import threading
import traceback
from collections import deque
from typing import Callable

SETTLE = 0.01  # seconds without new events before the writer starts (see _settle)
Listener = Callable[[str, str | None, str | None], None]  # (local id, MLflow id, error)


class LogQueue:
    def __init__(self, uri: str | None = None):
        self._uri = uri
        self._events: deque[dict] = deque()
        self._cond = threading.Condition()
        self._put = 0
        self._done = 0
        self._waiting = 0  # threads inside flush()
        self._writer = None
        self._listeners: dict[str, Listener] = {}
        self.errors: dict[str, str] = {}  # local run id -> why tracking failed
        # MLflow's import pulls in concurrent.futures, which registers an exit hook and fails
        # once the interpreter is shutting down: import it now, so a kernel that exits right
        # after its first tracked cell can still write that run from the exit-time flush.
        import concurrent.futures.thread  # noqa: F401

        self._thread = threading.Thread(target=self._loop, name="mlops-tracking", daemon=True)
        self._thread.start()
        atexit.register(self.flush, 60)

    @property
    def writer(self):
        if self._writer is None:
            from .writer import RunWriter

            self._writer = RunWriter(self._uri)
        return self._writer

    def put(self, event: dict) -> None:
        with self._cond:
            self._events.append(event)
            self._put += 1
            if len(self._events) == 1:
                # Only an idle writer needs waking; one that is settling sees it on its own.
                self._cond.notify_all()

    def listen(self, local_id: str, listener: Listener) -> None:
        """Call ``listener`` once the run's events so far are written (or failed)."""
        self.put({"op": "_notify", "run": local_id, "listener": listener})

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every event put so far is applied; False on timeout."""
        with self._cond:
            target = self._put
            self._waiting += 1
            self._cond.notify_all()  # someone waits: the writer skips its settle time
            try:
                return self._cond.wait_for(lambda: self._done >= target, timeout)
            finally:
                self._waiting -= 1

    def run_id(self, local_id: str, timeout: float | None = 60) -> str | None:
        """The MLflow id of a run, waiting for its creation."""
        with self._cond:
            self._cond.wait_for(
                lambda: local_id in self.writer_ids() or local_id in self.errors or self._done >= self._put,
                timeout,
            )
        return self.writer_ids().get(local_id)

    def writer_ids(self) -> dict[str, str]:
        return self._writer.run_ids if self._writer is not None else {}

    @property
    def pending(self) -> int:
        return self._put - self._done

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._events)
                self._settle()
                batch = list(self._events)
                self._events.clear()
            self._apply(batch)
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

    def _apply(self, batch: list[dict]) -> None:
        # Consecutive events of one run are written together; a failure is that run's alone.
        for group in _runs_of(batch):
            local_id = group[0]["run"]
            if group[0]["op"] == "_notify":
                try:
                    group[0]["listener"](local_id, self.writer_ids().get(local_id), self.errors.get(local_id))
                except Exception:  # a broken display must not stop tracking
                    traceback.print_exc()
            elif local_id not in self.errors:
                try:
                    self.writer.apply(group)
                except Exception as exc:  # noqa: BLE001 - reported to the user, never raised in a cell
                    self.errors[local_id] = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300]


def _runs_of(batch: list[dict]) -> list[list[dict]]:
    groups: list[list[dict]] = []
    for event in batch:
        if (
            groups
            and event["op"] != "_notify"
            and groups[-1][0]["op"] != "_notify"
            and groups[-1][0]["run"] == event["run"]
        ):
            groups[-1].append(event)
        else:
            groups.append([event])
    return groups


_queue: LogQueue | None = None
_queue_lock = threading.Lock()


def get_queue() -> LogQueue:
    """The process-wide queue for the configured tracking URI."""
    global _queue
    from .. import config

    uri = config.tracking_uri()
    with _queue_lock:
        if _queue is None or _queue._uri != uri:
            if _queue is not None:
                _queue.flush(60)
            _queue = LogQueue(uri)
        return _queue
