"""A real `jupyter lab` with the extension loaded, Debian's Chromium driven by Playwright,
and runs written for real into the store the server reads.

The server runs in its own process (one per test module) with `MLOPS_HOME` pointing at a fresh
store; the test process writes runs into that same store through the Python API (see :func:`tracked`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# JupyterLab takes seconds to load on a busy machine; every wait is real, none is a sleep.
LOAD_TIMEOUT_MS = 90_000
EXPECT_TIMEOUT_MS = 20_000
SERVER_START_TIMEOUT_S = 90


@dataclass
class LabServer:
    url: str
    token: str
    project: Path
    home: Path
    log: Path

    @property
    def lab_url(self) -> str:
        # `reset`: every page starts from an empty workspace, whatever earlier tests opened.
        return f"{self.url}lab?reset&token={self.token}"

    def get(self, path: str, token: bool = True) -> tuple[int, dict | str]:
        """GET ``path`` (relative to the server's base URL); returns (status, JSON or text)."""
        headers = {"Authorization": f"token {self.token}"} if token else {}
        return self._send(urllib.request.Request(self.url + path, headers=headers))

    def post(self, path: str, body: dict) -> tuple[int, dict | str]:
        """POST ``body`` as JSON to ``path`` with the token; returns (status, JSON or text)."""
        return self._send(
            urllib.request.Request(
                self.url + path,
                data=json.dumps(body).encode(),
                method="POST",
                headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
            )
        )

    @staticmethod
    def _send(request) -> tuple[int, dict | str]:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _tracked(home: Path):
    """Point this process's tracking at ``home`` for the block, then flush and restore."""
    import mlops_jupyter as mlops
    from mlops_jupyter import _testing

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("MLOPS_")}
    os.environ["MLOPS_HOME"] = str(home)
    _testing.reset_state()
    try:
        yield mlops
        assert mlops.flush(60), "tracking did not flush within 60 s"
    finally:
        _testing.reset_state()
        for key in [k for k in os.environ if k.startswith("MLOPS_")]:
            del os.environ[key]
        os.environ.update(saved)


@pytest.fixture(scope="module")
def lab_server(request, tmp_path_factory) -> LabServer:
    """`jupyter lab` on a free port, token auth, a temp project with a fresh `.mlops/` store.

    One per test module: each module's tests see only the runs, models and jobs they made.
    The report page's preheated kernel is off unless the module sets ``REPORT_PREHEAT = True``:
    it would warm one (~200 MiB, seconds of CPU) beside every module that lists models.
    """
    from mlops_jupyter import _testing

    base = tmp_path_factory.mktemp("lab")
    project = base / "project"
    project.mkdir()
    saved_home = os.environ.get("MLOPS_HOME")
    try:
        home = _testing.fresh_home(project)  # sets MLOPS_HOME in this process: undone below
    finally:
        if saved_home is None:
            os.environ.pop("MLOPS_HOME", None)
        else:
            os.environ["MLOPS_HOME"] = saved_home
        _testing.reset_state()

    # Own config, settings and workspace folders: nothing from the developer's ~/.jupyter.
    config_dir = base / "config"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"mlops_jupyter": True}},
                "MlopsJupyter": {"report_preheat": getattr(request.module, "REPORT_PREHEAT", False)},
            }
        )
    )
    settings_dir = base / "settings"
    notifications = settings_dir / "@jupyterlab" / "apputils-extension"
    notifications.mkdir(parents=True)
    (notifications / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )

    token = secrets.token_hex(16)
    port = _free_port()
    log = base / "jupyter-lab.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
    env |= {
        "MLOPS_HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--allow-root",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={project}",
        f"--IdentityProvider.token={token}",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = LabServer(f"http://127.0.0.1:{port}/", token, project, home, log)
    try:
        _wait_until_ready(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_ready(server: LabServer, process: subprocess.Popen) -> None:
    """Wait until our REST API answers and JupyterLab serves our labextension."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with {process.returncode}:\n{server.log_tail()}")
        try:
            status, body = server.get("mlops/api/status")
        except OSError:  # not listening yet
            status, body = None, None
        if status == 200:
            break
        if status is not None and status != 503:
            pytest.fail(f"GET mlops/api/status answered {status}: {body}\n{server.log_tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"jupyter lab did not answer within {SERVER_START_TIMEOUT_S} s:\n{server.log_tail()}")
        time.sleep(0.25)  # polling a port that is not open yet: nothing to wait on
    assert body["state_dir"] == str(server.home), body
    _, page = server.get(f"lab?token={server.token}")
    if '"name": "mlops-jupyter"' not in page and '"name":"mlops-jupyter"' not in page:
        pytest.fail(
            "JupyterLab does not list the mlops-jupyter labextension: build it with "
            "`npm run build` (or `pip install -e .`), then check `jupyter labextension list`."
        )


@pytest.fixture(scope="module")
def tracking(lab_server):
    """Write runs for real into the server's store, from the test process.

    >>> with tracking() as mlops:
    ...     with mlops.track(experiment="churn", params={"max_depth": 6}) as run:
    ...         run.log_metric("auc", 0.91)
    """
    return lambda: _tracked(lab_server.home)


# Module scope: Playwright's sync API runs an event loop in this thread while it is open,
# which later tests using pytest-jupyter's loop fixtures must not find still running.
@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        # A missing browser must not pass silently: `make test` installs it (scripts/system-deps.sh).
        pytest.fail(f"browser tests need Debian's Chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# pytest-jupyter's autouse fixtures serve an in-process server these tests do not use, and
# would close the event loop Playwright runs in this thread: replace them here.
@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    import asyncio

    loop = asyncio.new_event_loop()  # never made current: Playwright's loop stays untouched
    yield loop
    loop.close()


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    yield


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    """A fresh browser page; on failure a screenshot and the browser console go to test-results/ui/."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        out = Path(request.config.rootpath) / "test-results" / "ui"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / f"{request.node.name}.png"))
        (out / f"{request.node.name}.console.txt").write_text("\n".join(console))
    context.close()


@pytest.fixture
def open_sidebar(page, lab_server):
    """Load JupyterLab and open the MLOps sidebar; returns the sidebar's locator."""

    def open_():
        page.goto(lab_server.lab_url)
        # JupyterLab ends its start-up by opening a Launcher in the empty workspace and
        # focusing it, a second or so after the sidebar shows: until then, whatever a test
        # focuses in the sidebar can lose the focus to it.
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-active", has_text="Launcher").wait_for(
            state="visible"
        )
        tab = page.locator('.jp-SideBar.jp-mod-left [data-id="mlops-sidebar"]')
        tab.wait_for(state="visible")
        sidebar = page.locator("#mlops-sidebar")
        if not sidebar.is_visible():
            tab.click()
        sidebar.wait_for(state="visible")
        return sidebar

    return open_
