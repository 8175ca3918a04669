"""How `mlops` fails, as a user sees it: one clear line, the exit code of its kind, no traceback."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlops_jupyter import _testing

UNAVAILABLE = 6
INTERNAL_ERROR = 70

# A command that fails in a way no code of ours foresaw, run through the real entry point.
CRASHING_CLI = """
import sys, types, click
from mlops_jupyter import cli

@click.command()
def crash():
    raise RuntimeError("lost the connection to postgresql://admin:hunter2@db:5432/prod")

module = types.ModuleType("mlops_jupyter.cli.crash")
module.crash = crash
sys.modules[module.__name__] = module
cli.COMMANDS["crash"] = ("crash:crash", "Fail unexpectedly.")
cli.main()
"""


def mlops(*args: str, cwd: Path, env: dict | None = None, code: str | None = None):
    """The real `mlops` command in a child process; returns the finished process and its duration."""
    command = (
        [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "mlops_jupyter.cli", *args]
    )
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120
    )
    return done, time.monotonic() - started


def closed_port() -> int:
    """A local port nobody listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unexpected_failure_is_one_line_and_its_traceback_goes_to_a_log(mlops_home):
    done, _ = mlops("crash", cwd=mlops_home.parent, code=CRASHING_CLI)

    assert done.returncode == INTERNAL_ERROR
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    first, second = done.stderr.splitlines()
    incident = re.fullmatch(r"internal error \(RuntimeError, incident ([0-9a-f]{12})\)", first).group(1)
    assert "postgresql" not in done.stderr  # the exception's text stays in the log
    log = Path(re.search(r"the traceback is in (\S+)", second).group(1))
    assert log.parent == mlops_home / "logs" and re.fullmatch(r"mlops-\d{4}-\d\d-\d\d\.log", log.name)
    logged = log.read_text()
    assert f"incident {incident})\nTraceback (most recent call last)" in logged
    assert ", in crash\nRuntimeError: lost" in logged
    assert "hunter2" not in logged


def test_the_log_goes_to_a_temporary_directory_when_the_state_directory_cannot_take_it(mlops_home, tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    env = {"MLOPS_HOME": str(not_a_directory), "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()

    done, _ = mlops("crash", cwd=mlops_home.parent, env=env, code=CRASHING_CLI)

    assert done.returncode == INTERNAL_ERROR
    log = Path(re.search(r"the traceback is in (\S+)", done.stderr).group(1))
    assert log.is_relative_to(tmp_path / "tmp") and "Traceback" in log.read_text()


def test_debug_shows_the_traceback(mlops_home):
    done, _ = mlops("--debug", "crash", cwd=mlops_home.parent, code=CRASHING_CLI)

    assert done.returncode == INTERNAL_ERROR
    assert "Traceback (most recent call last)" in done.stderr
    assert "postgresql://admin:***@db:5432/prod" in done.stderr and "hunter2" not in done.stderr
    assert done.stderr.rstrip().splitlines()[-1].startswith("internal error (RuntimeError, incident ")


def test_errors_of_ours_keep_their_exit_code(mlops_home):
    done, _ = mlops("runs", "--experiment", "no-such-experiment", cwd=mlops_home.parent)

    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [["runs"], ["run", "nb.ipynb"]])
def test_an_unreachable_tracking_server_fails_fast_naming_it_without_its_password(mlops_home, command):
    _testing.write_notebook(mlops_home.parent / "nb.ipynb", ["x = 1"])
    uri = f"http://mlops:s3cret@127.0.0.1:{closed_port()}"

    done, elapsed = mlops(*command, cwd=mlops_home.parent, env={"MLOPS_TRACKING_URI": uri})

    assert done.returncode == UNAVAILABLE, done.stderr
    # MLflow's own retries would take minutes; the margin is for a busy machine's start-up
    assert elapsed < 60
    assert done.stderr.startswith(
        f"error: the tracking server at {uri.replace('s3cret', '***')} cannot be reached"
    )
    assert "s3cret" not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_an_unreachable_mlops_database_fails_fast_naming_it_without_its_password(mlops_home):
    url = f"postgresql+psycopg://mlops:s3cret@127.0.0.1:{closed_port()}/jobs"

    done, elapsed = mlops("jobs", cwd=mlops_home.parent, env={"MLOPS_JOBS_URL": url})

    assert done.returncode == UNAVAILABLE, done.stderr
    # MLflow's own retries would take minutes; the margin is for a busy machine's start-up
    assert elapsed < 60
    assert done.stderr.startswith(
        f"error: the mlops database at {url.replace('s3cret', '***')} cannot be reached"
    )
    assert "s3cret" not in done.stderr and "Traceback" not in done.stderr


def test_ctrl_c_ends_with_130(mlops_home):
    interrupted = CRASHING_CLI.replace("raise RuntimeError(", "raise KeyboardInterrupt(")

    done, _ = mlops("crash", cwd=mlops_home.parent, code=interrupted)

    assert done.returncode == 130
    assert done.stderr.strip() == "aborted"


def test_a_reader_that_goes_away_ends_the_command_quietly(mlops_home):
    chatty = CRASHING_CLI.replace(
        'raise RuntimeError("lost the connection to postgresql://admin:hunter2@db:5432/prod")',
        'click.echo("row\\n" * 1_000_000)',
    )
    process = subprocess.Popen(
        [sys.executable, "-c", chatty, "crash"],
        cwd=mlops_home.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()  # like `| head` ending: more than a pipe buffer is still to be written

    stderr = process.stderr.read()

    assert process.wait(60) == 1  # click's own answer to a closed pipe, not an internal error
    assert stderr == ""


def test_status_shows_the_stores_without_their_passwords(mlops_home):
    env = {
        "MLOPS_TRACKING_URI": "https://mlops:s3cret@mlflow.example:8443",
        "MLOPS_JOBS_URL": "postgresql+psycopg://mlops:s3cret@db.example/jobs",
    }

    done, _ = mlops("status", cwd=mlops_home.parent, env=env)

    assert done.returncode == 0, done.stderr
    assert "tracking URI: https://mlops:***@mlflow.example:8443\n" in done.stdout
    assert "job store:    postgresql+psycopg://mlops:***@db.example/jobs\n" in done.stdout
    assert "s3cret" not in done.stdout
