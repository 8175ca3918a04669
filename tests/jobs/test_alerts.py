"""Alerts on failure and on recovery, to a real HTTP receiver and a real SMTP server."""

from __future__ import annotations

import hashlib
import hmac

import mlops_jupyter as mlops
from mlops_jupyter.masking import masked_url

from .conftest import ended, history, unreachable_url, wait_for
from .test_scheduler import chaos


def test_failure_and_recovery_alerts_reach_webhooks_and_email_and_a_dead_receiver_stops_nothing(
    validated, scheduler_process, webhook, mailbox, project, monkeypatch
):
    path = chaos(validated)
    dead = unreachable_url()
    (project / "mlops.toml").write_text(f'[alerts]\nwebhook = "{dead}"\n')  # a global channel, unreachable
    monkeypatch.setenv("MLOPS_ALERT_SECRET", "s3cret")
    mlops.schedule(
        path,
        None,
        name="flaky",
        parameters={"mode": "raise"},
        alerts=[f"webhook={webhook.url}", "email=ml-oncall@example.com"],
    )
    scheduler_process()

    mlops.run_job("flaky")
    (failed,) = ended("flaky", 1)
    failed = wait_for(
        lambda: next((f for f in history("flaky") if f.alerts), None), 20, what="alert outcomes"
    )
    assert failed.status == "failed" and failed.run_id  # the job ran; only the alert to `dead` failed
    outcomes = {a["channel"]: a for a in failed.alerts}  # webhooks named without their paths
    assert outcomes[f"webhook={masked_url(webhook.url)}"]["ok"]
    assert outcomes["email=ml-oncall@example.com"]["ok"]
    refused = outcomes[f"webhook={masked_url(dead)}"]
    assert not refused["ok"] and "Connection refused" in refused["error"]

    (request,) = webhook.requests
    event = request["json"]
    assert event["event"] == "failure" and event["job"] == "flaky" and event["status"] == "failed"
    assert "bad batch" in event["error"] and event["run_id"] == failed.run_id
    expected = "sha256=" + hmac.new(b"s3cret", request["raw"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Mlops-Signature"] == expected
    (mail,) = mailbox.messages
    assert mail["to"] == ["ml-oncall@example.com"]
    assert mail["message"]["Subject"] == "[mlops] job flaky failed"
    assert "bad batch" in mail["message"].get_payload()[0].get_payload()

    # A second failure alerts again; the first success after failures is a recovery.
    mlops.run_job("flaky")
    ended("flaky", 2)
    wait_for(lambda: len(mailbox.messages) == 2, 20, what="the second failure email")
    mlops.update_job("flaky", parameters={"mode": "ok"}, reason="fixed upstream data")
    mlops.run_job("flaky")
    recovered = ended("flaky", 3)[-1]
    assert recovered.status == "succeeded"
    wait_for(
        lambda: len(mailbox.messages) == 3, 20, what="the recovery email"
    )  # sent after the status is written
    assert [r["json"]["event"] for r in webhook.requests] == ["failure", "failure", "recovery"]
    assert mailbox.messages[-1]["message"]["Subject"] == "[mlops] job flaky recovered"
    # A success after a success is news to nobody.
    mlops.run_job("flaky")
    ended("flaky", 4)
    assert len(webhook.requests) == 3 and len(mailbox.messages) == 3


def test_no_alert_until_the_retries_are_used_up(validated, scheduler_process, webhook):
    path = chaos(validated)
    mlops.schedule(
        path,
        None,
        name="retried",
        parameters={"mode": "raise"},
        retries=1,
        retry_delay="0.5s",
        alerts=[f"webhook={webhook.url}"],
    )
    scheduler_process()
    mlops.run_job("retried")
    ended("retried", 2)
    wait_for(lambda: webhook.requests, 20, what="the failure alert")
    first, second = reversed(history("retried"))
    assert (first.alerts, [a["event"] for a in second.alerts]) == ([], ["failure"])
    assert [r["json"]["attempt"] for r in webhook.requests] == [2]
