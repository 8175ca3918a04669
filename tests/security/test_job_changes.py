"""Changing a job needs its owner or an approver; its follow-ups act as whoever changed it last."""

from __future__ import annotations

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import Forbidden
from mlops_jupyter.governance import audit
from mlops_jupyter.jobs import followups
from mlops_jupyter.jobs import service as jobs

ROLES = (
    '[roles]\ndefault = "viewer"\nroot = "admin"\nalice = "approver"\nbob = "developer"\ndave = "developer"\n'
)


@pytest.fixture
def bobs_job(validated, project, monkeypatch):
    (project / "mlops.toml").write_text(ROLES)
    monkeypatch.setenv("MLOPS_USER", "root")
    path = validated("retrain.ipynb")
    return jobs.schedule(path, None, name="retrain", register_model="churn", user="bob")


def test_another_developer_cannot_change_or_delete_someone_elses_job(bobs_job):
    with pytest.raises(Forbidden) as refused:
        jobs.update("retrain", register_model="churn-shadow", user="dave")
    assert refused.value.message == (
        "dave is a developer and job 'retrain' is bob's: changing it needs its owner or the approver role"
    )
    with pytest.raises(Forbidden):
        jobs.delete("retrain", user="dave")

    assert mlops.job("retrain").register_model == "churn"
    assert [e["action"] for e in audit.entries() if e["target"] == "job:retrain"] == ["schedule"]


def test_the_owner_and_an_approver_change_it_and_the_job_says_who_changed_it_last(bobs_job):
    jobs.update("retrain", retries=1, user="bob")
    assert mlops.job("retrain").changed_by == "bob"

    jobs.update("retrain", register_model="churn-v2", user="alice", reason="new model name")

    changed = mlops.job("retrain")
    assert (changed.created_by, changed.changed_by, changed.register_model) == ("bob", "alice", "churn-v2")
    last = audit.entries()[-1]
    assert (last["actor"], last["action"], last["after"]) == (
        "alice",
        "update",
        {"register_model": "churn-v2"},
    )


def test_follow_ups_register_as_the_person_who_last_changed_the_job(registry, bobs_job):
    jobs.update("retrain", register_model="churn", retries=1, user="alice")

    note = followups.register_challenger(jobs_row("retrain"), registry.runs["mid"])

    assert note.startswith("registered churn v1")
    register = next(e for e in audit.entries() if e["action"] == "register")
    assert register["actor"] == "alice"
    assert register["reason"] == "retrained by job retrain, last changed by alice"


def jobs_row(name):
    from mlops_jupyter import db
    from mlops_jupyter.jobs.queries import find_job

    with db.session() as s:
        row = find_job(s, name)
        s.expunge(row)
    return row


def test_another_developer_cannot_pause_resume_or_run_someone_elses_job(bobs_job):
    def refused(call, doing):
        with pytest.raises(Forbidden) as err:
            call()
        assert err.value.message == (
            f"dave is a developer and job 'retrain' is bob's: {doing} it needs its owner or the approver role"
        )

    refused(lambda: jobs.pause("retrain", user="dave"), "pausing")
    refused(lambda: jobs.run_now("retrain", user="dave"), "running")
    assert not mlops.job("retrain").paused and jobs.history("retrain") == []

    jobs.pause("retrain", user="bob")
    refused(lambda: jobs.resume("retrain", user="dave"), "resuming")
    assert mlops.job("retrain").paused

    jobs.resume("retrain", user="alice", reason="back on")
    firing = jobs.run_now("retrain", user="alice")
    assert (firing.triggered_by, mlops.job("retrain").paused) == ("alice", False)
    actions = [(e["action"], e["actor"]) for e in audit.entries() if e["target"] == "job:retrain"]
    assert actions == [("schedule", "bob"), ("pause", "bob"), ("resume", "alice")]


def test_the_cli_refuses_another_developers_pause_naming_the_owner(bobs_job, project):
    from tests.jobs.conftest import mlops_cli

    for command in (("pause", "retrain"), ("run-now", "retrain")):
        done = mlops_cli("job", *command, cwd=project, env={"MLOPS_USER": "dave"})
        assert done.returncode == 4, done.stderr
        assert "job 'retrain' is bob's" in done.stderr and "Traceback" not in done.stderr
    assert not mlops.job("retrain").paused and jobs.history("retrain") == []


async def test_rest_refuses_another_developers_pause_resume_and_run(api, validated, project, monkeypatch):
    (project / "mlops.toml").write_text(ROLES.replace('dave = "developer"', 'carol = "developer"'))
    monkeypatch.setenv("MLOPS_USER", "root")
    jobs.schedule(validated("retrain.ipynb"), None, name="retrain", user="bob")

    for action in ("pause", "run"):
        answer = await api.post(f"jobs/retrain/{action}", user="carol", expect=403)
        assert "job 'retrain' is bob's" in answer["error"] and "approver role" in answer["error"]
    await api.post("jobs/retrain/pause", user="bob")
    answer = await api.post("jobs/retrain/resume", user="carol", expect=403)
    assert answer["error"].endswith("resuming it needs its owner or the approver role")
    await api.post("jobs/retrain/resume", user="alice")
    assert jobs.history("retrain") == [] and not mlops.job("retrain").paused
