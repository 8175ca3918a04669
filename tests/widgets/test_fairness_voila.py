"""The fairness widget in the shipped fairness report, served by a real Voila, in headless Chromium."""

from __future__ import annotations

import pytest
from test_voila import choose, page, retry, voila  # noqa: F401 - the Voila server and browser fixtures

pytestmark = pytest.mark.browser


def test_fairness_report_in_voila(voila, page):  # noqa: F811
    page.goto(voila("fairness_report.ipynb"), timeout=120_000)
    page.wait_for_selector(".mlops-fairness-widget .js-plotly-plot .gtitle", timeout=180_000)

    head = page.locator(".mlops-fairness-head")
    assert head.inner_text().startswith("Fairness by clinic: 3 groups")
    gaps = dict(row.split("\t") for row in page.locator("table.mlops-fairness-gaps tr").all_inner_texts())
    assert 0 < float(gaps["demographic_parity_difference"]) < 1
    groups = page.locator("table.mlops-fairness-groups tbody tr")
    assert groups.count() == 3
    assert groups.first.locator("td").first.inner_text() == "north"  # the largest group first
    title = ".mlops-fairness-widget .js-plotly-plot .gtitle"
    assert page.locator(title).text_content() == "selection rate by clinic"
    retry(
        page,
        lambda: (choose(page, 0, "accuracy"), choose(page, 0, "false_positive_rate")),
        f"() => document.querySelector({title!r}).textContent === 'false positive rate by clinic'",
    )
