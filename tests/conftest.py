"""Shared fixtures: an isolated state directory per test, a real IPython shell, real kernels."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from support import reset_shell

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
    reset_shell(ip)


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


# -- PostgreSQL, shared by the job store, registry and report tests ----------------------------


def _pg_bin(name: str) -> str:
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if versions:
        return versions[-1]
    raise RuntimeError(
        f"PostgreSQL's {name} was not found: "
        "run `make system-deps` (scripts/system-deps.sh installs postgresql)"
    )


class Postgres:
    """A throw-away PostgreSQL cluster in a temporary directory, on a free port and a private socket."""

    def __init__(self, base: Path):
        import pwd

        self.base = base
        self.data = base / "data"
        self.sockets = base / "sockets"
        with socket.socket() as s:  # names the socket file; there is no TCP listener
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.run_as = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "running as root, and there is no 'postgres' user to run PostgreSQL as"
                ) from None
            self.run_as = "postgres"
        self.sockets.mkdir(parents=True)
        if self.run_as:
            subprocess.run(["chown", "-R", f"{self.run_as}:", str(base)], check=True)
            os.chmod(base, 0o755)
        self._run(
            [
                _pg_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses='' -c fsync=off -c max_connections=200"
        )
        self._run(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(base / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def _run(self, argv: list[str]) -> None:
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = (self.base / "server.log").read_text() if (self.base / "server.log").exists() else ""
            raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}\n{log}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.sockets}&port={self.port}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            host=str(self.sockets), port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A real PostgreSQL server for the session. It must start: no skipping when it cannot."""
    import shutil
    import tempfile

    # A short path: the socket path must stay under the 107 bytes Unix sockets allow.
    base = Path(tempfile.mkdtemp(prefix="mlops-pg-"))
    try:
        server = Postgres(base)
    except Exception as exc:  # noqa: BLE001 - turned into a clear failure
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start a PostgreSQL server for the tests: {exc}", pytrace=False)
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)
