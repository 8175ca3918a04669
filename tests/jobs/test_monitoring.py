"""Monitoring and continuous training with the example notebooks: drift found → alert →
retraining job → new version registered as challenger through the gate; champion untouched."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import mlops_jupyter as mlops

from .conftest import REPO, ended, history, wait_for


def test_a_drifting_batch_alerts_and_retrains_a_challenger_never_a_champion(
    project, scheduler_process, webhook, client
):
    for name in ("monitor.ipynb", "monitor_retrain.ipynb", "score.ipynb"):
        shutil.copy(REPO / "notebooks" / name, project / name)

    # Today's champion: trained by the (validated) retraining notebook, with its reference profile.
    trained = mlops.validate(project / "monitor_retrain.ipynb")
    assert trained.passed, trained.error
    mlops.register(trained.run_id, "cancer")
    mlops.promote("cancer", 1, "champion", reason="first model")
    assert mlops.validate(project / "monitor.ipynb").passed  # no drift on today's data
    assert mlops.validate(project / "score.ipynb").passed

    # Schedules as a team writes them, timed not to fire during the test (its firings are run
    # now): a firing at the top of the hour once doubled the monitor's firings and retrains.
    later = datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(minutes=30)
    mlops.schedule(
        project / "monitor_retrain.ipynb",
        None,
        name="retrain",
        parameters={"shift": 0.5},
        register_model="cancer",
    )
    mlops.schedule(
        project / "monitor.ipynb",
        f"{later.minute} * * * *",
        name="monitor",
        parameters={"shift": 0.5},
        retrain_job="retrain",
        alerts=[f"webhook={webhook.url}"],
    )
    mlops.schedule(
        project / "score.ipynb",
        f"0 {(later.hour + 12) % 24} * * *",
        tz="Europe/Berlin",
        name="daily-scoring",
        parameters={"model_uri": "models:/cancer@champion"},
        retries=2,
        timeout="30m",
    )
    scheduler_process()
    mlops.run_job("monitor")
    mlops.run_job("daily-scoring")

    (monitored,) = ended("monitor", 1, timeout=120)
    assert monitored.status == "checks_failed" and monitored.error == "check failed: no_drift"
    wait_for(lambda: webhook.requests, 30, what="the drift alert")
    event = webhook.requests[0]["json"]
    assert event["event"] == "failure" and event["checks"] == {"no_drift": False}
    assert client.get_run(monitored.run_id).data.metrics["drift_share"] >= 0.5

    (retrained,) = ended("retrain", 1, timeout=180)
    assert retrained.trigger == "triggered" and retrained.triggered_by == "job:monitor"
    assert retrained.status == "succeeded"
    wait_for(lambda: (history("retrain")[0].note or "").startswith("registered"), 60, what="the registration")
    note = history("retrain")[0].note
    assert note == "registered cancer v2; challenger -> v2 through the promotion gate", note
    assert "started job retrain" in history("monitor")[0].note

    aliases = client.get_registered_model("cancer").aliases
    assert {k: str(v) for k, v in aliases.items()} == {"champion": "1", "challenger": "2"}
    promotions = [e for e in mlops.audit(model="cancer", action="promote")]
    assert [(e["target"], e["after"]["version"]) for e in promotions] == [
        ("model:cancer@champion", "1"),
        ("model:cancer@challenger", "2"),
    ]
    assert promotions[1]["after"]["checks"][0] == {**promotions[1]["after"]["checks"][0], "passed": True}

    (scored,) = ended("daily-scoring", 1, timeout=120)
    assert scored.status == "succeeded"
    assert client.get_run(scored.run_id).data.metrics["rows_scored"] == 100
