"""The mlops database: validations, the audit log and the job store, on SQLAlchemy.

SQLite at ``.mlops/jobs.db`` by default, PostgreSQL (or any SQLAlchemy URL) through
``MLOPS_JOBS_URL``. The schema is owned by Alembic (``migrations`` here) and
brought to head the first time a process opens a URL. The tables: :mod:`.tables` (validations,
audit log, promotion rules) and :mod:`.job_tables` (the job store).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
MIGRATIONS = Path(__file__).with_name("migrations")
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def engine(url: str | None = None):
    """A migrated engine for ``url`` (default: the configured job store URL), cached."""
    url = url or config.jobs_url()
    with _lock:
        found = _engines.get(url)
        if found is None:
            found = _engines[url] = _create(url)
        return found


def _create(url: str):
    from sqlalchemy import create_engine, event

    from ..services import check_reachable

    if url.startswith("sqlite"):
        eng = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, json_serializer=canonical_json
        )

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            # WAL: readers never block the writer; busy_timeout: writers queue instead of failing.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    else:
        try:
            # imports the driver, connects to nothing
            eng = create_engine(url, pool_pre_ping=True, json_serializer=canonical_json)
        except ImportError as exc:
            if url.split("+", 1)[0].split(":", 1)[0] != "postgresql":
                raise
            from ..errors import missing_extra

            error = missing_extra("postgres", "a PostgreSQL mlops database", exc)
            if (exc.name or "").startswith("psycopg2"):  # SQLAlchemy 2.0 default driver
                error.detail = f"{error.detail or ''}, and use a postgresql+psycopg:// URL"
            raise error from None
    check_reachable(url, "the mlops database", "MLOPS_JOBS_URL")  # seconds, not the OS's TCP timeout
    upgrade(eng)
    return eng


def canonical_json(value) -> str:
    """JSON columns are stored sorted and compact: the audit chain hashes that text as it is."""
    return _canonical(value)


def upgrade(eng) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is there)."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with eng.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            # Two processes opening a fresh database at once must not both migrate it.
            from sqlalchemy import text

            conn.execute(text("SELECT pg_advisory_xact_lock(7346512)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextmanager
def session(url: str | None = None) -> Iterator:
    """A transaction: committed on success, rolled back on any error."""
    from sqlalchemy.orm import Session

    with Session(engine(url)) as s, s.begin():
        yield s


def reset_engines() -> None:
    """Forget cached engines (tests that switch state directories)."""
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()
