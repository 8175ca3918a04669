"""The MLOps sidebar in a real JupyterLab, in Debian's Chromium, on runs tracked for real."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

BAD_FILTER = "metrics.auc >>> 0.9"
SWEEP_RUNS = 53  # more than one page (50) of the sidebar

NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "metadata": {}, "source": "auc = 0.91", "outputs": [], "execution_count": None}
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def runs(lab_server, tracking):
    """Runs written through the Python API: a sweep, two experiments, a failure, a nested run."""
    notebook = lab_server.project / "train.ipynb"
    notebook.write_text(json.dumps(NOTEBOOK))
    ids = {}
    with tracking() as mlops:
        # Oldest first: the sweep fills more than a page of its own experiment.
        for i in range(SWEEP_RUNS):
            with mlops.track(
                experiment="sweep", name=f"trial-{i:02d}", params={"i": i}, autolog=False
            ) as run:
                run.log_metric("loss", 1 / (i + 1))
        with mlops.track(experiment="pricing", name="ridge", params={"alpha": 0.5}, autolog=False) as run:
            run.log_metric("rmse", 12.34)
        with pytest.raises(ValueError):
            with mlops.track(
                experiment="churn", name="broken-features", params={"max_depth": 9}, autolog=False
            ):
                raise ValueError("feature 'tenure' is missing")
        with mlops.track(experiment="churn", name="cv", autolog=False) as parent:
            with mlops.track(name="fold-1", nested=True, autolog=False) as child:
                child.log_metric("auc", 0.85)
        ids["cv"], ids["fold-1"] = parent.run_id, child.run_id
        with mlops.track(
            experiment="churn",
            name="rf-depth-3",
            params={"max_depth": 3},
            notebook=str(notebook),
            autolog=False,
        ) as run:
            run.log_metrics({"auc": 0.87, "f1": 0.8})
        with mlops.track(
            experiment="churn",
            name="rf-depth-6",
            params={"max_depth": 6, "n_estimators": 200},
            notebook=str(notebook),
            autolog=False,
        ) as run:
            run.log_metrics({"auc": 0.91, "f1": 0.84, "logloss": 0.3125})
            run.check("auc", 0.91 >= 0.9, value=0.91)
            run.check("f1", 0.84 >= 0.9, value=0.84)
        ids["rf-depth-6"] = run.run_id
        from mlflow import MlflowClient

        MlflowClient(f"sqlite:///{lab_server.home / 'mlflow.db'}").create_experiment("holdout")
    ids["version"] = mlops.notebook_version(str(notebook))[:12]
    ids["home"] = lab_server.home
    return ids


def run_row(sidebar, name):
    return sidebar.locator(f'.mlops-Run:has(.mlops-Run-name:text-is("{name}"))')


def css_color(sidebar, value: str) -> str:
    """What the browser computes for a colour, e.g. a theme variable, to compare with."""
    return sidebar.evaluate(
        """(el, value) => {
            const probe = document.createElement('span');
            probe.style.color = value;
            el.append(probe);
            const color = getComputedStyle(probe).color;
            probe.remove();
            return color;
        }""",
        value,
    )


@pytest.mark.browser
def test_runs_show_newest_first_with_status_metrics_and_version(open_sidebar, runs):
    from playwright.sync_api import expect

    # Given runs in several experiments / When the sidebar opens
    sidebar = open_sidebar()

    # Then the newest runs lead, with their status, key metrics and notebook version
    expect(sidebar.get_by_role("tab", name="Runs")).to_have_attribute("aria-selected", "true")
    best = run_row(sidebar, "rf-depth-6")
    expect(best).to_be_visible()
    names = [n for n in sidebar.locator(".mlops-Run-name").all_text_contents() if not n.endswith("-arrival")]
    assert names[:2] == ["rf-depth-6", "rf-depth-3"], names
    assert set(names[2:5]) == {"cv", "fold-1", "broken-features"}, names  # may share a millisecond
    assert names[5:7] == ["ridge", "trial-52"], names
    expect(best.locator(".mlops-Status")).to_have_text("Finished")
    expect(best.locator('[data-metric="auc"] .mlops-Metric-value')).to_have_text("0.91")
    expect(best.locator('[data-metric="f1"] .mlops-Metric-value')).to_have_text("0.84")
    expect(best.locator(".mlops-Metric")).to_have_count(3)
    expect(best.locator(".mlops-Version")).to_have_text(runs["version"])
    expect(best.locator(".mlops-Run-meta")).to_contain_text("churn")

    failed = run_row(sidebar, "broken-features").locator(".mlops-Status")
    expect(failed).to_have_text("Failed")
    assert failed.evaluate("e => getComputedStyle(e).color") == css_color(sidebar, "var(--jp-error-color1)")
    finished = best.locator(".mlops-Status")
    assert finished.evaluate("e => getComputedStyle(e).color") == css_color(
        sidebar, "var(--jp-success-color1)"
    )

    expect(run_row(sidebar, "ridge").locator('[data-metric="rmse"]')).to_contain_text("12.34")
    expect(sidebar.locator(".mlops-LoadMore")).to_be_visible()  # more than 50 runs in all


@pytest.mark.browser
def test_filter_narrows_the_runs_and_shows_the_apis_error_inline(open_sidebar, runs, lab_server):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    expect(run_row(sidebar, "rf-depth-6")).to_be_visible()
    box = sidebar.get_by_label("Filter runs (MLflow search syntax)")

    # When a valid filter is applied
    box.fill("metrics.auc > 0.9")
    box.press("Enter")
    # Then only the matching run remains
    expect(sidebar.locator(".mlops-Run")).to_have_count(1)
    expect(run_row(sidebar, "rf-depth-6")).to_be_visible()

    # When the filter is malformed
    status, body = lab_server.get(f"mlops/api/runs?filter={quote(BAD_FILTER)}")
    assert status == 400 and body["error"], body
    box.fill(BAD_FILTER)
    box.press("Enter")
    # Then the API's own message is shown inline, in place of the runs
    message = sidebar.locator("#mlops-runs .mlops-Message")
    expect(message).to_be_visible()
    expect(message.locator(".mlops-Message-title")).to_have_text(body["error"])
    expect(message.locator(".mlops-Message-detail")).to_have_text(body["detail"])
    expect(sidebar.locator(".mlops-Run")).to_have_count(0)
    expect(box).to_have_attribute("aria-invalid", "")

    # When the filter matches nothing, the user is offered a way back
    box.fill("params.max_depth = '42'")
    box.press("Enter")
    expect(message).to_be_hidden()
    expect(sidebar.locator("#mlops-runs .mlops-Placeholder")).to_contain_text("No runs match this filter.")
    sidebar.get_by_role("button", name="Clear the filter").click()
    expect(run_row(sidebar, "rf-depth-6")).to_be_visible()
    expect(box).to_have_value("")


@pytest.mark.browser
def test_experiment_selector_shows_one_experiment(open_sidebar, runs):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    select = sidebar.get_by_label("Experiment")
    expect(select.locator("option", has_text="pricing")).to_have_count(1)

    select.select_option(label="pricing")

    expect(sidebar.locator(".mlops-Run")).to_have_count(1)
    row = run_row(sidebar, "ridge")
    expect(row).to_be_visible()
    # One experiment: its name is not repeated on every row
    expect(row.locator(".mlops-Run-meta")).not_to_contain_text("pricing")


@pytest.mark.browser
def test_a_deleted_experiment_falls_back_to_all_experiments(open_sidebar, runs, tracking):
    from mlflow import MlflowClient
    from playwright.sync_api import expect

    with tracking() as mlops:
        with mlops.track(experiment="doomed", name="doomed-run", autolog=False):
            pass
    sidebar = open_sidebar()
    select = sidebar.get_by_label("Experiment")
    expect(select.locator("option", has_text="doomed")).to_have_count(1)
    select.select_option(label="doomed")
    expect(sidebar.locator(".mlops-Run")).to_have_count(1)

    # When the selected experiment is deleted elsewhere and the panel refreshes
    client = MlflowClient(f"sqlite:///{runs['home'] / 'mlflow.db'}")
    client.delete_experiment(client.get_experiment_by_name("doomed").experiment_id)
    sidebar.get_by_role("button", name="Refresh the runs").click()

    # Then it shows all experiments again, without an error
    expect(select).to_have_value("")
    expect(select.locator("option", has_text="doomed")).to_have_count(0)
    expect(run_row(sidebar, "rf-depth-6")).to_be_visible()
    expect(sidebar.locator("#mlops-runs .mlops-Message")).to_be_hidden()


@pytest.mark.browser
def test_empty_experiment_tells_how_to_track_a_run(open_sidebar, runs):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    sidebar.get_by_label("Experiment").select_option(label="holdout")

    placeholder = sidebar.locator("#mlops-runs .mlops-Placeholder")
    expect(placeholder).to_contain_text("No runs in holdout yet.")
    expect(placeholder.locator(".mlops-Snippet")).to_contain_text("%%mlops track --experiment holdout")
    expect(sidebar.locator(".mlops-Run")).to_have_count(0)


@pytest.mark.browser
def test_load_more_fetches_the_next_page(open_sidebar, runs):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    sidebar.get_by_label("Experiment").select_option(label="sweep")
    expect(sidebar.locator(".mlops-Run")).to_have_count(50)
    expect(sidebar.locator("#mlops-runs .mlops-Footer")).to_contain_text("50 runs shown")

    sidebar.get_by_role("button", name="Load more").click()

    expect(sidebar.locator(".mlops-Run")).to_have_count(SWEEP_RUNS)
    expect(sidebar.get_by_role("button", name="Load more")).to_be_hidden()
    expect(run_row(sidebar, "trial-00")).to_be_visible()
    expect(sidebar.locator("#mlops-runs .mlops-Footer")).to_contain_text(f"{SWEEP_RUNS} runs")


@pytest.mark.browser
def test_clicking_a_run_shows_its_params_metrics_checks_and_tags(open_sidebar, runs):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    run_row(sidebar, "rf-depth-6").click()

    detail = sidebar.locator(".mlops-RunDetail")
    expect(detail).to_be_visible()
    expect(detail.locator(".mlops-RunDetail-name")).to_have_text("rf-depth-6")
    expect(detail.locator(".mlops-RunDetail-id")).to_contain_text(runs["rf-depth-6"])
    params = detail.locator(".mlops-Section-params")
    expect(params.locator('tr[data-key="max_depth"] td')).to_have_text("6")
    expect(params.locator('tr[data-key="n_estimators"] td')).to_have_text("200")
    metrics = detail.locator(".mlops-Section-metrics")
    expect(metrics.locator('tr[data-key="logloss"] td')).to_have_text("0.3125")
    expect(detail.locator('.mlops-Check[data-check="auc"]')).to_have_class(re.compile("mlops-Check-passed"))
    expect(detail.locator('.mlops-Check[data-check="f1"]')).to_have_class(re.compile("mlops-Check-failed"))
    expect(detail.locator('tr[data-key="Notebook"] td')).to_have_text("train.ipynb")
    expect(detail.locator('tr[data-key="Notebook version"] td')).to_have_text(runs["version"])
    expect(detail.locator('tr[data-key="Experiment"] td')).to_have_text("churn")

    # Escape goes back to the list, where the run still is
    detail.press("Escape")
    expect(detail).to_be_hidden()
    expect(run_row(sidebar, "rf-depth-6")).to_be_focused()


@pytest.mark.browser
def test_the_runs_notebook_opens_from_its_detail(open_sidebar, runs, page):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    run_row(sidebar, "rf-depth-3").click()
    sidebar.locator('tr[data-key="Notebook"] button').click()

    tab = page.locator(".jp-MainAreaWidget .jp-Notebook, .jp-NotebookPanel")
    expect(tab.first).to_be_visible()
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_contain_text("train.ipynb")


@pytest.mark.browser
def test_failed_run_shows_its_error_and_nested_run_links_its_parent(open_sidebar, runs):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    run_row(sidebar, "broken-features").click()
    detail = sidebar.locator(".mlops-RunDetail")
    expect(detail.locator(".mlops-Status")).to_have_text("Failed")
    expect(detail.locator(".mlops-ErrorText")).to_contain_text("ValueError: feature 'tenure' is missing")
    expect(detail.locator(".mlops-Section-params tr[data-key='max_depth'] td")).to_have_text("9")

    sidebar.get_by_role("button", name="Runs", exact=True).click()
    run_row(sidebar, "fold-1").click()
    expect(detail.locator(".mlops-RunDetail-name")).to_have_text("fold-1")
    detail.locator('tr[data-key="Parent run"] button').click()
    expect(detail.locator(".mlops-RunDetail-name")).to_have_text("cv")
    expect(detail).to_have_attribute("data-run-id", runs["cv"])


@pytest.mark.browser
def test_new_runs_appear_on_refresh_and_by_themselves(open_sidebar, runs, tracking):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    expect(run_row(sidebar, "rf-depth-6")).to_be_visible()

    # When a run is tracked while the panel is open and the user clicks refresh
    with tracking() as mlops:
        with mlops.track(experiment="churn", name="late-arrival", autolog=False) as run:
            run.log_metric("auc", 0.8)
    sidebar.get_by_role("button", name="Refresh the runs").click()
    expect(run_row(sidebar, "late-arrival")).to_be_visible(timeout=10_000)

    # When another arrives and nobody clicks: the panel refreshes itself (every 10 s)
    with tracking() as mlops:
        with mlops.track(experiment="churn", name="auto-arrival", autolog=False) as run:
            run.log_metric("auc", 0.7)
    expect(run_row(sidebar, "auto-arrival")).to_be_visible(timeout=30_000)
    assert sidebar.locator(".mlops-Run-name").first.text_content() == "auto-arrival"


def test_rest_api_refuses_an_unauthenticated_request(lab_server):
    # Given the running server / When the API is called without the token
    for path in ("mlops/api/status", "mlops/api/experiments", "mlops/api/runs"):
        status, _ = lab_server.get(path, token=False)
        # Then it is refused
        assert status == 403, path
    # And with the token it answers
    status, body = lab_server.get("mlops/api/experiments")
    assert status == 200 and isinstance(body["experiments"], list)
