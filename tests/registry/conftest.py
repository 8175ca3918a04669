"""Registry fixtures: a real registry (seeded once per session, copied per test), users and roles."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import support

import mlops_jupyter as mlops


@pytest.fixture(scope="session")
def registry_seed(tmp_path_factory):
    return support.registry_seed().get(tmp_path_factory.getbasetemp() / "registry-seed")


@pytest.fixture
def registry(mlops_home, registry_seed):
    """The seeded runs, copied into this test's fresh state directory (no models registered yet)."""
    support.registry_seed().install(registry_seed, mlops_home)
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


@pytest.fixture
def postgres_jobs_db(postgres, registry, monkeypatch):
    """This test's mlops database (audit log, rules, validations) on PostgreSQL; MLflow stays on SQLite."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from mlops_jupyter import _testing, db
    from mlops_jupyter.db.tables import Validation

    url = postgres.create_database(f"registry_{uuid.uuid4().hex[:10]}")
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
