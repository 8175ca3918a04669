"""Writing journaled events exactly once: by their own process, or by a later one.

A process's background writer applies its journal run by run and marks each stretch it
wrote. When the store cannot be reached, what is left stays in the journal and is tried
again later. Journals whose owner died (its OS lock is free) are replayed by any later
mlops process: the next kernel that tracks, the CLI, the server, the scheduler and the
executor. Finding none costs a directory listing.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from .. import config
from . import journal, machinery_warnings

log = logging.getLogger(__name__)
Item = tuple[dict, int]  # a journaled event and the offset where its line ends

_UNREACHABLE = (
    "max retries exceeded",
    "connection refused",
    "connection aborted",
    "failed to establish",
    "timed out",
    "database is locked",
    "unable to open database",
)


def unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the store could not be reached (worth trying later), not that it refused."""
    while exc is not None:
        if (
            getattr(exc, "code", None) == "unavailable"
            or isinstance(exc, (ConnectionError, TimeoutError))
            or any(text in str(exc).lower() for text in _UNREACHABLE)
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300]


def apply_in_order(
    writer,
    items: list[Item],
    mark: Callable[[int, dict[str, str], list[str]], None],
    failed: dict[str, str],
    on_written: Callable[[str], None] = lambda local_id: None,
) -> tuple[list[Item], str | None]:
    """Apply ``items`` run by run, marking each run's stretch once written.

    A run the store refuses is recorded in ``failed`` and the rest of its events skipped.
    If the store cannot be reached, returns the items from there on and why.
    """
    for start, group in _stretches(items):
        local_id = group[0][0]["run"]
        events = [event for event, _ in group]
        if local_id not in failed:
            try:
                writer.apply(events)
            except Exception as exc:  # noqa: BLE001 - kept for later, or reported per run
                if unavailable(exc):
                    return items[start:], reason(exc)
                failed[local_id] = reason(exc)
                log.info("could not write run %s: %s", local_id, failed[local_id])
            else:
                _log_warnings(writer, local_id)
                on_written(local_id)
        started = {e["run"]: writer.run_ids.get(e["run"]) for e in events if e["op"] == "start"}
        mark(
            group[-1][1],
            {k: v for k, v in started.items() if v},
            [e["run"] for e in events if e["op"] == "end"],
        )
        for event in events:  # a logged model's pickle is not needed once its stretch is marked
            if "pickle" in event:
                Path(event["pickle"]).unlink(missing_ok=True)
    return [], None


def _log_warnings(writer, local_id: str) -> None:
    """Warnings MLflow raised while writing the run (signature inference, ...) go to the run."""
    captured = machinery_warnings.take()
    if captured and local_id in writer.run_ids:
        try:
            writer.client.log_text(writer.run_ids[local_id], captured, "warnings/tracking.txt")
        except Exception:  # noqa: BLE001 - the run is written; its warnings are in the log file
            log.info("could not store warnings of run %s", local_id, exc_info=True)


def _stretches(items: list[Item]) -> list[tuple[int, list[Item]]]:
    """Consecutive events of one run, with where each stretch starts in ``items``."""
    found: list[tuple[int, list[Item]]] = []
    for i, item in enumerate(items):
        if found and found[-1][1][0][0]["run"] == item[0]["run"]:
            found[-1][1].append(item)
        else:
            found.append((i, [item]))
    return found


# -- journals of processes that are gone -------------------------------------------------


def orphans() -> list[Path]:
    """Journals in the state directory (a listing; does not create the directory)."""
    directory = config.state_dir(create=False) / journal.DIRECTORY
    try:
        return [directory / name for name in os.listdir(directory) if name.endswith(".jsonl")]
    except OSError:  # none yet, or an unreadable state directory: nothing we can replay
        return []


def replay_orphans(uri: str | None = None) -> int:
    """Write what dead processes left in their journals for ``uri``; returns the runs recovered.

    Never raises: a store that cannot be reached leaves the journals for the next process.
    """
    paths = orphans()
    if not paths:
        return 0
    uri = uri or config.tracking_uri()
    recovered = 0
    for path in paths:
        try:
            recovered += _replay(path, uri)
        except Exception:  # noqa: BLE001 - replay must never break the command that triggered it
            log.warning("could not replay the tracking journal %s", path, exc_info=True)
    if recovered:
        log.info("recovered %d run(s) from the journals of stopped processes", recovered)
    return recovered


def replay_in_background() -> None:
    """:func:`replay_orphans` in a daemon thread, started only when there are journals."""
    if orphans():
        threading.Thread(target=replay_orphans, name="mlops-replay", daemon=True).start()


def _replay(path: Path, uri: str) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return 0  # another replayer finished it
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # its owner is alive, or another process is replaying it
        try:
            if os.fstat(fd).st_ino != os.stat(path).st_ino:
                return 0  # replayed and deleted while we waited; a new file took the name
        except FileNotFoundError:
            return 0
        return _replay_locked(path, uri)
    finally:
        os.close(fd)


def _replay_locked(path: Path, uri: str) -> int:
    from .writer import RunWriter

    found = journal.entries(path)
    header = found[0][0] if found and found[0][0]["op"] == "journal" else {}
    if header.get("uri", uri) != uri:
        return 0  # meant for another store: left for a process that uses it
    offset, ids, ended = journal.read_marks(path)
    items = [item for item in found if item[1] > offset and item[0]["op"] != "journal"]
    writer = RunWriter(uri, known=ids, resume=True)
    failed: dict[str, str] = {}
    with open(journal.marks_path(path), "a", encoding="utf-8") as marks:

        def mark(to: int, new_ids: dict[str, str], new_ended: list[str]) -> None:
            ids.update(new_ids)
            ended.update(new_ended)
            journal.write_mark(marks, to, new_ids, new_ended)

        left, why = apply_in_order(writer, items, mark, failed)
    if left:
        log.info("tracking journal %s kept for later: %s", path, why)
        return 0
    # Runs its process started but never ended died with it.
    died = int(os.stat(path).st_mtime * 1000)
    for local_id in set(ids) - ended:
        writer.kill(ids[local_id], died)
    journal.remove(path)
    return len({e["run"] for e, _ in items if e["op"] == "start"} - set(failed))
