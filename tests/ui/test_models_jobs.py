"""The Models and Jobs views of the MLOps sidebar, in a real JupyterLab, on a real registry and job store.

State is made the way a user makes it, from the test process into the lab server's store: a
notebook trained on ``load_breast_cancer`` is validated in a real kernel, its run's model is
registered, more versions come from tracked runs, and a job is scheduled on the validated
notebook. Run now is picked up by a real ``mlops scheduler`` process.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

MODEL = "churn-classifier"
# Daily, about 12 hours from now in Berlin: the job shows a next fire time but never fires by
# itself while the tests run, so its history holds only what the tests start.
CRON = f"0 {(datetime.now(ZoneInfo('Europe/Berlin')).hour + 12) % 24} * * *"
JOB = "nightly-churn"
EXPERIMENT = "churn-models"
JOB_RUN_TIMEOUT_MS = 240_000  # a real kernel trains and logs a model; the machine is shared

NOTEBOOK_CELLS = [
    ("features: int = 3\nseed: int = 0\n", ["parameters"]),
    (
        "import mlops_jupyter as mlops\n"
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import roc_auc_score\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n",
        [],
    ),
    (
        "x, y = load_breast_cancer(return_X_y=True)\n"
        "x = x[:, :features]\n"
        "x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3,"
        " random_state=seed, stratify=y)\n"
        "model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(x_train, y_train)\n"
        "auc = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))\n"
        "mlops.log_metric('auc', auc)\n"
        "mlops.check('auc', auc >= 0.8, value=round(auc, 4))\n"
        "mlops.log_model(model, sample=x_test[:3])\n",
        [],
    ),
]


def write_notebook(path, cells) -> None:
    nb = {
        "cells": [
            {
                "id": f"cell-{i}",
                "cell_type": "code",
                "metadata": {"tags": tags} if tags else {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
            for i, (source, tags) in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))


def train(mlops, notebook, features: int, name: str) -> tuple[str, float]:
    """A tracked run made from ``notebook`` (as running its cells by hand would): a model and its AUC."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    x = x[:, :features]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(x_train, y_train)
    auc = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
    with mlops.track(
        experiment=EXPERIMENT, name=name, params={"features": features}, notebook=str(notebook), autolog=False
    ) as run:
        mlops.log_metric("auc", auc)
        mlops.log_model(model, sample=x_test[:3])
    return run.run_id, auc


@pytest.fixture(scope="module")
def governed(lab_server, tracking):
    """A model with three versions (v1 champion) and a job, made for real in the server's store.

    - v1: the run of validating ``churn.ipynb`` in a kernel (3 features);
    - v2: a run tracked from the same, validated notebook version (10 features, better AUC);
    - v3: a run tracked from ``scratch.ipynb``, never validated (the gate refuses it).
    """
    notebook = lab_server.project / "churn.ipynb"
    write_notebook(notebook, NOTEBOOK_CELLS)
    scratch = lab_server.project / "scratch.ipynb"
    write_notebook(scratch, NOTEBOOK_CELLS[:2])
    with tracking() as mlops:
        validation = mlops.validate(notebook, {"features": 3}, experiment=EXPERIMENT)
        assert validation.passed, validation.error
        mlops.register(validation.run_id, MODEL, description="logistic regression on 3 features")
        v2_run, _ = train(mlops, notebook, 10, "ten-features")
        v3_run, _ = train(mlops, scratch, 30, "all-features")
        mlops.flush()
        mlops.register(v2_run, MODEL)
        mlops.register(v3_run, MODEL)
        mlops.promote(MODEL, 1, "champion", reason="first model", require=["auc>=champion"])
        mlops.schedule(notebook, CRON, tz="Europe/Berlin", name=JOB, parameters={"features": 5})
    return {"v1_run": validation.run_id, "v2_run": v2_run, "v3_run": v3_run}


def champion(lab_server) -> str | None:
    status, body = lab_server.get(f"mlops/api/models/{MODEL}/aliases")
    assert status == 200, body
    return body["aliases"].get("champion")


def open_view(open_sidebar, name: str):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    tab = sidebar.get_by_role("tab", name=name)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    return sidebar


def model_row(sidebar):
    return sidebar.locator(f'.mlops-Model[data-model="{MODEL}"]')


def alias_version(sidebar, alias: str = "champion"):
    return sidebar.locator(f'.mlops-AliasList-item[data-alias="{alias}"] .mlops-Alias-version')


@pytest.mark.browser
def test_models_view_promotes_through_the_gate_and_shows_its_refusal(
    open_sidebar, governed, lab_server, page
):
    from playwright.sync_api import expect

    # Given a model whose champion is v1 / When the Models view opens
    sidebar = open_view(open_sidebar, "Models")

    # Then it lists the model with its alias and the champion's metric, and who the user is
    status, roles = lab_server.get("mlops/api/roles")
    assert status == 200, roles
    identity = sidebar.locator(".mlops-ModelsView .mlops-Identity")
    expect(identity.locator(".mlops-Identity-user")).to_have_text(roles["user"])
    expect(identity.locator(".mlops-Identity-role")).to_have_text("admin")
    row = model_row(sidebar)
    expect(row.locator('.mlops-Alias[data-alias="champion"]')).to_have_text("champion→v1")
    expect(row.locator('[data-metric="auc"]')).to_be_visible()
    expect(row.locator(".mlops-Model-latest")).to_have_text("v3")

    # When the model is opened: its versions, whether each is validated, its rules and history
    row.click()
    detail = sidebar.locator(".mlops-ModelDetail")
    expect(detail.locator(".mlops-Detail-name")).to_have_text(MODEL)
    expect(detail.locator(".mlops-Version-card")).to_have_count(3)
    card = lambda v: detail.locator(f'.mlops-Version-card[data-version="{v}"]')  # noqa: E731
    expect(card(1).locator(".mlops-Validated")).to_have_text("Validated")
    expect(card(3).locator(".mlops-Validated")).to_have_text("Not validated")
    expect(card(1).locator('.mlops-Alias[data-alias="champion"]')).to_be_visible()
    expect(card(2).locator('tr[data-key="Run"] td')).to_have_text(governed["v2_run"][:12])
    expect(card(2).locator('tr[data-key="Notebook"] td')).to_contain_text("churn.ipynb")
    expect(detail.locator('.mlops-Section-rules tr[data-key="champion"] td')).to_have_text("auc>=champion")
    history = detail.locator(".mlops-History-item")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("first model")

    # When v3 (never validated) is promoted through the dialog
    status, refusal = lab_server.post(
        f"mlops/api/models/{MODEL}/promote", {"version": "3", "alias": "champion", "reason": "try"}
    )
    assert status == 409 and refusal["code"] == "gate_refused", refusal
    sidebar.get_by_role("button", name="Promote…").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_label("Version").select_option("3")
    expect(dialog.get_by_label("Alias")).to_have_value("champion")
    dialog.get_by_label("Reason").fill("try")
    dialog.get_by_role("button", name="Promote", exact=True).click()

    # Then the dialog stays open with the gate's words, verbatim, and every check it ran
    message = dialog.locator(".mlops-Message")
    expect(message.locator(".mlops-Message-title")).to_have_text(refusal["error"])
    expect(message.locator(".mlops-Message-detail")).to_have_text(refusal["detail"])
    expect(message.locator('.mlops-Check[data-check="validated"]')).to_have_class(
        re.compile("mlops-Check-failed")
    )
    expect(message.locator('.mlops-Check[data-check="auc>=champion"]')).to_have_class(
        re.compile("mlops-Check-passed")
    )
    assert champion(lab_server) == "1"

    # When the user picks the validated, better v2 instead
    dialog.get_by_label("Version").select_option("2")
    dialog.get_by_label("Reason").fill("ten features beat three")
    dialog.get_by_role("button", name="Promote", exact=True).click()

    # Then the alias moves: in the registry, in the detail, in its history and in the list
    expect(dialog).to_be_hidden()
    expect(alias_version(sidebar)).to_have_text("v2")
    assert champion(lab_server) == "2"
    expect(card(2).locator('.mlops-Alias[data-alias="champion"]')).to_be_visible()
    expect(history).to_have_count(2)
    expect(history.first.locator(".mlops-History-move")).to_have_text("v1 → v2")
    expect(history.first.locator(".mlops-History-reason")).to_have_text("ten features beat three")
    sidebar.locator(".mlops-ModelsView .mlops-Back").press("Escape")
    expect(row).to_be_focused()
    expect(row.locator('.mlops-Alias[data-alias="champion"]')).to_have_text("champion→v2")


@pytest.mark.browser
def test_rollback_moves_the_alias_back_and_the_card_and_run_open(
    open_sidebar, governed, lab_server, tracking, page
):
    from playwright.sync_api import expect

    if champion(lab_server) != "2":  # the promotion test did not run first
        with tracking() as mlops:
            mlops.promote(MODEL, 2, "champion", reason="ten features beat three")
    sidebar = open_view(open_sidebar, "Models")
    model_row(sidebar).click()
    expect(alias_version(sidebar)).to_have_text("v2")

    # When champion is rolled back, after confirming
    rollback = sidebar.locator('.mlops-AliasList-item[data-alias="champion"]').get_by_role(
        "button", name="Roll back…"
    )
    rollback.press("Enter")

    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("champion is v2 now")
    dialog.get_by_label("Reason").fill("v2 misbehaves on Monday's traffic")
    dialog.get_by_role("button", name="Roll back", exact=True).click()

    # Then it is back on v1, in the registry and on screen, and the history says so
    expect(dialog).to_be_hidden()
    expect(alias_version(sidebar)).to_have_text("v1")
    assert champion(lab_server) == "1"
    latest = sidebar.locator(".mlops-History-item").first
    expect(latest).to_have_attribute("data-action", "rollback")
    expect(latest.locator(".mlops-History-move")).to_have_text("v2 → v1")
    expect(latest.locator(".mlops-History-reason")).to_have_text("v2 misbehaves on Monday's traffic")
    # updated in place: the keyboard is still where the user left it
    expect(rollback).to_be_focused()

    # When the model card of v2 is opened: the server's card, in a JupyterLab tab
    version = sidebar.locator('.mlops-Version-card[data-version="2"]')
    version.get_by_role("button", name="Model card").click()
    frame = page.frame_locator(".mlops-ModelCard iframe")
    expect(frame.locator("h1")).to_have_text(f"Model card: {MODEL} v2")
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_contain_text(f"{MODEL} v2")

    # When the version's run is followed: the Runs view shows that run
    version.locator('tr[data-key="Run"] button').click()
    run = sidebar.locator("#mlops-runs .mlops-RunDetail")
    expect(run).to_have_attribute("data-run-id", governed["v2_run"])
    expect(run.locator(".mlops-RunDetail-name")).to_have_text("ten-features")
    expect(sidebar.get_by_role("tab", name="Runs")).to_have_attribute("aria-selected", "true")


class SchedulerProcess:
    """A real `mlops scheduler` on the lab server's store, as a team would run beside JupyterLab."""

    def __init__(self, lab_server):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
        env["MLOPS_HOME"] = str(lab_server.home)
        self.log = lab_server.project.parent / f"scheduler-{time.monotonic_ns()}.log"
        self._out = open(self.log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlops_jupyter.cli", "scheduler", "-v", "--workers", "1"],
            cwd=lab_server.project,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while "started:" not in self.output():
            assert self.process.poll() is None, f"the scheduler exited:\n{self.output()}"
            assert time.monotonic() < deadline, (
                f"the scheduler did not start in {timeout} s:\n{self.output()}"
            )
            time.sleep(0.2)  # its log is the only sign of readiness

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # lets a running job finish and be recorded
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._out.close()


@pytest.fixture
def scheduler(lab_server):
    started = SchedulerProcess(lab_server)
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


def job_row(sidebar):
    return sidebar.locator(f'.mlops-Job[data-job="{JOB}"]')


def job_api(lab_server) -> dict:
    status, body = lab_server.get(f"mlops/api/jobs/{JOB}")
    assert status == 200, body
    return body


def theme_color(sidebar, variable: str) -> str:
    """The colour the browser computes for a JupyterLab theme variable."""
    return sidebar.evaluate(
        """(el, variable) => {
            const probe = document.createElement('span');
            probe.style.color = `var(${variable})`;
            el.append(probe);
            const color = getComputedStyle(probe).color;
            probe.remove();
            return color;
        }""",
        variable,
    )


NEXT_IN = re.compile(r"^next in \d+ h$")


@pytest.mark.browser
def test_jobs_view_lists_the_schedule_and_pauses_and_resumes(open_sidebar, governed, lab_server):
    from playwright.sync_api import expect

    # Given a daily job in Berlin and no scheduler / When the Jobs view opens
    sidebar = open_view(open_sidebar, "Jobs")

    # Then it lists the job, its schedule and when it fires next, and says nothing fires yet
    row = job_row(sidebar)
    expect(row.locator(".mlops-Job-schedule")).to_have_text(f"{CRON} · Europe/Berlin")
    expect(row.locator(".mlops-Job-next")).to_have_text(NEXT_IN)
    expect(row).to_contain_text("not run yet")
    expect(sidebar.locator(".mlops-SchedulerNote")).to_contain_text("No scheduler is running.")

    # When the job is opened from the keyboard: its pinned notebook version and parameters
    row.press("Enter")
    detail = sidebar.locator(".mlops-JobDetail")
    job = job_api(lab_server)
    expect(detail.locator(".mlops-Detail-name")).to_have_text(JOB)
    expect(detail.locator('tr[data-key="Pinned version"] td')).to_have_text(job["notebook_version"][:12])
    expect(detail.locator('tr[data-key="Notebook"] td')).to_have_text("churn.ipynb")
    expect(detail.locator('.mlops-Section-params tr[data-key="features"] td')).to_have_text("5")
    expect(detail.locator('tr[data-key="Next run"] td')).to_contain_text(re.compile(r"^in \d+ h · "))

    # When it is paused
    sidebar.get_by_role("button", name="Pause").click()

    # Then it no longer fires: the button offers Resume, the job says paused, and so does the API
    resume = sidebar.get_by_role("button", name="Resume")
    expect(resume).to_be_visible()
    expect(detail.locator(".mlops-Status-paused")).to_have_text("Paused")
    expect(detail.locator('tr[data-key="Next run"] td')).to_have_text("paused")
    assert job_api(lab_server)["paused"] is True

    # When it is resumed, it fires again from its next due time
    resume.click()
    expect(sidebar.get_by_role("button", name="Pause")).to_be_visible()
    expect(detail.locator(".mlops-Status-paused")).to_have_count(0)
    after = job_api(lab_server)
    assert after["paused"] is False and after["next_fire_time"], after
    sidebar.get_by_role("button", name="Pause").press("Escape")
    expect(row).to_be_focused()
    expect(row.locator(".mlops-Job-next")).to_have_text(NEXT_IN)
    expect(row).to_have_attribute("data-paused", "false")


@pytest.mark.browser
def test_run_now_produces_a_run_in_the_history(open_sidebar, governed, lab_server, scheduler):
    from playwright.sync_api import expect

    # Given a scheduler running beside the server / When the job is run now from its detail
    sidebar = open_view(open_sidebar, "Jobs")
    row = job_row(sidebar)
    expect(row).to_be_visible()
    expect(sidebar.locator(".mlops-SchedulerNote")).to_be_hidden()
    row.click()
    detail = sidebar.locator(".mlops-JobDetail")
    expect(detail.locator(".mlops-Section-firings")).to_contain_text("No runs yet")
    sidebar.get_by_role("button", name="Run now").click()

    # Then the firing shows at once, and its outcome once the kernel has run the notebook
    firing = detail.locator(".mlops-Firing").first
    expect(firing).to_contain_text("run now")
    expect(firing.locator(".mlops-Status")).to_have_text("Succeeded", timeout=JOB_RUN_TIMEOUT_MS)
    status, history = lab_server.get(f"mlops/api/jobs/{JOB}/history")
    assert status == 200, history
    (done,) = history["firings"]
    assert done["status"] == "succeeded" and done["trigger"] == "manual", done
    expect(firing.locator(".mlops-Firing-duration")).to_be_visible()
    badge = firing.locator(".mlops-Status")
    assert badge.evaluate("e => getComputedStyle(e).color") == theme_color(sidebar, "--jp-success-color1")
    expect(detail.locator('tr[data-key="Success rate"] td')).to_have_text("100 % of 1 succeeded")

    # When its MLflow run is followed, the Runs view shows the run the job made
    firing.get_by_role("button").click()
    run = sidebar.locator("#mlops-runs .mlops-RunDetail")
    expect(run).to_have_attribute("data-run-id", done["run_id"])
    expect(run.locator(".mlops-Section-params tr[data-key='features'] td")).to_have_text("5")


@pytest.mark.browser
def test_role_refusals_show_inline_and_delete_asks_first(open_sidebar, governed, lab_server, page):
    from playwright.sync_api import expect

    roles_file = lab_server.project / "mlops.toml"
    roles_file.write_text('[roles]\ndefault = "viewer"\n')  # the server's user becomes a viewer
    try:
        status, refused = lab_server.post(f"mlops/api/jobs/{JOB}/pause", {})
        assert status == 403 and refused["code"] == "forbidden", refused

        # Given a viewer / When they try to pause a job
        sidebar = open_view(open_sidebar, "Jobs")
        job_row(sidebar).click()
        sidebar.get_by_role("button", name="Pause").click()

        # Then the role message shows in the job's detail, and nothing changed
        message = sidebar.locator(".mlops-JobsView .mlops-DetailPane .mlops-Message")
        expect(message.locator(".mlops-Message-title")).to_have_text(refused["error"])
        expect(message.locator(".mlops-Message-detail")).to_have_text(refused["detail"])
        assert job_api(lab_server)["paused"] is False

        # When they try to promote: the dialog says why not
        sidebar.get_by_role("tab", name="Models").click()
        expect(sidebar.locator(".mlops-ModelsView .mlops-Identity-role")).to_have_text("viewer")
        model_row(sidebar).click()
        sidebar.get_by_role("button", name="Promote…").first.click()
        dialog = page.locator(".jp-Dialog")
        dialog.get_by_role("button", name="Promote", exact=True).click()
        expect(dialog.locator(".mlops-Message-title")).to_contain_text("promote needs the approver role")
        page.keyboard.press("Escape")  # cancels
        expect(dialog).to_be_hidden()
    finally:
        roles_file.unlink()

    # When an admin again deletes the job, after confirming
    sidebar.get_by_role("tab", name="Jobs").click()
    sidebar.get_by_role("button", name="Delete…").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text(f"Delete job {JOB}?")
    dialog.get_by_label("Reason").fill("replaced by the weekly job")
    dialog.get_by_role("button", name="Delete", exact=True).click()

    # Then it is gone, from the API and from the list
    expect(dialog).to_be_hidden()
    expect(job_row(sidebar)).to_have_count(0)
    status, _ = lab_server.get(f"mlops/api/jobs/{JOB}")
    assert status == 404
    expect(sidebar.locator(".mlops-JobsView .mlops-Placeholder")).to_contain_text("No production jobs yet.")
