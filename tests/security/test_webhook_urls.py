"""A webhook URL is its own credential: outcomes and logs name it by scheme, host and port."""

from __future__ import annotations

import logging

from mlops_jupyter.jobs import alerts
from tests.jobs.conftest import unreachable_url

EVENT = {"event": "failure", "job": "nightly", "status": "failed", "error": "bad batch"}


def test_webhook_tokens_reach_the_receiver_but_no_outcome_or_log(webhook, caplog):
    live = webhook.url + "/T0001/B0002/tok-live-XYZ?token=q-live-123"
    dead = unreachable_url() + "/tok-dead-XYZ"
    caplog.set_level(logging.INFO)

    outcomes = alerts.send(EVENT, [{"kind": "webhook", "to": live}, {"kind": "webhook", "to": dead}])

    (request,) = webhook.requests
    assert request["path"] == "/hook/T0001/B0002/tok-live-XYZ?token=q-live-123"  # delivered as given
    host = webhook.url.split("/hook")[0]
    assert outcomes[0] == {"event": "failure", "channel": f"webhook={host}/***", "ok": True}
    assert not outcomes[1]["ok"] and "Connection refused" in outcomes[1]["error"]
    kept = repr(outcomes) + caplog.text
    assert "tok-" not in kept and "q-live" not in kept
