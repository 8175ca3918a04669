"""Waiting out SQLite's "database is locked" when several processes write one store."""

from __future__ import annotations

import sqlite3
import time

ATTEMPTS = 8


def retry(fn, *args, **kwargs):
    """Call ``fn``, retrying with backoff while the store says it is locked or busy."""
    delay = 0.05
    for attempt in range(ATTEMPTS):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if attempt == ATTEMPTS - 1 or not _is_lock_error(exc):
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _is_lock_error(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, sqlite3.OperationalError) or "database is locked" in str(exc):
            return "locked" in str(exc) or "busy" in str(exc)
        exc = exc.__cause__ or exc.__context__
    return False
