"""`%%mlops track` in real kernels executing real notebooks."""

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from mlops_jupyter.cli import cli
from mlops_jupyter.tracking.notebook import file_version
from tests.conftest import kernel_env


def test_tracked_cell_in_a_kernel_becomes_a_run_with_notebook_version(run_notebook, client):
    _nb, path = run_notebook(
        [
            "%load_ext mlops_jupyter",
            "alpha = 0.5\nmax_depth = 4",
            "%%mlops track --experiment churn --params alpha,max_depth --metrics auc\nauc = 0.875",
            "import mlops_jupyter as mlops\nmlops.flush()",
        ]
    )
    exp = client.get_experiment_by_name("churn")
    (run,) = client.search_runs([exp.experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.params == {"alpha": "0.5", "max_depth": "4"}
    assert run.data.metrics == {"auc": 0.875}
    assert run.data.tags["mlops.notebook.version"] == file_version(path)
    assert run.data.tags["mlops.notebook.path"] == "nb.ipynb"


def test_pending_logging_is_flushed_when_the_kernel_shuts_down(run_notebook, client):
    # No flush in the notebook: the kernel's exit writes what is still queued, or, when the
    # kernel is stopped first, the next mlops process replays its journal.
    run_notebook(["%load_ext mlops_jupyter", "%%mlops track -e exit --metrics m\nm = 7"])
    assert CliRunner().invoke(cli, ["runs", "-e", "exit"]).exit_code == 0
    (run,) = client.search_runs([client.get_experiment_by_name("exit").experiment_id])
    assert run.info.status == "FINISHED" and run.data.metrics == {"m": 7.0}


def test_a_model_logged_by_the_magic_registers_from_another_process(run_notebook, client, mlops_home):
    run_notebook(
        [
            "%load_ext mlops_jupyter",
            "%%mlops track -e reg --model model\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "X = [[0.0], [1.0], [2.0], [3.0]]; y = [0, 0, 1, 1]\n"
            "model = LogisticRegression().fit(X, y)",
            "import mlops_jupyter as mlops; assert mlops.flush(120)",
        ]
    )
    (run,) = client.search_runs([client.get_experiment_by_name("reg").experiment_id])
    work = mlops_home.parent / "elsewhere"
    work.mkdir()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("mlops")), "register", run.info.run_id, "--name", "m"],
        cwd=work,
        env=kernel_env(mlops_home),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert f"registered m v1 from run {run.info.run_id}" in done.stdout
    assert not (work / "mlflow.db").exists() and not (mlops_home.parent / "mlflow.db").exists()
    (version,) = client.search_model_versions("name = 'm'")
    assert version.run_id == run.info.run_id


AUTOLOGGED = (
    "%%mlops track -e warn\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])"
)


def test_warnings_from_autologging_go_to_the_run_and_the_users_own_still_show(
    run_notebook, client, mlops_home
):
    nb, _ = run_notebook(
        [
            "%load_ext mlops_jupyter\nimport sklearn",
            AUTOLOGGED,
            "%%mlops track -e warn -n mine\nimport warnings\nwarnings.warn('check your inputs')",
            "import mlops_jupyter as mlops; assert mlops.flush(120)",
        ]
    )
    autologged, mine = (json.dumps(cell.outputs) for cell in nb.cells[1:3])
    assert "Warning" not in autologged  # a clean screen: nothing from MLflow's machinery
    assert "UserWarning: check your inputs" in mine

    runs = {
        r.info.run_name: r for r in client.search_runs([client.get_experiment_by_name("warn").experiment_id])
    }
    (fit,) = [r for name, r in runs.items() if name != "mine"]
    assert fit.data.params  # autologging did log into the cell's run
    captured = Path(client.download_artifacts(fit.info.run_id, "warnings/cell.txt")).read_text()
    assert "y_pred" in captured
    assert "y_pred" in (mlops_home / "logs" / "warnings.log").read_text()
    assert "warnings" not in [a.path for a in client.list_artifacts(runs["mine"].info.run_id)]


def test_a_fit_outside_tracked_cells_makes_no_run_and_the_next_tracked_cell_is_autologged(
    run_notebook, client
):
    fit = "LogisticRegression(max_iter={}).fit(X, y)"
    run_notebook(
        [
            "%load_ext mlops_jupyter\nfrom sklearn.datasets import load_iris\n"
            "from sklearn.linear_model import LogisticRegression\nX, y = load_iris(return_X_y=True)",
            "%%mlops track -e auto -n first\n" + fit.format(300),
            fit.format(301),  # untracked: MLflow must not start a run of its own
            "%%mlops track -e auto -n second\n" + fit.format(302),
            "import mlops_jupyter as mlops; assert mlops.flush(120)",
        ]
    )
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert sorted(r.info.run_name for r in runs if r.data.tags.get("mlops.kind") != "notebook-version") == [
        "first",
        "second",
    ]
    by_name = {r.info.run_name: r for r in runs}
    assert by_name["first"].data.params["max_iter"] == "300"
    assert by_name["second"].data.params["max_iter"] == "302"  # autologging resumed
