"""Notebooks for pipeline tests, written as real .ipynb files into the test's project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_jupyter import _testing

REPO = Path(__file__).parents[2]

# A parameters cell with every kind of value papermill can inject.
TYPED_PARAMETERS = """\
x = 1
ratio = 0.5
name: str = "a"
flag = False
layers = [1, 2]
options = {"depth": 2, "mode": "fast"}
maybe = None
"""

# Logs what it received, with types, and checks, into whatever run it is in.
TYPED_BODY = """\
import json
import mlops_jupyter as mlops
seen = {
    k: type(v).__name__
    for k, v in dict(x=x, ratio=ratio, name=name, flag=flag, layers=layers, options=options).items()
}
mlops.log_metric("x_times_two", x * 2)
mlops.log_metric("ratio", ratio)
mlops.set_tag("seen_types", json.dumps(seen, sort_keys=True))
mlops.check("x_positive", x > 0, value=x)
"""


def make_notebook(
    path: Path, cells: list[str], parameters: str | None = None, markdown: str | None = "# test"
) -> Path:
    return _testing.write_notebook(path, cells, parameters, markdown)


@pytest.fixture
def project(mlops_home) -> Path:
    return mlops_home.parent


@pytest.fixture
def notebook(project):
    """``notebook("name.ipynb", [cells...], parameters="x = 1")`` writes a notebook in the project."""

    def make(name: str, cells: list[str], parameters: str | None = None, **kw) -> Path:
        return make_notebook(project / name, cells, parameters, **kw)

    return make


@pytest.fixture
def typed_notebook(notebook) -> Path:
    return notebook("typed.ipynb", [TYPED_BODY], TYPED_PARAMETERS)


def mlops_cli(
    *args: str, cwd: Path, env: dict | None = None, timeout: float = 240
) -> subprocess.CompletedProcess:
    """The real `mlops` command in a child process (exit codes, stderr, signals as a user sees them)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mlops_jupyter.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def runs_of(client, experiment: str = "Default", filter_string: str = ""):
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return []
    return client.search_runs([exp.experiment_id], filter_string, max_results=1000)


def all_runs(client):
    exps = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(exps, "", max_results=1000) if exps else []


@pytest.fixture
def fresh_state(mlops_home):
    """Forget cached MLflow clients and engines after a child process wrote the store."""
    yield
    _testing.reset_state()
