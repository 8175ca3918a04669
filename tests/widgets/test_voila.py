"""Both report notebooks served by a real Voila server, driven in headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def voila(tmp_path):
    """Serve a notebook from ``notebooks/`` with Voila; yields its URL."""
    servers = []

    def serve(name: str) -> str:
        port = free_port()
        log = open(tmp_path / f"voila-{port}.log", "w")
        env = dict(os.environ, MLOPS_HOME=str(tmp_path / ".mlops"))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voila",
                name,
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
                # our JupyterLab sidebar has no place in a report
                '--VoilaConfiguration.extension_denylist=["mlops-jupyter"]',
            ],
            cwd=NOTEBOOKS,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        servers.append((proc, log))
        deadline = time.time() + 60
        while time.time() < deadline:
            try:  # a plain connection: a GET / would already run the notebook
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                return f"http://127.0.0.1:{port}/"
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.3)
        raise AssertionError("voila did not start:\n" + (tmp_path / f"voila-{port}.log").read_text()[-3000:])

    yield serve
    for proc, log in servers:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        yield page
        browser.close()


def titles(page) -> list[str]:
    return page.eval_on_selector_all(".js-plotly-plot .gtitle", "els => els.map(e => e.textContent)")


def choose(page, select_index: int, text: str) -> None:
    """Pick the option whose label contains ``text`` in the n-th <select> of the page."""
    select = page.locator("select").nth(select_index)
    labels = select.locator("option").all_inner_texts()
    label = next(x for x in labels if text in x.replace("\xa0", " "))
    select.select_option(label=label)


def test_drift_report_in_voila(voila, page):
    page.goto(voila("drift_report.ipynb"), timeout=120_000)
    page.wait_for_selector(".js-plotly-plot .gtitle", timeout=180_000)
    assert page.locator("text=Data drift detected").count() == 1
    assert page.locator("table.mlops-drift-table tr.drift-row").count() == 14
    assert titles(page)[0].startswith("alcohol:")
    retry(
        page,
        lambda: (choose(page, 1, "flavanoids"), choose(page, 1, "proline")),  # the column dropdown
        "() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
        ".some(e => e.textContent.startsWith('proline:'))",
    )
    retry(
        page,
        lambda: (choose(page, 0, "score"), choose(page, 0, "column")),  # sort by name (descending)
        "() => document.querySelector('tr.drift-row').dataset.column === 'total_phenols'",
    )


def test_explain_report_in_voila(voila, page):
    page.goto(voila("explain_report.ipynb"), timeout=120_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .gtitle').length >= 4", timeout=180_000
    )
    shown = titles(page)
    assert any(t.startswith("Global importance") for t in shown)
    assert any(t.startswith("Dependence: worst perimeter") for t in shown)
    assert page.locator(".js-plotly-plot canvas").count() >= 2  # WebGL scatter layers
    retry(
        page,
        lambda: (choose(page, 1, "worst radius"), choose(page, 1, "mean texture")),  # feature dropdown
        "() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
        ".some(e => e.textContent === 'Dependence: mean texture')",
    )
    # a click on a beeswarm point, delivered as plotly.js reports it to the FigureWidget
    before = next(t for t in titles(page) if t.startswith("Row "))
    click = """(point) => {
        const gd = [...document.querySelectorAll('.js-plotly-plot')]
            .find(g => g._fullLayout.title.text.startsWith('SHAP values per row'));
        gd.emit('plotly_click', {points: [{curveNumber: 0, pointNumber: point, x: 0, y: 0}],
                                 event: {altKey: false, ctrlKey: false, metaKey: false, shiftKey: false,
                                         button: 0, buttons: 1}});
    }"""
    changed = (
        "() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
        f".some(e => e.textContent.startsWith('Row ') && e.textContent !== {before!r})"
    )
    points = iter(range(250, 400, 7))  # a new point each try: a repeated identical event is no change
    retry(page, lambda: page.evaluate(click, next(points)), changed)


def retry(page, action, condition: str, tries: int = 6) -> None:
    """Act until the page shows the effect: right after the first render the widgets'
    connection to the kernel may still be settling, and an early event can be lost."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(tries):
        action()
        try:
            page.wait_for_function(condition, timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the page never showed: {condition}")
