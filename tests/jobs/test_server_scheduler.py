"""The scheduler running inside the Jupyter server (a server-extension setting, off by default)."""

from __future__ import annotations

import json

import pytest

from .conftest import ended


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {"jpserver_extensions": {"mlops_jupyter": True}},
        "MlopsJupyter": {"scheduler": True, "scheduler_workers": 1},
    }


@pytest.fixture
def jp_root_dir(project):
    return project


async def test_a_server_with_the_scheduler_on_runs_jobs_without_a_daemon(jp_fetch, jp_serverapp, validated):
    validated("nb.ipynb")
    body = {"notebook": "nb.ipynb", "name": "in-server", "cron": "*/2 * * * * *"}
    await jp_fetch("mlops", "api", "jobs", method="POST", body=json.dumps(body))
    firings = ended("in-server", 2, timeout=120)
    assert [f.status for f in firings[:2]] == ["succeeded", "succeeded"]
    listing = json.loads((await jp_fetch("mlops", "api", "jobs")).body)
    assert len(listing["schedulers"]) == 1 and listing["jobs"][0]["last_status"] == "succeeded"
    assert jp_serverapp.web_app.settings["mlops_scheduler"].workers == 1


async def test_the_servers_scheduler_stops_with_the_server(jp_serverapp, project):
    import threading

    scheduler = jp_serverapp.web_app.settings["mlops_scheduler"]
    scheduler.started.wait(120)
    await jp_serverapp._cleanup()
    assert scheduler.stopped.is_set()
    assert not [t for t in threading.enumerate() if t.name == "mlops-scheduler" and t.is_alive()]
