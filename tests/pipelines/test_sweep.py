"""Sweeps on the local kernel pool: parent and child runs, fresh kernels, summary, Ctrl-C."""

import os
import signal
import subprocess
import sys
import time

import pytest

import mlops_jupyter as mlops
from mlops_jupyter import _testing

from .conftest import runs_of


def test_a_sweep_is_a_parent_run_with_one_child_per_point_and_a_summary(typed_notebook, client):
    table = mlops.sweep(
        typed_notebook,
        grid={"x": [1, 2, 13], "flag": ["true", "false"]},
        points=[{"x": 40, "layers": [9]}],
        parameters={"name": "sweep"},
        workers=2,
        progress=False,
    )

    assert list(table["x"]) == [1, 1, 2, 2, 13, 13, 40]
    assert list(table["flag"])[:2] == [True, False] and table["flag"].iloc[-1] is None
    assert set(table["status"]) == {"FINISHED"}
    assert list(table["x_times_two"]) == [2, 2, 4, 4, 26, 26, 80]
    parent_id = table.attrs["parent_run_id"]
    parent = client.get_run(parent_id)
    assert parent.data.tags["mlops.kind"] == "sweep" and parent.info.status == "FINISHED"
    children = runs_of(client, filter_string=f"tags.`mlflow.parentRunId` = '{parent_id}'")
    assert sorted(r.info.run_id for r in children) == sorted(table["run_id"])
    by_id = {r.info.run_id: r for r in children}
    last = by_id[table["run_id"].iloc[-1]]
    assert last.data.params["layers"] == "[9]" and last.data.params["name"] == "sweep"
    assert last.info.run_name == "x=40, layers=[9]"
    assert all(r.info.status == "FINISHED" for r in children)


def test_each_point_gets_a_fresh_kernel_even_when_forked(notebook, client):
    path = notebook(
        "fresh.ipynb",
        [
            "import os, numpy as np\nimport mlops_jupyter as mlops\n"
            "mlops.log_metric('leaked', int('marker' in globals()))\nmarker = True\n"
            "mlops.log_metric('pid', os.getpid())\nmlops.log_metric('draw', float(np.random.rand()))\n"
            "mlops.log_metric('cwd_is_project', int(os.getcwd() == "
            "os.path.dirname(os.environ['MLOPS_NOTEBOOK_PATH'])))",
        ],
        "i = 0",
    )
    table = mlops.sweep(path, grid={"i": range(6)}, workers=2, kernels="fork", progress=False)

    assert set(table["status"]) == {"FINISHED"}
    assert set(table["leaked"]) == {0}
    assert table["pid"].nunique() == 6
    assert table["draw"].nunique() == 6  # numpy's global generator is reseeded in every fork
    assert set(table["cwd_is_project"]) == {1}


def test_a_failing_point_does_not_stop_the_others_and_the_cli_exits_nonzero(notebook, project, fresh_state):
    notebook(
        "flaky.ipynb",
        [
            "import mlops_jupyter as mlops\nif i == 2: raise RuntimeError('point two')\n"
            "mlops.log_metric('ok', i)"
        ],
        "i = 0",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mlops_jupyter.cli", "run", "flaky.ipynb", "--sweep", "i=1,2,3", "-w", "2"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["i", "status", "ok", "duration_s", "run_id"]
    statuses = {line.split()[0]: line.split()[1] for line in lines[1:4]}
    assert statuses == {"1": "FINISHED", "2": "FAILED", "3": "FINISHED"}
    assert "sweep flaky" in done.stderr and "3/3" in done.stderr  # the progress bar
    assert "raised RuntimeError: point two" in done.stderr
    assert "error: 1 of 3 sweep runs failed" in done.stderr
    _testing.reset_state()
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project / '.mlops' / 'mlflow.db'}")
    parent = next(r for r in runs_of(client) if r.data.tags.get("mlops.kind") == "sweep")
    assert parent.info.status == "FAILED" and parent.data.tags["mlops.sweep.failed"] == "1"


def test_ctrl_c_stops_the_sweep_and_marks_unfinished_runs_killed(notebook, project, fresh_state):
    notebook(
        "slow.ipynb",
        ["import time, pathlib\npathlib.Path(f'started-{i}').touch()\ntime.sleep(120)"],
        "i = 0",
    )
    marker = f"MLOPS_TEST_MARKER=ctrl-c-{os.getpid()}-{time.time()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_jupyter.cli", "run", "slow.ipynb", "--sweep", "i=1,2,3,4,5", "-w", "2"],
        cwd=project,
        # PYTHONFAULTHANDLER: a hang is reported with every thread's stack (SIGABRT below).
        env={**os.environ, marker.split("=")[0]: marker.split("=", 1)[1], "PYTHONFAULTHANDLER": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As from a terminal: a command started in the background (nohup, `&` in a script)
        # inherits SIGINT ignored, and Python then installs no Ctrl-C handler at all.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while len(list(project.glob("started-*"))) < 2 and time.time() < deadline:
        time.sleep(0.2)
    assert len(list(project.glob("started-*"))) == 2
    started = time.time()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    try:
        _out, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        _out, err = proc.communicate()
        pytest.fail(f"the sweep did not stop within 90 s of Ctrl-C; its threads:\n{err[-8000:]}")

    assert proc.returncode == 130, err
    assert time.time() - started < 30
    assert "stopped: unfinished runs are marked KILLED" in err
    assert "Traceback" not in err
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project / '.mlops' / 'mlflow.db'}")
    runs = runs_of(client)
    assert len(runs) == 6  # the parent and one child per point
    assert {r.info.status for r in runs} == {"KILLED"}
    # The interrupted runs kept their output notebooks.
    running = [r for r in runs if r.data.tags.get("mlops.output")]
    assert len(running) >= 2
    # No kernel or zygote outlives the command.
    deadline = time.time() + 10
    while _processes_with(marker) and time.time() < deadline:
        time.sleep(0.2)
    assert _processes_with(marker) == []


def _processes_with(marker: str) -> list[int]:
    """Live processes whose environment holds ``marker`` (kernels inherit the command's)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if marker.encode() not in fh.read():
                    continue
            with open(f"/proc/{entry}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue  # exited, waiting to be reaped
        except OSError:
            continue
        found.append(int(entry))
    return found


def test_a_sweep_from_inside_a_notebook_returns_a_dataframe(typed_notebook, run_notebook, client):
    nb, _ = run_notebook(
        [
            "import mlops_jupyter as mlops\n"
            "table = mlops.sweep('typed.ipynb', grid={'x': [3, 4]}, workers=2)\n"
            "print(type(table).__name__, list(table['status']), list(table['x_times_two']))"
        ],
        name="driver.ipynb",
    )
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    assert "DataFrame ['FINISHED', 'FINISHED'] [6.0, 8.0]" in text
    assert len(runs_of(client)) == 3


def test_the_cli_takes_a_param_file_and_a_points_file(typed_notebook, project, fresh_state):
    (project / "base.yaml").write_text("name: from-file\nratio: 2\n")
    (project / "points.yaml").write_text("- {x: 5}\n- {x: 6, flag: true}\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlops_jupyter.cli",
            "run",
            "typed.ipynb",
            "--param-file",
            "base.yaml",
            "--points",
            "points.yaml",
            "--sweep",
            "x=1",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()[:4]
    assert header.split()[:3] == ["x", "flag", "status"]
    assert [row.split()[:3] for row in rows] == [
        ["1", "None", "FINISHED"],
        ["5", "None", "FINISHED"],
        ["6", "True", "FINISHED"],
    ]
    assert "ratio" in header and all(row.split()[4] == "2.0" for row in rows)


def test_ctrl_c_that_lands_on_another_thread_still_stops_the_wait_at_once():
    # Python runs the handler in the main thread; the kernel may deliver the signal to any thread
    # (a step's, the kernel pool's). A wait without a timeout would sleep on until a step ended.
    import threading
    from concurrent.futures import Future

    from mlops_jupyter.pipelines.executors import wait_first

    never: Future = Future()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # ignored when run in the background
    interrupt = threading.Timer(0.3, lambda: signal.pthread_kill(threading.get_ident(), signal.SIGINT))
    give_up = threading.Timer(10, lambda: never.set_result(None))
    interrupt.start()
    give_up.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            wait_first([never])
        assert time.monotonic() - started < 5
    finally:
        give_up.cancel()
        signal.signal(signal.SIGINT, previous)
