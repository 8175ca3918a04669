"""Tracking events in append-only JSON-lines files: what a process has not yet written.

One JSON object per line, each written whole as it happens, so a process killed at any
moment leaves every event it emitted (a torn last line is skipped). Model objects are
pickled next to the journal so whoever writes the events can log them with their flavor.

* :class:`Journal` is a pipeline kernel's sink; the executor replays it into the step's run.
* :class:`WriteAheadJournal` is a notebook process's journal under ``.mlops/journal/``: the
  background writer marks in a side file what it applied, and a later process replays
  what a dead one left (:mod:`.replay`). The owner holds an OS lock on the file for its
  whole life, so a replayer can tell a dead owner from a live one.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import uuid
from pathlib import Path

DIRECTORY = "journal"


class Journal:
    """The kernel side: a sink with the same ``put``/``flush`` surface as the log queue."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()

    def put(self, event: dict) -> None:
        if event["op"] == "model":
            event = pickle_model(event, self.path)
        line = json.dumps(event, default=str)
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def listen(self, local_id: str, listener) -> None:
        """Nothing is written to MLflow from here, so nothing to report back."""

    def flush(self, timeout: float | None = None, retry: bool = True) -> bool:
        return True

    def run_id(self, local_id: str, timeout: float | None = None) -> str | None:
        return None

    @property
    def pending(self) -> int:
        return 0


class WriteAheadJournal:
    """This process's journal: ``append`` before the cell returns, ``mark`` once applied.

    The first line names the tracking URI the events are meant for. Marks go to
    ``<journal>.applied``: one line per applied stretch, ``{"to": offset, "ids": {local:
    MLflow id}, "ended": [local ids]}``.
    """

    def __init__(self, directory: Path, uri: str):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)  # the OS releases it when this process dies
        self._marks = open(marks_path(self.path), "a", encoding="utf-8")
        self.offset = 0
        self.append({"op": "journal", "uri": uri, "pid": os.getpid()})

    def append(self, event: dict) -> tuple[dict, int]:
        """Write ``event``; returns it as journaled (a model becomes its pickle) and its end offset."""
        if event["op"] == "model":
            event = pickle_model(event, self.path)
        data = (json.dumps(event, default=str) + "\n").encode()
        os.write(self._fd, data)  # one write per line, no fsync: surviving the process is enough
        self.offset += len(data)
        return event, self.offset

    def mark(self, offset: int, ids: dict[str, str], ended: list[str]) -> None:
        write_mark(self._marks, offset, ids, ended)

    def close(self, applied: bool) -> None:
        """Stop journaling; delete the files when everything in them was applied."""
        if self._fd < 0:
            return
        if applied:
            remove(self.path)
        self._marks.close()
        os.close(self._fd)  # releases the lock: a replayer takes over what is left
        self._fd = -1


def pickle_model(event: dict, journal: Path) -> dict:
    import cloudpickle

    target = journal.with_name(f"{journal.stem}-model-{uuid.uuid4().hex[:8]}.pkl")
    with open(target, "wb") as fh:
        cloudpickle.dump((event["model"], event.get("sample")), fh)
    return {k: v for k, v in event.items() if k not in ("model", "sample")} | {"pickle": str(target)}


def write_mark(marks, offset: int, ids: dict[str, str], ended: list[str]) -> None:
    """Record that the journal is applied up to ``offset`` (with the runs that stretch started and ended)."""
    marks.write(json.dumps({"to": offset, "ids": ids, "ended": ended}) + "\n")
    marks.flush()


def marks_path(journal: Path) -> Path:
    return journal.with_suffix(".applied")


def read_marks(journal: Path) -> tuple[int, dict[str, str], set[str]]:
    """How far ``journal`` was applied, the MLflow ids of its runs, and which runs ended."""
    offset, ids, ended = 0, dict[str, str](), set[str]()
    try:
        text = marks_path(journal).read_text(encoding="utf-8")
    except FileNotFoundError:
        return offset, ids, ended
    for line in text.splitlines():
        try:
            mark = json.loads(line)
        except ValueError:  # torn by a kill mid-write: the stretch counts as not applied
            break
        offset = mark["to"]
        ids.update(mark["ids"])
        ended.update(mark["ended"])
    return offset, ids, ended


def remove(journal: Path) -> None:
    """Delete a journal, its marks and its model pickles (the journal first: replayers look for it)."""
    for path in (journal, marks_path(journal), *journal.parent.glob(f"{journal.stem}-model-*.pkl")):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def read(path: str | Path, offset: int = 0) -> tuple[list[dict], int]:
    """Complete events in the journal from byte ``offset``; returns them and the new offset.

    A trailing line without its newline (a kernel killed mid-write) is left for later.
    """
    found = entries(path, offset)
    return [event for event, _ in found], (found[-1][1] if found else offset)


def entries(path: str | Path, offset: int = 0) -> list[tuple[dict, int]]:
    """Complete events from byte ``offset``, each with the offset where its line ends."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return []
    found = []
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        offset += len(line)
        if line.strip():
            found.append((json.loads(line), offset))
    return found
