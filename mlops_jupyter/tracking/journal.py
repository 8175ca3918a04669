"""Run events written to a file by a kernel executing a pipeline, replayed by the executor.

One JSON object per line, appended and flushed as they happen: a kernel that dies
mid-notebook still leaves every event it emitted. Model objects are pickled next to
the journal so the executor can log them with their MLflow flavor.
"""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path


class Journal:
    """The kernel side: a sink with the same ``put``/``flush`` surface as the log queue."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()

    def put(self, event: dict) -> None:
        if event["op"] == "model":
            event = self._pickle_model(event)
        line = json.dumps(event, default=str)
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def listen(self, local_id: str, listener) -> None:
        """Nothing is written to MLflow from here, so nothing to report back."""

    def flush(self, timeout: float | None = None) -> bool:
        return True

    def run_id(self, local_id: str, timeout: float | None = None) -> str | None:
        return None

    @property
    def pending(self) -> int:
        return 0

    def _pickle_model(self, event: dict) -> dict:
        import cloudpickle

        target = self.path.with_name(f"{self.path.stem}-model-{uuid.uuid4().hex[:8]}.pkl")
        with open(target, "wb") as fh:
            cloudpickle.dump((event["model"], event.get("sample")), fh)
        return {k: v for k, v in event.items() if k not in ("model", "sample")} | {"pickle": str(target)}


def read(path: str | Path, offset: int = 0) -> tuple[list[dict], int]:
    """Complete events in the journal from byte ``offset``; returns them and the new offset.

    A trailing line without its newline (a kernel killed mid-write) is left for later.
    """
    path = Path(path)
    if not path.exists():
        return [], offset
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read()
    end = data.rfind(b"\n") + 1
    events = [json.loads(line) for line in data[:end].splitlines() if line.strip()]
    return events, offset + end
