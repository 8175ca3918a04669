"""Shared fixtures: an isolated state directory per test, a real IPython shell, real kernels."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from mlops_jupyter import _testing

ENV_KEYS = (
    "MLOPS_HOME",
    "MLOPS_TRACKING_URI",
    "MLOPS_JOBS_URL",
    "MLOPS_USER",
    "MLOPS_EXPERIMENT",
    "MLOPS_CONFIG",
    "MLOPS_ARTIFACT_ROOT",
    "MLOPS_JOURNAL",
    "MLOPS_RUN_ID",
    "MLOPS_NOTEBOOK_PATH",
    "MLOPS_DASK_ADDRESS",
    "MLOPS_AUDIT_KEY",
    "MLOPS_AUDIT_KEY_FILE",
    "MLOPS_AUDIT_ANCHOR",
    "MLOPS_SERVICE_URL",
    "MLOPS_SERVICE_TOKEN",
)


@pytest.fixture
def mlops_home(tmp_path, monkeypatch):
    """A project directory with a fresh `.mlops/` store; the test runs inside it."""
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    home = _testing.fresh_home(project)
    monkeypatch.setenv("MLOPS_HOME", str(home))
    yield home
    _testing.reset_state()


@pytest.fixture
def client(mlops_home):
    """A plain MlflowClient on the test's store, to assert what was really written."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{mlops_home / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@pytest.fixture
def shell(mlops_home):
    """A real IPython shell with `%load_ext mlops_jupyter` done."""
    from IPython.testing.globalipapp import get_ipython, start_ipython

    ip = start_ipython() or get_ipython()  # one global test shell per process
    ip.run_line_magic("load_ext", "mlops_jupyter")
    yield ip
    ip.reset(new_session=False)


def kernel_env(home: Path) -> dict[str, str]:
    """Environment for a real kernel that tracks into the test's store."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env["MLOPS_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parents[1]), env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def run_notebook(mlops_home):
    """Execute a notebook (given as a list of cell sources) in a real kernel with nbclient."""
    import nbformat
    from nbclient import NotebookClient

    def run(cells: list[str], name: str = "nb.ipynb", allow_errors: bool = False, timeout: int = 120):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = mlops_home.parent / name
        nbformat.write(nb, path)
        env = kernel_env(mlops_home) | {"JPY_SESSION_NAME": str(path)}
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.km = client.create_kernel_manager()
        # IPC sockets under a private prefix: no TCP port races between parallel kernels.
        client.km.transport = "ipc"
        client.km.ip = os.path.join(tempfile.mkdtemp(prefix="mlops-k"), "kernel")
        client.execute(env=env)
        return nb, path

    return run


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable
