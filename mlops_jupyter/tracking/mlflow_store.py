"""The MLflow store: client, fast bootstrap of the embedded SQLite file, experiments by id.

A fresh MLflow SQLite store costs seconds of Alembic migrations. We pay them once per
machine and MLflow version: a migrated template lives in the user cache directory and
each new store is a copy of it, linked into place atomically so that two processes
creating the same store at once cannot overwrite each other's runs.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
from contextlib import closing, contextmanager
from pathlib import Path

from .. import config

_lock = threading.Lock()
_import_lock = threading.Lock()
_mlflow = None
_clients: dict[str, object] = {}
_experiment_ids: dict[tuple[str, str], str] = {}


def quiet_mlflow() -> None:
    """Environment MLflow reads at import: no telemetry, no minute-long HTTP retries."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # It logs every failed query with a traceback; we report failures ourselves, once.
    logging.getLogger("mlflow.store.db.utils").setLevel(logging.CRITICAL)


def load_mlflow():
    """Import MLflow once, quietly configured, one thread at a time; returns the module.

    MLflow's package has import cycles: two threads importing it for the first time at
    once (the sidebar's parallel requests, a kernel's writer thread and its main thread)
    can trip CPython's import deadlock detection and leave it half-initialised.
    """
    global _mlflow
    if _mlflow is None:
        with _import_lock:
            if _mlflow is None:
                quiet_mlflow()
                import mlflow

                quiet_mlflow()  # MLflow's import configures its loggers anew
                _keep_logging_through_upgrades(mlflow)
                _mlflow = mlflow
    return _mlflow


def client(uri: str | None = None):
    """A cached ``MlflowClient`` for ``uri`` (default: the configured tracking URI)."""
    uri = uri or config.tracking_uri()
    if uri not in _clients:
        from ..services import check_reachable

        # A dead server fails here within seconds, not after MLflow's retries and back-off.
        check_reachable(uri, "the tracking server", "MLOPS_TRACKING_URI")
    mlflow = load_mlflow()
    with _lock:
        found = _clients.get(uri)
        if found is None:
            if uri.startswith("sqlite:///"):
                ensure_sqlite_store(Path(uri[len("sqlite:///") :]))
            found = _clients[uri] = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
        # MLflow resolves some things through its own process-wide default, not the client's URI
        # (a `models:/m-...` source when registering); left unset it means ./mlflow.db in the cwd.
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        return found


def ensure_sqlite_store(path: Path, artifact_root: str | None = None) -> None:
    """Create a migrated MLflow SQLite store at ``path`` unless one is there."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    artifact_root = artifact_root or config.artifact_root()
    template = _template()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mlflow-", suffix=".db")
    os.close(fd)
    try:
        shutil.copyfile(template, tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a store is a normal file
        with closing(sqlite3.connect(tmp)) as db:
            # The template's Default experiment points at the template's own folder.
            db.execute(
                "UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                (_as_uri(os.path.join(artifact_root, "0")),),
            )
            db.commit()
        try:
            os.link(tmp, path)  # fails if another process won the race: keep theirs
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def _template() -> Path:
    """A migrated, empty MLflow store for the installed MLflow version."""
    import mlflow

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlops-jupyter"
    template = cache / f"mlflow-{mlflow.__version__}-template.db"
    if template.exists():
        return template
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        db = Path(work) / "template.db"
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        store = SqlAlchemyStore(f"sqlite:///{db}", os.path.join(work, "artifacts"))
        store.engine.dispose()
        with closing(sqlite3.connect(db)) as conn:
            # WAL lets readers (the UI, `%mlops runs`) work while a kernel writes.
            conn.execute("PRAGMA journal_mode=WAL")
        try:
            os.link(db, template)
        except FileExistsError:
            pass
    return template


def _keep_logging_through_upgrades(mlflow) -> None:
    """MLflow 3.4 runs its Alembic upgrade whenever it opens a SQL store, and its migration
    environment applies alembic.ini's logging config (INFO lines on stderr, a handler on the
    root logger): around those upgrades, keep the process's own logging."""
    env = Path(mlflow.__file__).parent / "store" / "db_migrations" / "env.py"
    try:
        if "fileConfig(" not in env.read_text():
            return
    except OSError:
        return
    from mlflow.store.db import utils

    upgrade = utils._upgrade_db

    def upgrade_keeping_logging(engine):
        with _logging_kept():
            return upgrade(engine)

    utils._upgrade_db = upgrade_keeping_logging


@contextmanager
def _logging_kept():
    root = logging.getLogger()
    handlers, level, disabled = root.handlers[:], root.level, logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(disabled)
        root.handlers[:], root.level = handlers, level
        quiet_mlflow()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _as_uri(path: str) -> str:
    return path if re.match(r"^[a-zA-Z][\w+.-]*://", path) else Path(path).resolve().as_uri()


def experiment_id(name: str, uri: str | None = None) -> str:
    """The id of experiment ``name``, created if missing.

    Resolving by id (never ``mlflow.set_experiment``) keeps parallel workers from racing:
    whoever loses the creation race reads the winner's id.
    """
    uri = uri or config.tracking_uri()
    key = (uri, name)
    if key in _experiment_ids:
        return _experiment_ids[key]
    c = client(uri)  # first: a dead server fails before MLflow is imported
    from mlflow.exceptions import MlflowException

    found = c.get_experiment_by_name(name)
    if found is None:
        location = None
        if config.is_embedded_store(uri):
            location = _as_uri(os.path.join(config.artifact_root(), _slug(name)))
        try:
            exp_id = c.create_experiment(name, artifact_location=location)
        except MlflowException:
            found = c.get_experiment_by_name(name)
            if found is None:
                raise
            exp_id = found.experiment_id
    else:
        exp_id = found.experiment_id
        if found.lifecycle_stage == "deleted":
            c.restore_experiment(exp_id)
    _experiment_ids[key] = exp_id
    return exp_id


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "experiment"


def get_run(run_id: str, uri: str | None = None):
    """MLflow's run ``run_id``; an id the store does not know is :class:`~..errors.NotFound`."""
    from mlflow.exceptions import MlflowException

    from ..errors import NotFound

    try:
        return client(uri).get_run(run_id)
    except MlflowException as exc:
        raise NotFound(f"no run with id {run_id!r}") from exc
