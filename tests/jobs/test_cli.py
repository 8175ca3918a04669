"""The `mlops schedule / jobs / job / export` commands as a user runs them: messages and exit codes."""

from __future__ import annotations

import subprocess
import sys

from .conftest import QUICK, make_notebook, mlops_cli, unreachable_url


def test_help_is_instant_and_lists_the_job_commands():
    code = (
        "import sys\nfrom mlops_jupyter.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('mlflow', 'papermill', 'nbformat', 'sqlalchemy', 'croniter', 'cronsim') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    for name in ("schedule", "jobs", "job", "scheduler", "export"):
        assert f"\n  {name} " in out.stdout
    assert "HEAVY []" in out.stdout


def test_bad_input_gets_one_clear_line_and_the_exit_code_of_its_kind(validated, project):
    validated("nb.ipynb")
    make_notebook(project / "draft.ipynb", [QUICK + "draft = 1\n"])
    cases = [
        (["nb.ipynb", "--cron", "61 * * * *"], 2, "invalid cron expression"),
        (["nb.ipynb", "--cron", "0 6 * * *", "--tz", "Europe/Atlantis"], 2, "unknown time zone"),
        (["nb.ipynb", "--cron", "0 6 * * *", "-p", "y", "1"], 2, "has no parameter 'y'"),
        (["nb.ipynb", "--cron", "0 6 * * *", "--timeout", "a while"], 2, "is not a duration"),
        (["draft.ipynb", "--cron", "0 6 * * *"], 5, "has not been validated"),
        (["missing.ipynb", "--cron", "0 6 * * *"], 3, "notebook not found"),
    ]
    for args, code, text in cases:
        out = mlops_cli("schedule", *args, cwd=project)
        assert out.returncode == code, (args, out.stderr)
        assert out.stderr.startswith("error: ") and text in out.stderr, (args, out.stderr)
    assert "mlops validate draft.ipynb" in mlops_cli("schedule", "draft.ipynb", cwd=project).stderr

    dead = unreachable_url()  # accepted: an alert receiver may be down today
    out = mlops_cli(
        "schedule",
        "nb.ipynb",
        "--cron",
        "0 6 * * *",
        "--name",
        "n1",
        "-p",
        "x",
        "3",
        "--alert",
        f"webhook={dead}",
        cwd=project,
    )
    assert out.returncode == 0 and "scheduled job n1" in out.stdout
    out = mlops_cli("schedule", "nb.ipynb", "--cron", "0 6 * * *", "--name", "n1", cwd=project)
    assert out.returncode == 5 and "already exists" in out.stderr

    assert mlops_cli("job", "pause", "n1", cwd=project).stdout.strip() == "paused job n1"
    assert "paused" in mlops_cli("jobs", cwd=project).stdout
    assert "resumed job n1" in mlops_cli("job", "resume", "n1", cwd=project).stdout
    assert mlops_cli("job", "history", "n1", cwd=project).stdout.strip() == "job n1 has not fired yet"
    assert mlops_cli("job", "delete", "n1", "--yes", cwd=project).returncode == 0
    out = mlops_cli("job", "history", "n1", cwd=project)
    assert out.returncode == 3 and "no job named 'n1'" in out.stderr
