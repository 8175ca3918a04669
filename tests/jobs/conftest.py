"""Job fixtures: validated notebooks, real scheduler processes, a real HTTP and SMTP receiver,
and a throw-away PostgreSQL server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mlops_jupyter import _testing

REPO = Path(__file__).parents[2]

QUICK = "import time\nstarted = time.time()\nresult = x * 2\n"


def make_notebook(path: Path, cells: list[str], parameters: str | None = "x = 1") -> Path:
    return _testing.write_notebook(path, cells, parameters)


@pytest.fixture
def project(mlops_home) -> Path:
    return mlops_home.parent


@pytest.fixture
def validated(project):
    """``validated("name.ipynb", [cells], parameters="x = 1", x=2)``: a notebook that passed
    ``mlops validate`` for real (a kernel runs it), returned as its path."""
    from mlops_jupyter.pipelines.validation import validate

    def make(name: str, cells: list[str] | None = None, parameters: str | None = "x = 1", **values) -> Path:
        path = make_notebook(project / name, cells or [QUICK], parameters)
        record = validate(path, values or None)
        assert record.passed, record.error
        return path

    return make


def wait_for(predicate, timeout: float = 60, interval: float = 0.1, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def history(name: str):
    from mlops_jupyter.jobs import service as api

    return api.history(name, 1000)


def ended(name: str, count: int = 1, timeout: float = 90):
    """Wait until job ``name`` has ``count`` ended firings; returns the history, oldest first."""
    done = ("succeeded", "failed", "timeout", "checks_failed", "skipped")

    def enough():
        found = [f for f in history(name) if f.status in done]
        return found if len(found) >= count else None

    return list(reversed(wait_for(enough, timeout, 0.2, f"{count} ended firing(s) of {name}")))


def first_ended(name: str, timeout: float = 90):
    """Wait until job ``name``'s first firing (by due time) has ended; return it. A later firing
    may end before it on a busy machine, so the first to end is not always the first."""
    done = ("succeeded", "failed", "timeout", "checks_failed", "skipped")

    def oldest():
        firings = history(name)
        return firings[-1] if firings and firings[-1].status in done else None

    return wait_for(oldest, timeout, 0.2, f"the first firing of {name} to end")


class SchedulerProcess:
    """A real `mlops scheduler` child process on the test's store."""

    def __init__(self, cwd: Path, *args: str, env: dict | None = None):
        self.log = cwd / f"scheduler-{time.monotonic_ns()}.log"
        self._fh = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mlops_jupyter.cli", "scheduler", "-v", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 60) -> SchedulerProcess:
        wait_for(
            lambda: "started:" in self.output() or self.proc.poll() is not None,
            timeout,
            0.1,
            "the scheduler to start",
        )
        assert self.proc.poll() is None, self.output()
        return self

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when a machine or an OOM killer stops it."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._fh.close()
        return self.proc.returncode


@pytest.fixture
def scheduler_process(project):
    """Start real scheduler processes; each is stopped (SIGTERM, then SIGKILL) at the end."""
    started: list[SchedulerProcess] = []

    def start(*args: str, env: dict | None = None, ready: bool = True) -> SchedulerProcess:
        process = SchedulerProcess(project, *args, env=env)
        started.append(process)
        return process.wait_ready() if ready else process

    yield start
    for process in started:
        process.stop(30)
        # Shown by pytest only when the test failed: what each scheduler did.
        print(f"--- scheduler {process.pid} ---\n{process.output()[-4000:]}")
    _testing.reset_state()


@pytest.fixture
def in_process_scheduler(project):
    """A scheduler thread in this process (what the Jupyter server runs); stopped at the end."""
    from mlops_jupyter.jobs.scheduler import Scheduler

    made: list[Scheduler] = []

    def start(**kw) -> Scheduler:
        sched = Scheduler(**{"workers": 2, "poll": 0.2, "lease": 6.0, **kw}).start()
        made.append(sched)
        return sched

    yield start
    for sched in made:
        sched.stop()


# -- receivers -------------------------------------------------------------------------------


class Receiver:
    """A real local HTTP server that records every POST (headers and JSON body)."""

    def __init__(self):
        self.requests: list[dict] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(
                    {"path": self.path, "headers": dict(self.headers), "raw": data, "json": json.loads(data)}
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    receiver = Receiver()
    yield receiver
    receiver.close()


class Mailbox:
    """A real SMTP server (aiosmtpd) on localhost that keeps every message it is sent."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        box = self.messages

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                from email import message_from_bytes

                box.append({"to": list(envelope.rcpt_tos), "message": message_from_bytes(envelope.content)})
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self):
        self.controller.stop()


@pytest.fixture
def mailbox(monkeypatch):
    box = Mailbox()
    monkeypatch.setenv("MLOPS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MLOPS_SMTP_PORT", str(box.port))
    yield box
    box.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_url() -> str:
    """An http URL on a local port nobody listens on: connecting fails at once."""
    return f"http://127.0.0.1:{free_port()}/nobody-home"


@pytest.fixture
def postgres_store(postgres, mlops_home, monkeypatch):
    """The job store of this test on a fresh PostgreSQL database (MLflow stays on SQLite)."""
    import uuid

    url = postgres.create_database(f"jobs_{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("MLOPS_JOBS_URL", url)
    _testing.reset_state()
    yield url
    _testing.reset_state()


def mlops_cli(
    *args: str, cwd: Path, env: dict | None = None, timeout: float = 240
) -> subprocess.CompletedProcess:
    """The real `mlops` command in a child process (exit codes and output as a user sees them)."""
    return subprocess.run(
        [sys.executable, "-m", "mlops_jupyter.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
