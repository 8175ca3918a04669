"""Any viewer may ask GET /status: it names the tracking store without its credentials."""

from __future__ import annotations


async def test_status_shows_the_tracking_uri_without_its_password(api, mlops_home, monkeypatch):
    monkeypatch.setenv("MLOPS_TRACKING_URI", "https://mlops:s3cret-pw@mlflow.example:8443/?token=t0k")

    status = await api.get("status", user="carol")

    assert status["tracking_uri"] == "https://mlops:***@mlflow.example:8443/?token=***"
    assert "s3cret" not in str(status) and "t0k" not in str(status)
