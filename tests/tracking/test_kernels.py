"""Tracking from real kernels: notebook versions, concurrency, and a broken store."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from click.testing import CliRunner
from support import Kernel

from mlops_jupyter.cli import cli
from mlops_jupyter.tracking.notebook import file_version, short
from mlops_jupyter.tracking.writer import VERSIONS_EXPERIMENT
from tests.conftest import kernel_env


def user_runs(client, experiment):
    exp = client.get_experiment_by_name(experiment)
    return client.search_runs([exp.experiment_id], max_results=1000)


def test_notebook_version_and_git_are_tagged_and_the_source_is_stored_once_per_version(
    run_notebook, client, mlops_home
):
    project = mlops_home.parent
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run(
        ["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "x"],
        cwd=project,
        check=True,
    )
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True
    ).stdout.strip()
    cells = [
        "%load_ext mlops_jupyter",
        "%%mlops track -e nbv --metrics m\nm = 1",
        "%%mlops track -e nbv --metrics m\nm = 2",
        "import mlops_jupyter as mlops; mlops.flush()",
    ]
    _, path = run_notebook(cells, name="train.ipynb")
    v1 = file_version(path)
    run_notebook(
        [*cells[:2], "%%mlops track -e nbv --metrics m\nm = 3  # edited", cells[3]], name="train.ipynb"
    )
    v2 = file_version(path)
    assert v1 != v2

    runs = user_runs(client, "nbv")
    assert sorted(r.data.tags["mlops.notebook.version"] for r in runs) == sorted([v1, v1, v2, v2])
    assert {r.data.tags["mlflow.source.git.commit"] for r in runs} == {commit}
    assert {r.data.tags["mlops.git.dirty"] for r in runs} == {"false"}  # train.ipynb is untracked
    assert {r.data.tags["mlflow.source.git.branch"] for r in runs} == {"main"}

    records = user_runs(client, VERSIONS_EXPERIMENT)
    assert sorted(r.data.tags["mlops.notebook.version"] for r in records) == sorted([v1, v2])  # once each
    for record in records:
        stored = client.download_artifacts(record.info.run_id, "notebook/train.ipynb")
        cells_stored = ["".join(c["source"]) for c in json.load(open(stored))["cells"]]
        assert ("m = 3  # edited" in "".join(cells_stored)) == (
            record.data.tags["mlops.notebook.version"] == v2
        )
    assert {r.data.tags["mlops.notebook.version_run"] for r in runs} == {r.info.run_id for r in records}

    out = CliRunner().invoke(cli, ["versions", str(path)]).output
    assert f"{short(v1)}" in out and f"{short(v2)}  first seen" in out and "(current)" in out
    assert out.count("2 run(s)") == 2


def test_two_kernels_tracking_into_one_sqlite_store_lose_nothing(run_notebook, client):
    def notebook(k):
        return [
            "%load_ext mlops_jupyter",
            f"for i in range(25):\n    get_ipython().run_cell_magic('mlops', 'track -e conc -n k{k}-'"
            " + str(i) + ' --metrics m', 'm = ' + str(i))",
            "import mlops_jupyter as mlops; assert mlops.flush(120)",
        ]

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda k: run_notebook(notebook(k), name=f"k{k}.ipynb"), [1, 2]))
    runs = user_runs(client, "conc")
    assert len(runs) == 50
    assert {r.info.run_name: r.data.metrics["m"] for r in runs} == {
        f"k{k}-{i}": float(i) for k in (1, 2) for i in range(25)
    }
    assert {r.info.status for r in runs} == {"FINISHED"}


def test_unreachable_store_warns_under_the_cell_and_the_cell_still_runs(mlops_home):
    """The notice replaces the cell's "logging…" line once the writer gives up, which may be
    after the cell has ended: read every message the kernel sends, as a frontend does."""
    env = kernel_env(mlops_home) | {
        "MLOPS_TRACKING_URI": "http://127.0.0.1:9",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    }
    kernel = Kernel(env, cwd=mlops_home.parent)
    try:
        kernel.run("%load_ext mlops_jupyter")
        cell = kernel.client.execute(
            "%%mlops track -e unreachable --metrics m\nm = 41 + 1\nprint('cell ran', m)"
        )
        printed, displays, notice = "", set(), None
        deadline = time.monotonic() + 120
        while notice is None:
            msg = kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            kind, content, parent = msg["msg_type"], msg["content"], msg["parent_header"].get("msg_id")
            if kind == "stream" and parent == cell:
                printed += content["text"]
            elif kind == "display_data" and parent == cell:
                displays.add(content["transient"]["display_id"])
            elif kind == "update_display_data" and content["transient"]["display_id"] in displays:
                if "logging" not in content["data"]["text/html"]:
                    notice = content["data"]["text/html"]
        assert printed == "cell ran 42\n"
        assert "tracking pending" in notice and "127.0.0.1" in notice  # kept in the journal for later
        assert "failed runs:    1" in kernel.stdout("%mlops status")
    finally:
        kernel.stop()


def test_load_ext_imports_nothing_heavy():
    code = (
        "import sys, time; t = time.perf_counter()\n"
        "from IPython.testing.globalipapp import start_ipython; ip = start_ipython()\n"
        "t = time.perf_counter(); ip.run_line_magic('load_ext', 'mlops_jupyter');"
        " dt = time.perf_counter() - t\n"
        "heavy = [m for m in ('mlflow', 'nbformat', 'papermill', 'shap', 'plotly', 'pandas', 'sqlalchemy') "
        "if m in sys.modules]\n"
        "print(heavy, dt)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    heavy, seconds = out.rsplit(" ", 1)
    assert heavy == "[]", heavy
    assert float(seconds) < 0.15
