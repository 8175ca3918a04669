"""The Models view's "Open report": the model's report page in a new tab, served by the same server."""

from __future__ import annotations

import pytest

MODEL = "churn-report"
# The server warms the report's kernel once the Models view lists the models, as for a user.
REPORT_PREHEAT = True


@pytest.fixture(scope="module")
def champion_model(lab_server, tracking):
    """One registered version of a real model (not from a notebook: forced past the gate) as champion."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    x, y = load_breast_cancer(return_X_y=True)
    model = LogisticRegression(max_iter=3000).fit(x[:, :5], y)
    with tracking() as mlops:
        with mlops.track(experiment="report-button", autolog=False) as run:
            mlops.log_metric("accuracy", float(model.score(x[:, :5], y)))
            mlops.log_model(model, sample=x[:20, :5])
        mlops.flush()
        mlops.register(run.run_id, MODEL)
        mlops.promote(MODEL, 1, "champion", reason="the first one, tried by hand", force=True)


@pytest.mark.browser
def test_open_report_shows_the_models_page_in_a_new_tab(open_sidebar, champion_model, page):
    from playwright.sync_api import expect

    # Given the Models view with the model's detail open
    sidebar = open_sidebar()
    tab = sidebar.get_by_role("tab", name="Models")
    tab.click()
    sidebar.locator(f'.mlops-Model[data-model="{MODEL}"]').click()
    button = sidebar.locator(".mlops-OpenReport")
    expect(button).to_be_enabled()
    # When "Open report" is clicked
    with page.context.expect_page() as opened:
        button.click()
    report = opened.value
    # Then the report of its champion loads in the new tab, from the same server, logged in
    assert report.url.startswith(
        page.url.split("/lab")[0] + "/mlops/report?model=churn-report&alias=champion"
    )
    report.wait_for_selector(".mlops-summary", timeout=120_000)
    assert "churn-report@champion is version 1" in report.inner_text(".mlops-summary")
    report.wait_for_selector("h2[data-section='history']", timeout=120_000)
    expect(report.locator(".mlops-audit-row")).to_have_count(2)
