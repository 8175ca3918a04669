"""Optional parts installed as extras: without them, the feature says which extra to install.

Each test runs the real `mlops` command in a Python where the extra's modules cannot be
imported (a sitecustomize refuses them, as if they were not installed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import nbformat
import pytest

BLOCKER = """
import importlib.abc, sys

BLOCKED = {blocked!r}


class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled())
"""


def mlops_without(tmp_path, blocked: set[str], *args: str, env: dict[str, str] | None = None):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(BLOCKER.format(blocked=sorted(blocked))))
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    return subprocess.run(
        [sys.executable, "-m", "mlops_jupyter.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=tmp_path,
        timeout=120,
    )


@pytest.mark.usefixtures("mlops_home")
def test_dask_executor_without_the_dask_extra_names_the_extra(tmp_path):
    notebook = tmp_path / "train.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), notebook)

    result = mlops_without(
        tmp_path,
        {"dask", "distributed"},
        "run",
        str(notebook),
        "--executor",
        "dask",
        "--address",
        "tcp://127.0.0.1:9",
    )

    assert result.returncode != 0
    assert "the Dask executor needs the optional dependency 'distributed'" in result.stderr
    assert 'pip install "mlops-jupyter[dask]"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "train.out.ipynb").exists()


@pytest.mark.usefixtures("mlops_home")
def test_postgresql_database_without_the_postgres_extra_names_the_extra(tmp_path):
    # Nothing listens there: the missing driver must be what the user hears about.
    url = "postgresql+psycopg://mlops:secret@127.0.0.1:9/jobs"

    result = mlops_without(tmp_path, {"psycopg", "psycopg_binary"}, "jobs", env={"MLOPS_JOBS_URL": url})

    assert result.returncode != 0
    assert "a PostgreSQL mlops database needs the optional dependency 'psycopg'" in result.stderr
    assert 'pip install "mlops-jupyter[postgres]"' in result.stderr
    assert "secret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
