"""`%%mlops track` in real kernels executing real notebooks."""

from mlops_jupyter.tracking.notebook import file_version


def test_tracked_cell_in_a_kernel_becomes_a_run_with_notebook_version(run_notebook, client):
    nb, path = run_notebook(
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
    # No flush in the notebook: the kernel's exit writes what is still queued.
    run_notebook(["%load_ext mlops_jupyter", "%%mlops track -e exit --metrics m\nm = 7"])
    (run,) = client.search_runs([client.get_experiment_by_name("exit").experiment_id])
    assert run.info.status == "FINISHED" and run.data.metrics == {"m": 7.0}
