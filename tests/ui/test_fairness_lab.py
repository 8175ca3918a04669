"""The fairness widget in a notebook run in a real JupyterLab (its kernel, ipywidgets and plotly's
front end), driven in Chromium: the gaps, the groups table, and the metric the chart shows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "fairness_report.ipynb"
RUN_TIMEOUT_MS = 180_000  # a kernel starts, imports scikit-learn and fairlearn on a shared machine


@pytest.mark.browser
def test_the_fairness_widget_renders_and_switches_metric_in_jupyterlab(lab_server, page):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    shutil.copy(NOTEBOOK, lab_server.project / NOTEBOOK.name)
    page.goto(f"{lab_server.url}lab/tree/{NOTEBOOK.name}?reset&token={lab_server.token}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible")
    try:  # a fresh workspace may ask which kernel to start: the notebook's own
        page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click(timeout=30_000)
    except PlaywrightTimeout:
        pass  # it started the notebook's kernel without asking
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    widget = page.locator(".mlops-fairness-widget")
    title = widget.locator(".js-plotly-plot .gtitle")
    expect(title).to_have_text("selection rate by clinic", timeout=RUN_TIMEOUT_MS)
    expect(widget.locator(".mlops-fairness-head")).to_contain_text("Fairness by clinic: 3 groups")
    expect(widget.locator("table.mlops-fairness-gaps tr")).to_have_count(9)
    rows = widget.locator("table.mlops-fairness-groups tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.locator("td").first).to_have_text("north")

    widget.locator("select").select_option("true_positive_rate")
    expect(title).to_have_text("true positive rate by clinic")
