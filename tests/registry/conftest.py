"""Registry fixtures: a real registry (seeded once per session, copied per test), users and roles."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import pytest

import mlops_jupyter as mlops


def load_seed():
    """The seed module, loaded once under one name whichever test directory asks first."""
    name = "mlops_registry_seed"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("seed.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def registry_seed(tmp_path_factory):
    return load_seed().get(tmp_path_factory.getbasetemp() / "registry-seed")


@pytest.fixture
def registry(mlops_home, registry_seed):
    """The seeded runs, copied into this test's fresh state directory (no models registered yet)."""
    load_seed().install(registry_seed, mlops_home)
    return registry_seed


@pytest.fixture
def roles_file(mlops_home):
    """Write the project's mlops.toml [roles] table."""
    path = mlops_home.parent / "mlops.toml"

    def write(text: str) -> Path:
        path.write_text(text)
        return path

    return write


@pytest.fixture
def team(roles_file, monkeypatch):
    """A team: admin (root), approver alice, developer bob, everyone else a viewer."""
    roles_file('[roles]\ndefault = "viewer"\nroot = "admin"\nalice = "approver"\nbob = "developer"\n')
    monkeypatch.setenv("MLOPS_USER", "root")


@pytest.fixture
def client(mlops_home):
    """A plain MlflowClient on this test's store, registry included, to assert what was written."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{mlops_home / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL cluster (private socket, no TCP) for the registry's lock tests.

    It must start: a machine without PostgreSQL fails these tests rather than skipping them.
    """
    import os
    import pwd
    import shutil
    import subprocess
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="mlops-reg-pg-"))  # short: socket paths are limited
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    prefix = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        pwd.getpwnam("postgres")
        subprocess.run(["chown", "-R", "postgres:", str(base)], check=True)
        prefix = ["runuser", "-u", "postgres", "--"]

    def pg(*argv):
        done = subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{argv[0]} failed: {done.stdout}{done.stderr}"

    pg(shutil.which("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync")
    options = f"-c listen_addresses='' -k {sockets} -c fsync=off"
    pg(shutil.which("pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start")
    yield sockets
    pg(shutil.which("pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_jobs_db(postgres_server, registry, monkeypatch):
    """This test's mlops database (audit log, rules, validations) on PostgreSQL; MLflow stays on SQLite."""
    import uuid

    import psycopg
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from mlops_jupyter import _testing, db
    from mlops_jupyter.db.tables import Validation

    name = f"registry_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(
        host=str(postgres_server), user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@/{name}?host={postgres_server}"
    # the seed's validation rows, copied over
    sqlite = create_engine(f"sqlite:///{Path(registry.project) / '.mlops' / 'jobs.db'}")
    with Session(sqlite) as s:
        rows = [
            {c.name: getattr(v, c.name) for c in Validation.__table__.columns if c.name != "id"}
            for v in s.query(Validation)
        ]
    sqlite.dispose()
    monkeypatch.setenv("MLOPS_JOBS_URL", url)
    _testing.reset_state()
    with db.session() as s:
        s.add_all(Validation(**row) for row in rows)
    yield url
    _testing.reset_state()


@pytest.fixture
def race():
    """``race(versions, **promote_kwargs)``: promote each version to champion from its own
    thread, all released at once; returns version -> Promotion or the exception raised."""

    def run(versions, **kwargs):
        barrier = threading.Barrier(len(versions))
        outcomes = {}

        def attempt(version):
            barrier.wait()
            try:
                outcomes[version] = mlops.promote("churn", version, to="champion", **kwargs)
            except Exception as exc:  # noqa: BLE001 - the outcome is what the tests assert on
                outcomes[version] = exc

        threads = [threading.Thread(target=attempt, args=(v,)) for v in versions]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return outcomes

    return run
