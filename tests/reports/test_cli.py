"""`mlops report` from a shell: the file it writes, and bad input said in words, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def mlops(store, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
    env["MLOPS_HOME"] = str(store.home)
    return subprocess.run(
        [sys.executable, "-m", "mlops_jupyter.cli", *args],
        env=env,
        cwd=store.project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_compare_writes_the_holders_side_by_side(report_store, tmp_path):
    done = mlops(
        report_store,
        "report",
        "churn",
        "--compare",
        "champion,challenger",
        "--html",
        str(tmp_path / "c.html"),
    )
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "churn@champion (v3)" in done.stdout
    html = (tmp_path / "c.html").read_text()
    assert "<th>champion (v3)</th><th>challenger (v2)</th>" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch@champion"], "model 'nosuch': not found"),
        (["churn@gone"], "model 'churn' has no alias 'gone'"),
        (["churn", "--compare", "champion"], "--compare needs two or more aliases"),
        (["churn@champion", "--html", "no/such/dir/r.html"], "no directory no/such/dir"),
    ],
)
def test_bad_input_is_one_clear_line_and_writes_nothing(report_store, tmp_path, args, message):
    target = [] if "--html" in args else ["--html", str(tmp_path / "r.html")]
    done = mlops(report_store, "report", *args, *target)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r.html").exists()
