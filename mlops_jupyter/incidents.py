"""Unexpected failures, answered the same way by every face: one line, the traceback logged.

A face shows ``internal error (Type, incident ID)`` and where the traceback went, never the
exception's text, which can hold SQL, its parameters or credentials. The traceback is kept,
masked, in today's log under the state directory with the incident id in its header.
"""

from __future__ import annotations

from pathlib import Path


def new_incident() -> str:
    import uuid

    return uuid.uuid4().hex[:12]


def summary(exc: BaseException, incident: str) -> str:
    """The one line a user sees: ``internal error (OperationalError, incident 1a2b3c4d5e6f)``."""
    return f"internal error ({type(exc).__name__}, incident {incident})"


def log_traceback(exc: BaseException, command: str, incident: str) -> tuple[Path | None, str | None]:
    """Append ``exc``'s traceback to today's log under the state directory (or a temp directory).

    ``command`` names what failed (``mlops jobs``, ``%mlops runs``), never its arguments: they may
    be secret. Returns ``(path, None)``, or ``(None, why)`` when no log could be written.
    """
    import os
    import tempfile
    import traceback
    from datetime import UTC, datetime

    from . import config
    from .masking import masked

    now = datetime.now(UTC)
    header = f"=== {now:%Y-%m-%dT%H:%M:%SZ} {command} (pid {os.getpid()}, incident {incident})\n"
    entry = header + masked("".join(traceback.format_exception(exc)))
    problem = None
    for directory in (
        lambda: config.state_dir(create=False) / "logs",
        lambda: Path(tempfile.gettempdir()) / f"mlops-logs-{config.current_user()}",
    ):
        try:
            path = directory() / f"mlops-{now:%Y-%m-%d}.log"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as log:
                log.write(entry)
            return path, None
        except Exception as err:  # noqa: BLE001 - try the next place
            problem = getattr(err, "strerror", None) or str(err)
    return None, problem
