"""The Dask executor against a real LocalCluster with worker processes, one store for all."""

import os

import pytest

import mlops_jupyter as mlops

from .conftest import mlops_cli, runs_of

WHO = (
    "import os\nimport mlops_jupyter as mlops\nmlops.log_metric('kernel_parent', os.getppid())\n"
    "mlops.log_metric('square', i * i)\nif i < 0: raise ValueError('negative')"
)


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        with Client(lc) as client:
            worker_pids = set(client.run(os.getpid).values())
        yield lc.scheduler_address, worker_pids


def test_a_sweep_on_dask_workers_lands_in_the_same_store(cluster, notebook, client):
    address, worker_pids = cluster
    path = notebook("who.ipynb", [WHO], "i = 0")

    table = mlops.sweep(path, grid={"i": [1, 2, 3, 4]}, executor="dask", address=address, progress=False)

    assert list(table["status"]) == ["FINISHED"] * 4
    assert list(table["square"]) == [1, 4, 9, 16]
    assert set(table["kernel_parent"]) <= worker_pids  # the kernels ran under the workers
    assert os.getpid() not in set(table["kernel_parent"])
    runs = runs_of(client)
    assert len(runs) == 5
    children = [r for r in runs if r.data.tags.get("mlops.kind") == "pipeline"]
    assert {r.data.tags["mlops.executor"] for r in children} == {"dask"}
    assert all(r.info.status == "FINISHED" for r in runs)
    assert all(client.list_artifacts(r.info.run_id, "notebook") for r in children)


def test_the_cli_uses_the_configured_scheduler_and_reports_a_failing_cell(
    cluster, notebook, project, fresh_state
):
    address, _ = cluster
    notebook("who.ipynb", [WHO], "i = 0")

    done = mlops_cli("run", "who.ipynb", "-p", "i", "-3", cwd=project, env={"MLOPS_DASK_ADDRESS": address})

    assert done.returncode == 1
    assert "cell 2 `import os` raised ValueError: negative" in done.stderr
    from mlflow import MlflowClient

    (run,) = runs_of(MlflowClient(tracking_uri=f"sqlite:///{project / '.mlops' / 'mlflow.db'}"))
    assert run.info.status == "FAILED" and run.data.tags["mlops.executor"] == "dask"
    assert run.data.metrics["square"] == 9
