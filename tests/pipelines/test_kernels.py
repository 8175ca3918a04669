"""The kernel pool: IPC transport, fresh kernels, and a zygote that refuses to fork unsafely."""

import json
import os
import time

from mlops_jupyter.pipelines.kernel_pool import ForkProvisioner, KernelPool


def _run(km, code: str) -> str:
    from jupyter_client import BlockingKernelClient

    info = km.get_connection_info()
    # A pooled kernel may still be starting: a client without a manager takes heartbeats
    # missed before the kernel listens for a death, so wait for its heartbeat socket first.
    deadline = time.monotonic() + 60
    while not os.path.exists(f"{info['ip']}-{info['hb_port']}") and time.monotonic() < deadline:
        time.sleep(0.05)
    kc = BlockingKernelClient()
    kc.load_connection_info(info)
    kc.start_channels()
    try:
        kc.wait_for_ready(60)
        out = []
        kc.execute_interactive(
            code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", ""))
        )
        return "".join(out).strip()
    finally:
        kc.stop_channels()


def test_pooled_kernels_listen_on_ipc_files_and_are_never_reused():
    with KernelPool(2, mode="spawn") as pool:
        first, second = pool.acquire(), pool.acquire()
        for km in (first, second):
            info = json.loads(open(km.connection_file).read())
            assert info["transport"] == "ipc" and info["ip"].startswith(pool.dir)
        assert _run(first, "x = 41; print(x + 1)") == "42"
        pids = {_run(km, "import os; print(os.getpid())") for km in (first, second)}
        pool.release(first, wait=True)
        pool.release(second, wait=True)
        third = pool.acquire()
        assert _run(third, "print('x' in globals())") == "False"
        assert _run(third, "import os; print(os.getpid())") not in pids
        pool.release(third, wait=True)


def test_forked_kernels_are_killed_with_their_process_group(tmp_path):
    with KernelPool(1, mode="fork") as pool:
        km = pool.acquire()
        assert isinstance(km.provisioner, ForkProvisioner)
        pid = int(_run(km, "import os, subprocess; p = subprocess.Popen(['sleep', '60']); print(p.pid)"))
        pool.release(km, wait=True)
        assert not os.path.exists(f"/proc/{pid}") or "Z" in open(f"/proc/{pid}/stat").read().split()[2]


def test_a_preload_that_starts_a_thread_makes_the_pool_spawn_instead(tmp_path, caplog):
    (tmp_path / "threaded_lib.py").write_text(
        "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    with KernelPool(1, mode="fork", preload=("threaded_lib",), env=env) as pool:
        km = pool.acquire()
        assert not isinstance(km.provisioner, ForkProvisioner)
        assert _run(km, "print(1 + 1)") == "2"
        pool.release(km, wait=True)
    assert "preloaded module made forking unsafe" in caplog.text
