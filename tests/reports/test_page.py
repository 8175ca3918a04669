"""The report page for real: Voila served by `mlops report` and inside a Jupyter server, the static
file opened offline, each loaded in Debian's Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from mlops_jupyter.reports import READY
from tests.jobs.conftest import wait_for

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOAD_MS = 180_000

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store_env(store, user: str = "root") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
    return env | {"MLOPS_HOME": str(store.home), "MLOPS_USER": user}


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@pytest.fixture(scope="module")
def served(report_store, tmp_path_factory):
    """`mlops report churn@champion` for real: a standalone Voila; yields the URL it printed."""
    log = tmp_path_factory.mktemp("voila") / "stderr.txt"
    with open(log, "w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlops_jupyter.cli", "report", "churn@champion", "--port", "0"],
            cwd=report_store.project,
            env=store_env(report_store),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    line = process.stdout.readline()  # the URL is printed once Voila listens
    match = re.match(r"report served at (http://\S+)", line)
    if not match:
        stop(process)
        pytest.fail(f"mlops report printed {line!r}:\n{log.read_text()[-3000:]}")
    voila = psutil.Process(process.pid).children(recursive=True)
    yield match.group(1)
    stop(process)  # SIGTERM, as a process manager stops it: Voila and its kernels go too
    _, alive = psutil.wait_procs(voila, timeout=30)
    assert not alive, f"left running after mlops report stopped: {[p.cmdline()[:4] for p in alive]}"


@contextlib.contextmanager
def jupyter_server(report_store, base: Path):
    """A Jupyter server with our extension and Voila's, run by a viewer; yields (base URL, token).

    Each kernel of the report page's pool writes its id to ``base/ready`` once warm.
    """
    config = base / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {"ServerApp": {"jpserver_extensions": {"mlops_jupyter": True, "voila.server_extension": True}}}
        )
    )
    token, port = secrets.token_hex(16), free_port()
    env = store_env(report_store, user="vera") | {
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        READY: str(base / "ready"),
    }
    with open(base / "server.log", "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                "--allow-root",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--ServerApp.root_dir={report_store.project}",
                f"--IdentityProvider.token={token}",
            ],
            cwd=report_store.project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                pytest.fail("jupyter server did not start:\n" + (base / "server.log").read_text()[-3000:])
            time.sleep(0.25)  # polling a port that is not open yet: nothing to wait on
    try:
        yield url, token
    finally:
        stop(process)


@pytest.fixture(scope="module")
def jupyter(report_store, tmp_path_factory):
    with jupyter_server(report_store, tmp_path_factory.mktemp("server")) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(LOAD_MS)
    yield page
    context.close()


def assert_full_report(page) -> None:
    """Every section of churn@champion is on the page, with its charts, and no code."""
    page.wait_for_selector(".mlops-audit-row")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
    text = page.inner_text("body")
    assert "Model report: churn@champion (v3)" in text
    assert "churn@champion is version 3" in text
    assert "drift detected: 50% of the input columns drifted" in text
    titles = page.eval_on_selector_all(".js-plotly-plot .gtitle", "els => els.map(e => e.textContent)")
    assert any(t.startswith("Metrics over versions") for t in titles), titles
    assert any(t.startswith("Global importance") for t in titles), titles
    assert any(t.startswith("SHAP values per row") for t in titles), titles
    assert any(t.startswith("Drift over time") for t in titles), titles
    kpi = page.locator(".mlops-kpi[data-kpi='cost_saved_eur']")
    assert "6,000 EUR" in kpi.inner_text()
    assert "Drifted columns in the last run: income" in text
    assert page.locator(".mlops-audit-row").count() == 6
    assert "The audit chain verifies" in text
    for hidden in ("import ", "page.show", "Traceback", "Error", "Downloading artifacts", "Warning"):
        assert hidden not in text, hidden
    shown = page.eval_on_selector_all(
        ".jp-InputArea, .jp-CodeMirrorEditor, [data-mime-type*='stderr']",
        "els => els.map(e => e.className + ': ' + e.textContent.slice(0, 300))",
    )
    assert shown == []


def test_mlops_report_serves_the_page_with_voila(served, page):
    started = time.monotonic()
    page.goto(served)
    page.wait_for_selector(".mlops-summary")
    to_summary = time.monotonic() - started
    assert_full_report(page)
    assert to_summary < 60, f"the summary took {to_summary:.1f} s"


def test_a_model_without_monitoring_runs_says_health_is_not_available(served, page):
    page.goto(served.split("?")[0] + "?model=quiet&alias=champion")
    page.wait_for_selector(".mlops-audit-row")
    page.wait_for_selector("h2[data-section='history']")
    text = page.inner_text("body")
    assert "Model report: quiet@champion (v1)" in text
    assert "not available: no monitoring run of quiet yet" in text
    assert "not available: no training or monitoring run of this model logged a KPI" in text


def test_a_viewer_opens_the_report_inside_the_jupyter_server(jupyter, reported, page):
    url, token = jupyter
    page.goto(f"{url}mlops/report?model=churn&alias=champion&token={token}")
    assert_full_report(page)
    from mlops_jupyter.governance.roles import role_of  # the server's user, as the page ran it

    assert role_of("vera") == "viewer"


def test_inside_the_jupyter_server_each_visit_gets_a_kernel_warmed_before_it(
    report_store, reported, tmp_path, page
):
    with jupyter_server(report_store, tmp_path) as (url, token):
        ready = tmp_path / "ready"
        report = f"{url}mlops/report?model=churn&alias=champion&token={token}"

        def warm_kernels() -> set[str]:
            return set(ready.read_text().split()) - served if ready.exists() else set()

        def visit() -> str:
            page.goto(report)
            page.wait_for_selector("text=churn@champion is version 3")
            config = page.evaluate("document.getElementById('jupyter-config-data').textContent")
            page.goto("about:blank")
            return json.loads(config)["kernelId"]

        served = {visit()}  # the first visit starts the pool and waits for its first kernel
        for _ in range(2):  # then each visit finds the kernel the pool warmed after the last one
            warm = wait_for(warm_kernels, 120, 0.2, "a warm kernel for the report")  # a file kernels write
            kernel = visit()
            assert kernel in warm, (kernel, warm)
            served.add(kernel)


def test_opening_the_models_view_warms_a_kernel_before_the_first_report_visit(
    report_store, reported, tmp_path, page
):
    import urllib.request

    with jupyter_server(report_store, tmp_path) as (url, token):
        ready = tmp_path / "ready"
        models = urllib.request.Request(f"{url}mlops/api/models", headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(models, timeout=60) as answer:
            assert "churn" in answer.read().decode()

        def warm_kernels() -> set[str]:
            return set(ready.read_text().split()) if ready.exists() else set()

        # kernels write their id to a file once warm: nothing to subscribe to
        warm = wait_for(warm_kernels, 120, 0.2, "a warm kernel after the models were listed")
        page.goto(f"{url}mlops/report?model=churn&alias=champion&token={token}")
        page.wait_for_selector("text=churn@champion is version 3")
        config = page.evaluate("document.getElementById('jupyter-config-data').textContent")
        assert json.loads(config)["kernelId"] in warm


@pytest.mark.parametrize("where", ["mlops report", "jupyter server"])
def test_the_text_shows_as_it_arrives_without_voilas_scripts_or_other_hosts(where, request, browser):
    """The summary must not wait for the charts: Voila's own template hides every output until the
    last cell has run and its scripts have loaded, and fetches a stylesheet from a CDN."""
    if where == "mlops report":
        url = request.getfixturevalue("served")
    else:
        base, token = request.getfixturevalue("jupyter")
        url = f"{base}mlops/report?model=churn&alias=champion&token={token}"
    context = browser.new_context(java_script_enabled=False)  # only what the server streamed
    try:
        requests: list[str] = []
        context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
        page = context.new_page()
        page.set_default_timeout(LOAD_MS)
        page.goto(url)
        assert page.locator(".mlops-summary").is_visible()
        assert "churn@champion is version 3" in page.inner_text("body")
        assert page.locator(".mlops-audit-row").count() == 6
        host = url.split("/")[2]
        assert [u for u in requests if u.split("/")[2] != host] == []
    finally:
        context.close()


def test_the_jupyter_server_refuses_the_page_without_a_login(jupyter, page):
    url, _ = jupyter
    response = page.goto(f"{url}mlops/report?model=churn&alias=champion")
    assert "/login" in page.url or (response is not None and response.status == 403)


def test_the_static_file_opens_offline_with_every_chart(reported, tmp_path, page):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlops_jupyter.cli",
            "report",
            "churn@champion",
            "--html",
            str(tmp_path / "r.html"),
        ],
        env=store_env(reported),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "r.html").read_text()
    assert len(html.encode()) < 6e6
    assert html.count("plotly.js v") == 1  # the library once, for every chart
    requests: list[str] = []
    page.context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    page.context.set_offline(True)
    page.goto((tmp_path / "r.html").as_uri())
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
    assert [u for u in requests if not u.startswith(("file://", "data:", "blob:"))] == []
    assert "churn@champion is version 3" in page.inner_text("body")
