"""Bad input on the `mlops` command: a one-line error naming the input, the exit code of its kind
(2 bad input, 3 not found, 4 forbidden, 5 conflict), no traceback, nothing written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .conftest import cli, no_traceback

LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
    ]
)
BROKEN_NOTEBOOK = '{"cells": [{"cell_type": "code", "source": "x = 1"'
GHOST_KERNEL = (
    '{"cells": [], "metadata": {"kernelspec": {"name": "no-such-kernel", "display_name": "Ghost",'
    ' "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}'
)

# Files a case refers to, written into the project for the test and removed after it.
FILES = {
    "laughs.yaml": LAUGHS,
    "pipeline-laughs.yaml": LAUGHS.replace("a: &a", "steps: {}\na: &a"),
    "points-laughs.yaml": "- {x: 1}\n- " + LAUGHS.replace("\n", "\n  "),
    "broken.ipynb": BROKEN_NOTEBOOK,
    "ghost.ipynb": GHOST_KERNEL,
    "bad.toml": "[roles\nroot = 'admin'",
    "wrong-role.toml": '[roles]\nroot = "superuser"',
    "viewer.toml": '[roles]\ndefault = "viewer"\nroot = "admin"',
    "latin1.toml": b"[roles]\nroot = '\xe9'".decode("latin-1"),
}
CRON = "0 3 * * *"

# (id, argv, environment, exit code, words the error must contain)
CASES = [
    # -- the environment ----------------------------------------------------------------------
    (
        "home-is-a-file",
        ["runs"],
        {"MLOPS_HOME": "/etc/passwd"},
        2,
        "MLOPS_HOME /etc/passwd is not a directory",
    ),
    ("home-cannot-be-made", ["runs"], {"MLOPS_HOME": "/proc/nope/x"}, 2, "cannot be created"),
    ("tracking-uri-garbage", ["runs"], {"MLOPS_TRACKING_URI": "garbage://x"}, 2, "MLOPS_TRACKING_URI"),
    ("jobs-url-garbage", ["jobs"], {"MLOPS_JOBS_URL": "notaurl"}, 2, "MLOPS_JOBS_URL=notaurl"),
    ("config-is-a-directory", ["roles"], {"MLOPS_CONFIG": "/"}, 2, "project config / is not a file"),
    (
        "config-missing-fails-closed",
        ["promote", "churn", "1", "--to", "champion"],
        {"MLOPS_CONFIG": "/nonexistent/mlops.toml"},
        2,
        "does not exist",
    ),
    ("config-not-toml", ["roles"], {"MLOPS_CONFIG": "bad.toml"}, 2, "is not valid TOML"),
    ("config-not-utf8", ["roles"], {"MLOPS_CONFIG": "latin1.toml"}, 2, "is not UTF-8"),
    ("config-unknown-role", ["roles"], {"MLOPS_CONFIG": "wrong-role.toml"}, 2, "'superuser' is not a role"),
    (
        "viewer-cannot-promote",
        ["promote", "churn", "1", "--to", "champion"],
        {"MLOPS_CONFIG": "viewer.toml", "MLOPS_USER": "carol"},
        4,
        "carol is a viewer",
    ),
    # -- output paths ---------------------------------------------------------------------------
    ("export-unwritable", ["export", "nightly", "--to", "airflow", "-o", "/proc/x"], {}, 2, "/proc/x"),
    ("card-no-directory", ["card", "churn", "1", "--html", "/nonexist/dir/x.html"], {}, 2, "no directory"),
    # -- running notebooks ------------------------------------------------------------------------
    (
        "dask-address-garbage",
        ["run", "nb.ipynb", "--executor", "dask", "--address", "nonsense"],
        {},
        2,
        "'nonsense' is not a Dask scheduler address",
    ),
    ("executor-unknown", ["run", "nb.ipynb", "--executor", "spark"], {}, 2, "unknown executor 'spark'"),
    ("notebook-missing", ["run", "missing.ipynb"], {}, 3, "missing.ipynb"),
    ("notebook-broken-json", ["run", "broken.ipynb"], {}, 2, "broken.ipynb"),
    ("notebook-missing-kernel", ["run", "ghost.ipynb"], {}, 2, "no-such-kernel"),
    ("parameter-unknown", ["run", "nb.ipynb", "-p", "nosuch", "1"], {}, 2, "has no parameter 'nosuch'"),
    ("parameter-wrong-type", ["run", "nb.ipynb", "-p", "x", "many"], {}, 2, "expects an int"),
    ("param-file-alias-bomb", ["run", "nb.ipynb", "--param-file", "laughs.yaml"], {}, 2, "YAML aliases"),
    ("points-alias-bomb", ["run", "nb.ipynb", "--points", "points-laughs.yaml"], {}, 2, "YAML aliases"),
    ("pipeline-alias-bomb", ["run", "pipeline-laughs.yaml"], {}, 2, "YAML aliases"),
    ("sweep-without-values", ["run", "nb.ipynb", "--sweep", "x="], {}, 2, "--sweep"),
    ("cell-timeout-infinite", ["run", "nb.ipynb", "--cell-timeout", "inf"], {}, 2, "--cell-timeout"),
    ("require-nan", ["validate", "nb.ipynb", "--require", "auc>=nan"], {}, 2, "not a finite number"),
    ("require-unreadable", ["validate", "nb.ipynb", "--require", "auc=>0.9"], {}, 2, "auc=>0.9"),
    # -- registry -----------------------------------------------------------------------------------
    ("rule-nan", ["rules", "churn", "--add", "auc>=nan"], {}, 2, "finite number"),
    ("rule-inf", ["rules", "churn", "--add", "auc>=-inf"], {}, 2, "finite number"),
    ("rule-alias-nobody-holds", ["rules", "churn", "--add", "auc>=challenger"], {}, 2, "holds 'challenger'"),
    (
        "promote-require-unheld-alias",
        ["promote", "churn", "1", "--to", "champion", "--require", "auc>=staging"],
        {},
        2,
        "holds 'staging'",
    ),
    ("promote-unknown-version", ["promote", "churn", "99", "--to", "champion"], {}, 3, "99"),
    ("promote-unknown-model", ["promote", "nosuch", "1", "--to", "champion"], {}, 3, "nosuch"),
    ("promote-reserved-alias", ["promote", "churn", "1", "--to", "latest"], {}, 2, "reserved"),
    ("promote-holder-again", ["promote", "churn", "2", "--to", "champion"], {}, 5, "already holds"),
    ("rollback-without-history", ["rollback", "churn", "--alias", "challenger"], {}, 5, "roll back"),
    ("register-bad-run-id", ["register", "not a run", "--name", "churn"], {}, 2, "invalid run id"),
    ("role-unknown", ["roles", "bob", "superuser"], {}, 2, "superuser"),
    # -- jobs ---------------------------------------------------------------------------------------
    ("job-name-empty", ["schedule", "nb.ipynb", "--cron", CRON, "--name", ""], {}, 2, "invalid job name ''"),
    (
        "job-not-validated",
        ["schedule", "draft.ipynb", "--cron", CRON, "--name", "n"],
        {},
        5,
        "not been validated",
    ),
    ("job-timeout-infinite", ["schedule", "nb.ipynb", "--cron", CRON, "--timeout", "inf"], {}, 2, "finite"),
    ("job-cron-garbage", ["schedule", "nb.ipynb", "--cron", "61 * * * *"], {}, 2, "61"),
    (
        "job-timezone-unknown",
        ["schedule", "nb.ipynb", "--cron", CRON, "--tz", "Mars/Base"],
        {},
        2,
        "Mars/Base",
    ),
    ("job-alert-garbage", ["schedule", "nb.ipynb", "--cron", CRON, "--alert", "pager"], {}, 2, "pager"),
    ("job-name-taken", ["schedule", "nb.ipynb", "--cron", CRON, "--name", "nightly"], {}, 5, "nightly"),
    ("job-unknown", ["job", "delete", "nosuch", "--yes"], {}, 3, "nosuch"),
    ("job-history-zero", ["job", "history", "nightly", "-n", "0"], {}, 2, "-n"),
    ("job-wait-zero", ["job", "run-now", "nightly", "--wait", "--timeout", "0"], {}, 2, "--timeout"),
    ("job-update-nothing", ["job", "update", "nightly"], {}, 2, "nothing to change"),
    ("scheduler-poll-zero", ["scheduler", "--poll", "0"], {}, 2, "--poll"),
    ("scheduler-workers-zero", ["scheduler", "--workers", "0"], {}, 2, "--workers"),
    ("scheduler-lease-negative", ["scheduler", "--lease", "-1"], {}, 2, "--lease"),
    ("export-unknown-target", ["export", "nightly", "--to", "cron"], {}, 2, "cron"),
]


@pytest.fixture
def case_files(world):
    written = []
    for name, text in FILES.items():
        path = world / name
        path.write_text(text, encoding="utf-8" if name != "latin1.toml" else "latin-1")
        written.append(path)
    yield
    for path in written:
        path.unlink()


@pytest.mark.parametrize(("argv", "env", "code", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_command_refuses_bad_input_with_its_exit_code(
    argv, env, code, words, case_files, capsys, monkeypatch
):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    started = time.monotonic()

    exit_code, output = cli(capsys, *argv)

    assert (exit_code, words in output) == (code, True), output
    no_traceback(output)
    assert time.monotonic() - started < 30, "a refusal must be quick"


def test_an_alias_bomb_is_refused_in_well_under_a_second(world, capsys):
    (world / "laughs.yaml").write_text(LAUGHS)
    try:
        started = time.monotonic()
        exit_code, output = cli(capsys, "run", "nb.ipynb", "--param-file", "laughs.yaml")
        elapsed = time.monotonic() - started
    finally:
        (world / "laughs.yaml").unlink()

    assert exit_code == 2, output
    assert elapsed < 1.0
    assert len(output) < 400, output


def test_a_role_file_that_cannot_be_read_does_not_make_everyone_admin(world, capsys, monkeypatch):
    monkeypatch.setenv("MLOPS_CONFIG", str(Path(world) / "gone.toml"))

    exit_code, output = cli(capsys, "roles")

    assert exit_code == 2
    assert "everyone is admin" not in output


# The command as a shell runs it: exit codes, stderr and the time to exit are the point here.
PROCESS_CASES = [
    ("dask-address-garbage", ["run", "nb.ipynb", "--executor", "dask", "--address", "nonsense"], {}, 2),
    ("home-is-a-file", ["status"], {"MLOPS_HOME": "/etc/passwd"}, 2),
    ("scheduler-poll-zero", ["scheduler", "--poll", "0"], {}, 2),
]


@pytest.mark.parametrize(
    ("argv", "env", "code"), [c[1:] for c in PROCESS_CASES], ids=[c[0] for c in PROCESS_CASES]
)
def test_the_command_exits_at_once_with_its_code_and_no_traceback(argv, env, code, world):
    import subprocess
    import sys

    from .conftest import env_without_mlops

    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mlops_jupyter.cli", *argv],
        cwd=world,
        env={**env_without_mlops(), "MLOPS_HOME": str(world / ".mlops"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == code, done.stderr
    assert done.stderr.startswith("error:") or "Error:" in done.stderr, done.stderr
    no_traceback(done.stdout + done.stderr)
    # Under 20 s even on a loaded machine; a dask client left connecting would wait 30 s.
    assert time.monotonic() - started < 20, "the command lingered after refusing"
