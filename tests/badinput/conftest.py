"""The bad-input corpus: one real project per test module, and proof that a refusal writes nothing.

The project holds the registry seed (real runs and models), a registered model ``churn``
(v1, v2; v2 is champion), a validated notebook ``nb.ipynb`` with a parameters cell, a notebook
``draft.ipynb`` never validated, and a paused job ``nightly`` of ``nb.ipynb``. Every case must be
refused before it changes any of that: the ``writes_nothing`` fixture compares the MLflow store, the
mlops database and the project's files before and after each test.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from support import registry_seed

from mlops_jupyter import _testing
from tests.conftest import ENV_KEYS

MLFLOW_TABLES = (
    "experiments",
    "runs",
    "params",
    "tags",
    "registered_models",
    "model_versions",
    "registered_model_aliases",
)
MLOPS_TABLES = ("jobs", "job_runs", "job_changes", "audit_log", "promotion_rules", "validations")


@pytest.fixture(scope="session")
def _seed(tmp_path_factory):
    return registry_seed().get(tmp_path_factory.getbasetemp() / "registry-seed")


@pytest.fixture(scope="session")
def world(_seed, tmp_path_factory):
    """The project every case runs in (see the module docstring); built once, since no case changes it."""
    import mlops_jupyter as mlops
    from mlops_jupyter.pipelines.validation import validate

    seed = registry_seed()
    with pytest.MonkeyPatch.context() as mp:
        for key in ENV_KEYS:
            mp.delenv(key, raising=False)
        project = tmp_path_factory.mktemp("badinput") / "project"
        project.mkdir()
        mp.chdir(project)
        home = _testing.fresh_home(project)
        mp.setenv("MLOPS_HOME", str(home))
        seed.install(_seed, home)
        _testing.write_notebook(project / "nb.ipynb", ["y = x * 2"], "x = 1\nname = 'a'\nextra = None")
        _testing.write_notebook(project / "draft.ipynb", ["y = 3"])
        assert validate(project / "nb.ipynb").passed
        mlops.register(_seed.runs["weak"], "churn")
        mlops.register(_seed.runs["mid"], "churn")
        mlops.promote("churn", 2, to="champion")
        mlops.schedule("nb.ipynb", "0 3 * * *", name="nightly", paused=True)
        _testing.reset_state()
    return project


@pytest.fixture(autouse=True)
def writes_nothing(world, monkeypatch, request):
    """Each case runs with a clean environment and must leave the stores and files as they were
    (unless it asks for ``fresh_project``: a case that should work, and write, elsewhere)."""
    if "fresh_project" in request.fixturenames:
        yield
        return
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("MLOPS_HOME", str(world / ".mlops"))
    monkeypatch.chdir(world)
    before = snapshot(world)
    yield
    _testing.reset_state()
    assert snapshot(world) == before, "a refused input changed the project"


def snapshot(project: Path) -> dict:
    """Row counts of the MLflow store and the mlops database, and the project's files."""
    home = project / ".mlops"
    counts = {}
    for db, tables in (("mlflow.db", MLFLOW_TABLES), ("jobs.db", MLOPS_TABLES)):
        with closing(sqlite3.connect(home / db)) as conn:
            for table in tables:
                counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if db == "mlflow.db":
                counts["run states"] = conn.execute("SELECT group_concat(status) FROM runs").fetchone()[0]
            else:
                counts["job rows"] = conn.execute("SELECT group_concat(updated_at) FROM jobs").fetchone()[0]
    files = sorted(
        str(p.relative_to(project))
        for p in project.rglob("*")
        if p.is_file()
        and not p.name.endswith((".db", ".db-wal", ".db-shm", ".db-journal", ".lock"))
        and "journal" not in p.relative_to(project).parts
    )
    return {"counts": counts, "files": files}


def journal_events(project: Path) -> int:
    """Tracking events in the project's journals (a refused cell must add none; headers do not count)."""
    folder = project / ".mlops" / "journal"
    files = (
        [p for p in folder.rglob("*") if p.is_file() and p.suffix != ".applied"] if folder.exists() else []
    )
    events = 0
    for line in (line for p in files for line in p.read_text(errors="replace").splitlines()):
        try:
            events += json.loads(line).get("op") not in (None, "journal")
        except (ValueError, AttributeError):
            pass  # a torn last line
    return events


def no_traceback(text: str) -> None:
    assert "Traceback" not in text, text
    assert len(text) < 2000, f"an error message of {len(text)} characters"


def cli(capsys, *args: str) -> tuple[int, str]:
    """``mlops ARGS`` in this process: (exit code, everything printed)."""
    from mlops_jupyter.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out + out.err


def env_without_mlops() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ENV_KEYS}


@pytest.fixture
def fresh_project(mlops_home):
    """An empty project of its own (the suite's ``mlops_home``), for a case that must work (and so writes)."""
    return mlops_home.parent


@pytest.fixture
def client_for():
    """``client_for(project)``: a plain MlflowClient on that project's store, to see what was written."""
    from mlflow import MlflowClient

    def make(project: Path) -> MlflowClient:
        uri = f"sqlite:///{project / '.mlops' / 'mlflow.db'}"
        return MlflowClient(tracking_uri=uri, registry_uri=uri)

    return make
