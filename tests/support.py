"""Test support shared across test directories: a real `mlflow server`, and helper modules loaded once."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

STARTUP_SECONDS = 180
TESTS = Path(__file__).resolve().parent


class MlflowServer:
    """``mlflow server ARGS`` on a free local port, its output in ``log``; ready once /health answers.

    Use it as a context manager: the server stops at the end of the block and its log stays.
    """

    def __init__(self, *args: str, log: Path, cwd: Path | None = None, env: dict | None = None):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("MLOPS_", "MLFLOW_"))}
        with open(log, "w") as out:
            command = [sys.executable, "-m", "mlflow", "server", *args, "--host", "127.0.0.1"]
            self.process = subprocess.Popen(
                [*command, "--port", str(port), "--workers", "1"],
                cwd=cwd,
                env=base_env | (env or {}),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def __enter__(self) -> MlflowServer:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"mlflow server did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)  # polling a server that is not listening yet: nothing to wait on
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)


def load_once(name: str, path: Path):
    """The module at ``path``, loaded once under ``name`` whichever test directory asks first
    (a session's seeded store is then built once)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def registry_seed():
    """tests/registry/seed.py: the seeded runs the registry, report and team tests share."""
    return load_once("mlops_registry_seed", TESTS / "registry" / "seed.py")


def reset_shell(ip) -> None:
    """Clear the test IPython shell's namespace and history between tests. IPython's reset()
    also flushes the output cache with a full gc.collect() of the test process, which takes
    seconds per test late in a suite: it is skipped."""
    full_cache, ip.displayhook.do_full_cache = ip.displayhook.do_full_cache, 0
    try:
        ip.reset(new_session=False)
    finally:
        ip.displayhook.do_full_cache = full_cache


class Kernel:
    """A real IPython kernel, driven as JupyterLab drives it (on IPC sockets: no port races)."""

    def __init__(self, env: dict, cwd: Path):
        from jupyter_client import KernelManager

        self.km = KernelManager(kernel_name="python3", transport="ipc")
        self.km.ip = os.path.join(tempfile.mkdtemp(prefix="mlops-k"), "kernel")
        self.km.start_kernel(env=env, cwd=str(cwd))
        self.client = self.km.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code: str, timeout: float = 120) -> list[dict]:
        outputs = []
        reply = self.client.execute_interactive(
            code, timeout=timeout, output_hook=lambda msg: outputs.append(msg["content"])
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        return outputs

    def stdout(self, code: str) -> str:
        return "".join(o["text"] for o in self.run(code) if o.get("name") == "stdout")

    def pid(self) -> int:
        return int(self.stdout("import os; print(os.getpid())"))

    def stop(self):
        self.client.stop_channels()
        if self.km.is_alive():
            self.km.shutdown_kernel(now=True)
