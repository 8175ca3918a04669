"""Scheduling: only validated versions, the snapshot pinned, governed and audited changes, bad input."""

from __future__ import annotations

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput, Conflict, Forbidden, GateRefused, NotFound
from mlops_jupyter.jobs import service as api

from .conftest import QUICK, make_notebook


def test_a_notebook_that_was_never_validated_is_refused_with_how_to_validate_it(project):
    path = make_notebook(project / "fresh.ipynb", [QUICK])
    with pytest.raises(GateRefused) as err:
        mlops.schedule(path, "0 6 * * *")
    assert "has not been validated" in err.value.message
    assert "mlops validate fresh.ipynb" in err.value.detail
    assert api.jobs() == []


def test_a_failed_validation_is_refused_too(project):
    path = make_notebook(
        project / "bad.ipynb", ["import mlops_jupyter as mlops\nmlops.check('positive', x < 0)"]
    )
    record = mlops.validate(path)
    assert not record.passed
    with pytest.raises(GateRefused) as err:
        mlops.schedule(path, "0 6 * * *")
    assert "failed its validation" in err.value.message and "positive" in err.value.message


def test_the_job_pins_the_validated_snapshot_and_repinning_is_explicit_and_audited(validated, project):
    path = validated("score.ipynb", x=3)
    v1 = mlops.notebook_version(path)
    info = mlops.schedule(
        path,
        "0 6 * * *",
        tz="Europe/Berlin",
        name="daily-scoring",
        parameters={"x": "7"},
        retries=2,
        timeout="30m",
        alerts=["webhook=https://hooks.example/ml"],
    )
    assert info.notebook_version == v1 and info.parameters == {"x": 7}  # typed from the parameters cell
    assert info.timeout == 1800 and info.retries == 2 and info.timezone == "Europe/Berlin"
    assert info.next_fire_local.endswith("T06:00:00+01:00") or info.next_fire_local.endswith(
        "T06:00:00+02:00"
    )

    # Editing the notebook changes nothing in production ...
    make_notebook(path, [QUICK + "edited = True\n"])
    assert "edited" not in api.source("daily-scoring")
    assert mlops.job("daily-scoring").notebook_version == v1
    # ... and moving to the edited version needs it validated, then an explicit update.
    with pytest.raises(GateRefused):
        mlops.update_job("daily-scoring", version="current")
    mlops.validate(path, {"x": 3})
    updated = mlops.update_job("daily-scoring", version="current", reason="new scoring logic")
    v2 = mlops.notebook_version(path)
    assert updated.notebook_version == v2 != v1 and "edited" in api.source("daily-scoring")

    entries = mlops.audit(action=None, limit=50)
    jobs = [e for e in entries if e["target"] == "job:daily-scoring"]
    assert [e["action"] for e in jobs] == ["schedule", "update"]
    assert jobs[0]["after"]["notebook_version"] == v1 and jobs[0]["after"]["parameters"] == {"x": 7}
    assert jobs[1]["before"]["notebook_version"] == v1 and jobs[1]["after"]["notebook_version"] == v2
    assert jobs[1]["reason"] == "new scoring logic"


def test_bad_input_is_refused_and_writes_nothing(validated, project):
    path = validated("nb.ipynb")
    cases = [
        (dict(cron_expression="61 * * * *"), BadInput, "invalid cron expression"),
        (dict(cron_expression="0 6 * * *", tz="Mars/Olympus"), BadInput, "unknown time zone"),
        (dict(cron_expression="0 6 * * *", parameters={"nope": 1}), BadInput, "has no parameter 'nope'"),
        (dict(cron_expression="0 6 * * *", parameters={"x": "seven"}), BadInput, "expects an int"),
        (dict(cron_expression="0 6 * * *", timeout="soon"), BadInput, "is not a duration"),
        (dict(cron_expression="0 6 * * *", missed="sometimes"), BadInput, "missed-run policy"),
        (dict(cron_expression="0 6 * * *", alerts=["pager=123"]), BadInput, "cannot read the alert"),
        (dict(cron_expression="0 6 * * *", alerts=["webhook=ftp://x"]), BadInput, "not an http(s) URL"),
        (dict(cron_expression="0 6 * * *", name="no spaces please"), BadInput, "invalid job name"),
        (dict(cron_expression="0 6 * * *", retries=-1), BadInput, "--retries"),
        (dict(cron_expression="0 6 * * *", retrain_job="missing"), NotFound, "no job named 'missing'"),
    ]
    for kwargs, error, text in cases:
        with pytest.raises(error) as err:
            mlops.schedule(path, **kwargs)
        assert text in err.value.message, (kwargs, err.value.message)
        assert err.value.detail, kwargs
    assert api.jobs() == []
    assert [e for e in mlops.audit(limit=100) if e["action"] == "schedule"] == []

    mlops.schedule(path, "0 6 * * *", name="once")
    with pytest.raises(Conflict) as err:
        mlops.schedule(path, "0 7 * * *", name="once")
    assert "already exists" in err.value.message
    with pytest.raises(NotFound):
        mlops.job_history("nothing-here")


def test_pause_resume_delete_are_audited_and_roles_are_checked(validated, project, monkeypatch):
    from mlops_jupyter import config

    me = config.current_user()
    path = validated("nb.ipynb")
    mlops.schedule(path, "*/10 * * * *", name="hourly")
    paused = mlops.pause_job("hourly", reason="data source down")
    assert paused.paused and paused.next_fire_time is None
    with pytest.raises(Conflict):
        mlops.pause_job("hourly")
    resumed = mlops.resume_job("hourly")
    assert not resumed.paused and resumed.next_fire_time

    roles = '[roles]\ndefault = "viewer"\nalice = "developer"\ncarol = "approver"\n'
    (project / "mlops.toml").write_text(roles)
    monkeypatch.setenv("MLOPS_USER", "bob")
    for call in (
        lambda: mlops.pause_job("hourly"),
        lambda: mlops.delete_job("hourly"),
        lambda: mlops.schedule(path, "0 6 * * *", name="other"),
        lambda: mlops.run_job("hourly"),
    ):
        with pytest.raises(Forbidden) as err:
            call()
        assert "bob is a viewer" in err.value.message
    assert [j.name for j in mlops.jobs()] == ["hourly"]  # viewers can still look

    monkeypatch.setenv("MLOPS_USER", "alice")  # a developer, but not the job's owner
    with pytest.raises(Forbidden, match="needs its owner or the approver role"):
        mlops.delete_job("hourly", reason="replaced")
    monkeypatch.setenv("MLOPS_USER", "carol")
    mlops.delete_job("hourly", reason="replaced")
    assert mlops.jobs() == []
    actions = [(e["action"], e["actor"]) for e in mlops.audit(limit=100) if e["target"] == "job:hourly"]
    assert actions == [("schedule", me), ("pause", me), ("resume", me), ("delete", "carol")]
