"""No run is lost once its cell has returned: the write-ahead journal, replayed by later processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support import Kernel

from tests.conftest import kernel_env

MLOPS = str(Path(sys.executable).with_name("mlops"))


def user_runs(client, experiment):
    exp = client.get_experiment_by_name(experiment)
    return client.search_runs([exp.experiment_id], max_results=1000) if exp else []


def journals(home: Path) -> list[Path]:
    return sorted((home / "journal").glob("*.jsonl"))


def until(condition, seconds: float = 120, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return found


@pytest.fixture
def kernel(mlops_home):
    started = []

    def start(env: dict | None = None) -> Kernel:
        started.append(Kernel(kernel_env(mlops_home) | (env or {}), cwd=mlops_home.parent))
        return started[-1]

    yield start
    for k in started:
        k.stop()


def tracked_cells(n: int, experiment: str) -> str:
    """One cell that runs ``n`` tracked cells and prints the time each started (ms)."""
    return (
        "import time\nstarts = []\n"
        f"for i in range({n}):\n"
        "    starts.append(int(time.time() * 1000))\n"
        f"    get_ipython().run_cell_magic('mlops', 'track -e {experiment} -n r' + str(i)"
        f" + ' --metrics m', 'm = ' + str(i))\n"
        "print(starts)"
    )


def test_sigkill_right_after_tracked_cells_loses_no_run_and_the_cli_replays_them_once(
    kernel, mlops_home, client
):
    k = kernel()
    k.run("%load_ext mlops_jupyter")
    pid = k.pid()
    starts = json.loads(k.stdout(tracked_cells(5, "killed")))
    killed_at = int(time.time() * 1000)
    os.kill(pid, signal.SIGKILL)
    until(lambda: not k.km.is_alive(), what="the kernel to die")
    assert journals(mlops_home)  # left by the dead kernel

    # A later mlops process replays what the dead kernel left.
    subprocess.run(
        [MLOPS, "runs", "-e", "killed"], cwd=mlops_home.parent, env=kernel_env(mlops_home), check=True
    )

    runs = user_runs(client, "killed")
    assert sorted(r.info.run_name for r in runs) == [f"r{i}" for i in range(5)]  # each once
    assert {r.info.status for r in runs} == {"FINISHED"}
    for run in runs:
        i = int(run.info.run_name[1:])
        assert run.data.metrics == {"m": float(i)}
        # The cell's time, not the replay's.
        assert starts[i] <= run.info.start_time <= [*starts, killed_at][i + 1]
    assert journals(mlops_home) == []


def test_kernel_restart_keeps_the_runs_of_the_kernel_before(kernel, mlops_home, client):
    k = kernel()
    k.run("%load_ext mlops_jupyter")
    k.run(tracked_cells(3, "restart"))
    k.km.restart_kernel(now=False)  # what JupyterLab's "Restart kernel" does
    k.client.wait_for_ready(timeout=120)

    # The new kernel replays what the old one could not write, when it starts tracking.
    k.run("%load_ext mlops_jupyter")
    k.run("%%mlops track -e restart -n after --metrics m\nm = 9")
    k.run("import mlops_jupyter as mlops; assert mlops.flush(120)")
    until(lambda: not [p for p in journals(mlops_home) if p.stat().st_size and _unlocked(p)], what="replay")

    runs = user_runs(client, "restart")
    assert sorted(r.info.run_name for r in runs) == ["after", "r0", "r1", "r2"]
    assert {r.info.status for r in runs} == {"FINISHED"}


def _unlocked(path: Path) -> bool:
    import fcntl

    with open(path) as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_runs_tracked_while_the_server_is_down_appear_once_it_is_back(kernel, mlops_home, tmp_path):
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    k = kernel({"MLOPS_TRACKING_URI": uri, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    k.run("%load_ext mlops_jupyter")
    outputs = k.run(tracked_cells(3, "offline") + "\nimport mlops_jupyter as mlops; mlops.flush(60)")
    starts = json.loads("".join(o["text"] for o in outputs if o.get("name") == "stdout").splitlines()[0])
    shown = json.dumps(outputs)
    assert "tracking pending" in shown and f"127.0.0.1:{port}" in shown  # said under the cells

    back_at = int(time.time() * 1000)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("mlflow")),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 'server.db'}",
            "--default-artifact-root",
            str(tmp_path / "server-artifacts"),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its workers go with it
    )
    try:
        until(lambda: _accepts(port), 180, "the tracking server")
        k.run("assert mlops.flush(120)")  # the server is back: the pending runs are written
        from mlflow import MlflowClient

        runs = user_runs(MlflowClient(uri), "offline")
        assert sorted(r.info.run_name for r in runs) == ["r0", "r1", "r2"]
        for run in runs:
            i = int(run.info.run_name[1:])
            assert starts[i] <= run.info.start_time <= [*starts, back_at][i + 1]
            assert run.data.metrics == {"m": float(i)}
        status = json.dumps(k.run("%mlops status"))
        assert "pending" not in status.replace("pending events: 0", "")
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(30)


def _accepts(port: int) -> bool:
    import urllib.request

    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200
    except OSError:
        return False


ORPHAN = """
import os, signal, time, uuid
from mlops_jupyter import config
from mlops_jupyter.tracking import journal
j = journal.WriteAheadJournal(config.state_dir() / journal.DIRECTORY, config.tracking_uri())
for i in range({n}):
    run, t = uuid.uuid4().hex, int(time.time() * 1000)
    j.append({{"op": "start", "run": run, "parent": None, "experiment": "orphans", "name": f"o{{i}}",
              "time": t, "tags": {{}}, "notebook": None, "cwd": os.getcwd()}})
    j.append({{"op": "metrics", "run": run, "metrics": [["m", i, None, t]]}})
    j.append({{"op": "end", "run": run, "status": "FINISHED", "time": t + 5, "error": None}})
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_two_replayers_at_once_write_each_orphaned_run_once(mlops_home, client):
    env = kernel_env(mlops_home)
    for _ in range(2):  # two dead processes, 15 runs each
        subprocess.run([sys.executable, "-c", ORPHAN.format(n=15)], cwd=mlops_home.parent, env=env)
    assert len(journals(mlops_home)) == 2

    def replayer(_):
        return subprocess.run([MLOPS, "runs", "-e", "orphans"], cwd=mlops_home.parent, env=env).returncode

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(replayer, range(2))) == [0, 0]

    runs = user_runs(client, "orphans")
    assert len(runs) == 30
    assert sorted(r.info.run_name for r in runs) == sorted([f"o{i}" for i in range(15)] * 2)
    assert {r.info.status for r in runs} == {"FINISHED"}
    assert journals(mlops_home) == []


HALF_WRITTEN = """
import os, signal, time
from mlops_jupyter import config
from mlops_jupyter.tracking import journal
from mlops_jupyter.tracking.writer import RunWriter
j = journal.WriteAheadJournal(config.state_dir() / journal.DIRECTORY, config.tracking_uri())
t = int(time.time() * 1000)
start = {"op": "start", "run": "half", "parent": None, "experiment": "half", "name": "h",
         "time": t, "tags": {}, "notebook": None, "cwd": os.getcwd()}
j.append(start)
j.append({"op": "metrics", "run": "half", "metrics": [["m", 1, None, t]]})
j.append({"op": "end", "run": "half", "status": "FINISHED", "time": t + 5, "error": None})
RunWriter().apply([start])  # the writer created the run; the process dies before marking it
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_run_created_but_not_marked_before_the_process_died_is_not_duplicated(mlops_home, client):
    subprocess.run([sys.executable, "-c", HALF_WRITTEN], cwd=mlops_home.parent, env=kernel_env(mlops_home))
    (before,) = user_runs(client, "half")
    assert before.info.status == "RUNNING"

    from mlops_jupyter.tracking.replay import replay_orphans

    assert replay_orphans() == 1
    (after,) = user_runs(client, "half")
    assert after.info.run_id == before.info.run_id
    assert after.info.status == "FINISHED" and after.data.metrics == {"m": 1.0}


def test_replay_with_nothing_to_do_is_a_listing(mlops_home):
    from mlops_jupyter.tracking.replay import replay_orphans

    code = (
        "import sys, time; t = time.perf_counter()\n"
        "from mlops_jupyter.tracking.replay import replay_orphans; n = replay_orphans()\n"
        "print(n, [m for m in ('mlflow', 'sqlalchemy') if m in sys.modules], time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=mlops_home.parent,
        env=kernel_env(mlops_home),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(" ", 2)
    assert out[0] == "0" and out[1].startswith("[]")
    assert replay_orphans() == 0
