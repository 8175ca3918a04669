"""State directory discovery, the tracking URI override and fast store creation."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import mlops_jupyter as mlops
from mlops_jupyter import _testing, config
from mlops_jupyter.cli import cli
from mlops_jupyter.tracking import mlflow_store as store


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in ("MLOPS_HOME", "MLOPS_TRACKING_URI", "MLOPS_ARTIFACT_ROOT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    _testing.reset_state()


def test_state_dir_is_found_walking_up_like_git(clean_env, monkeypatch):
    (clean_env / ".mlops").mkdir()
    deep = clean_env / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert config.state_dir() == clean_env / ".mlops"
    assert config.tracking_uri() == f"sqlite:///{clean_env / '.mlops' / 'mlflow.db'}"


def test_state_dir_is_created_in_the_working_directory_when_none_exists(clean_env):
    assert not (clean_env / ".mlops").exists()
    assert config.state_dir() == clean_env / ".mlops"
    assert (clean_env / ".mlops").is_dir()


def test_mlops_home_wins(clean_env, monkeypatch, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "state"
    (clean_env / ".mlops").mkdir()
    monkeypatch.setenv("MLOPS_HOME", str(elsewhere))
    assert config.state_dir() == elsewhere


def test_tracking_uri_override_sends_runs_to_that_store(clean_env, monkeypatch):
    other = clean_env / "team.db"
    monkeypatch.setenv("MLOPS_TRACKING_URI", f"sqlite:///{other}")
    _testing.reset_state()
    with mlops.track(experiment="x") as run:
        run.log_metric("m", 1)
    mlops.flush()
    from mlflow import MlflowClient

    assert MlflowClient(f"sqlite:///{other}").get_run(run.run_id).data.metrics == {"m": 1.0}
    assert not (clean_env / ".mlops" / "mlflow.db").exists()


def test_a_new_store_is_a_fast_copy_with_artifacts_under_the_state_dir(clean_env):
    store.client()  # makes sure the migrated template exists
    _testing.reset_state()
    target = clean_env / "fresh" / "mlflow.db"
    start = time.perf_counter()
    store.ensure_sqlite_store(target, str(clean_env / "fresh" / "artifacts"))
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"store creation took {elapsed:.2f} s"
    from mlflow import MlflowClient

    default = MlflowClient(f"sqlite:///{target}").get_experiment("0")
    assert default.artifact_location == (clean_env / "fresh" / "artifacts" / "0").as_uri()


def test_cli_help_is_fast_and_lists_commands():
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "mlops_jupyter.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert time.perf_counter() - start < 1.5
    for command in ("status", "runs", "versions", "demo"):
        assert f"  {command} " in out
    heavy = (
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; sys.argv=['mlops','--help']\n"
                "from mlops_jupyter.cli import main\ntry: main()\nexcept SystemExit: pass\n"
                "print([m for m in ('mlflow','nbformat','papermill','shap','pandas') if m in sys.modules])",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert heavy == "[]"


def test_cli_status_names_the_store(mlops_home):
    out = CliRunner().invoke(cli, ["status"]).output
    assert f"sqlite:///{mlops_home}/mlflow.db" in out


def test_cli_errors_are_one_line_with_the_exit_code_of_their_kind(mlops_home):
    result = subprocess.run(
        [sys.executable, "-m", "mlops_jupyter.cli", "versions", "missing.ipynb"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "no runs recorded" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "mlops_jupyter.cli", "runs", "--filter", "nonsense ???"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid run search")
