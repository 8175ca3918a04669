"""`mlops run` of one notebook in real kernels: tracking, failures, lost kernels, bad input."""

import json

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.cli import main
from mlops_jupyter.errors import ExecutionFailed
from mlops_jupyter.tracking.notebook import file_version

from .conftest import all_runs, mlops_cli, runs_of


def test_a_run_is_one_tracked_mlflow_run_with_typed_parameters(typed_notebook, client, mlops_home):
    result = mlops.run(typed_notebook, {"x": "7", "layers": "[5, 6]", "options": {"depth": 3}})

    assert result.ok and result.metrics["x_times_two"] == 14
    assert result.checks == {"x_positive": True}
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"x": "7", "layers": "[5, 6]", "options": '{"depth": 3}'}
    assert json.loads(run.data.tags["mlops.parameters"]) == {
        "x": 7,
        "layers": [5, 6],
        "options": {"depth": 3},
    }
    # Ints stay ints inside the kernel.
    assert json.loads(run.data.tags["seen_types"]) == {
        "x": "int",
        "ratio": "float",
        "name": "str",
        "flag": "bool",
        "layers": "list",
        "options": "dict",
    }
    assert run.data.tags["mlops.notebook.path"] == "typed.ipynb"
    assert run.data.tags["mlops.notebook.version"] == file_version(typed_notebook)
    assert run.data.tags["mlops.check.x_positive"] == "passed"
    assert float(run.data.tags["mlops.duration_s"]) > 0
    # The executed notebook is kept locally (under the state dir) and as an artifact.
    assert result.output_path.startswith(str(mlops_home / "outputs" / result.run_id))
    artifacts = [a.path for a in client.list_artifacts(result.run_id, "notebook")]
    assert artifacts == ["notebook/typed.ipynb"]
    executed = json.loads(open(result.output_path).read())
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in executed["cells"])
    # Nothing else: no stray run for the notebook's logging.
    assert [r.info.run_id for r in runs_of(client)] == [result.run_id]


def test_tracked_cells_join_the_step_run_and_nested_ones_become_children(notebook, client):
    path = notebook(
        "nested.ipynb",
        [
            "%load_ext mlops_jupyter",
            "%%mlops track --metrics auc\nauc = 0.91",
            "%%mlops track --nested --name fold-1 --metrics fold_auc\nfold_auc = 0.88",
        ],
        "seed = 0",
    )
    result = mlops.run(path, {"seed": 3})
    runs = runs_of(client)
    assert len(runs) == 2
    (child,) = [r for r in runs if r.info.run_id != result.run_id]
    assert client.get_run(result.run_id).data.metrics == {"auc": 0.91}
    assert child.data.tags["mlflow.parentRunId"] == result.run_id
    assert child.info.run_name == "fold-1" and child.data.metrics == {"fold_auc": 0.88}
    assert child.info.status == "FINISHED"


def test_a_failing_cell_fails_the_run_keeps_the_notebook_and_names_the_cell(notebook, client, capsys):
    path = notebook(
        "fails.ipynb", ["a = 1", "raise ValueError('bad data at row 7')", "never = True"], "x = 1"
    )

    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(path), "-p", "x", "2"])

    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "cell 3 `raise ValueError('bad data at row 7')` raised ValueError: bad data at row 7" in err
    (run,) = runs_of(client)
    assert run.info.status == "FAILED"
    assert run.data.tags["mlops.error.cell"] == "3"
    output = json.loads(open(run.data.tags["mlops.output"]).read())
    assert "An Exception was encountered" in "".join(output["cells"][0]["source"])  # papermill's banner
    assert not any(c.get("outputs") for c in output["cells"] if "never" in "".join(c["source"]))
    assert [a.path for a in client.list_artifacts(run.info.run_id, "notebook")] == ["notebook/fails.ipynb"]
    traceback = client.download_artifacts(run.info.run_id, "error/traceback.txt")
    assert "bad data at row 7" in open(traceback).read()


def test_sys_exit_with_an_error_code_fails_and_exit_zero_stops_cleanly(notebook, client):
    bad = notebook("exit3.ipynb", ["import sys\nsys.exit(3)", "never = 1"], "x = 1")
    good = notebook(
        "exit0.ipynb",
        ["import mlops_jupyter as mlops\nmlops.log_metric('done', 1)\nimport sys\nsys.exit(0)"],
        "x = 1",
    )

    with pytest.raises(ExecutionFailed) as info:
        mlops.run(bad)
    assert info.value.ename == "SystemExit" and info.value.evalue == "3"
    result = mlops.run(good)
    assert result.ok and result.metrics == {"done": 1.0}


def test_a_dying_kernel_and_a_cell_timeout_fail_the_run_like_a_cell_error(notebook, client):
    dies = notebook(
        "dies.ipynb",
        [
            "import mlops_jupyter as mlops\nmlops.log_metric('before', 1)",
            "import os\nos._exit(9)",
            "after = 1",
        ],
        "x = 1",
    )
    slow = notebook("slow.ipynb", ["import time\ntime.sleep(60)"], "x = 1")

    dead = mlops.run(dies, raise_on_error=False)
    assert dead.status == "FAILED" and dead.error["ename"] == "DeadKernelError"
    assert dead.error["cell_index"] == 3
    assert dead.metrics == {"before": 1.0}  # logged before the kernel died: not lost
    assert client.get_run(dead.run_id).data.metrics == {"before": 1.0}

    timed_out = mlops.run(slow, cell_timeout=2, raise_on_error=False)
    assert timed_out.status == "FAILED" and timed_out.error["ename"] == "CellTimeoutError"
    assert "cell timeout of 2 s" in timed_out.error["message"]
    for result in (dead, timed_out):
        output = json.loads(open(result.output_path).read())
        assert "An Exception was encountered" in "".join(output["cells"][0]["source"])
        assert client.get_run(result.run_id).info.status == "FAILED"


def test_bad_input_is_one_line_a_nonzero_exit_and_writes_nothing(
    project, typed_notebook, client, fresh_state
):
    (project / "broken.ipynb").write_text("{ nope")
    (project / "plain.ipynb").write_text(typed_notebook.read_text().replace('"parameters"', '"other"'))
    cases = [
        (["run", "missing.ipynb"], 3, "notebook not found: missing.ipynb"),
        (["run", "broken.ipynb"], 2, "broken.ipynb is not a valid notebook"),
        (["run", "plain.ipynb", "-p", "x", "2"], 2, "has no cell tagged 'parameters'"),
        (["run", "typed.ipynb", "-p", "depth", "2"], 2, "has no parameter 'depth'"),
        (["run", "typed.ipynb", "-p", "x", "two"], 2, "expects an int, got 'two'"),
        (["run", "typed.ipynb", "--executor", "spark"], 2, "unknown executor 'spark'"),
        (
            ["run", "typed.ipynb", "--executor", "dask", "--address", "tcp://127.0.0.1:9"],
            6,
            "cannot reach the Dask scheduler at tcp://127.0.0.1:9",
        ),
    ]
    for args, code, message in cases:
        done = mlops_cli(*args, cwd=project)
        assert done.returncode == code, (args, done.stderr)
        first = done.stderr.strip().splitlines()[0]
        assert first.startswith("error: ") and message in first, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert all_runs(client) == []


def test_the_cli_prints_the_run_and_its_metrics(typed_notebook, project, fresh_state):
    done = mlops_cli("run", "typed.ipynb", "-p", "x", "4", "-p", "options", '{"a": 1}', cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("FINISHED  run ")
    assert "x_times_two=8" in done.stdout and "x_positive=passed" in done.stdout


def test_a_run_in_a_git_repository_is_tagged_with_the_commit(typed_notebook, project, client):
    import subprocess

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=project, capture_output=True, text=True, check=True
        ).stdout.strip()

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "start")
    git("add", "typed.ipynb")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "notebook")

    result = mlops.run(typed_notebook)

    tags = client.get_run(result.run_id).data.tags
    assert tags["mlflow.source.git.commit"] == git("rev-parse", "HEAD")
    assert tags["mlops.notebook.version_run"]  # the source notebook, stored once per version
