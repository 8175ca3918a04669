"""The jobs REST API on a real Jupyter server with authentication on."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

import mlops_jupyter as mlops

from .conftest import QUICK, make_notebook

ROUTES = [
    ("GET", "jobs"),
    ("POST", "jobs"),
    ("GET", "jobs/x"),
    ("PATCH", "jobs/x"),
    ("DELETE", "jobs/x"),
    ("GET", "jobs/x/history"),
    ("POST", "jobs/x/run"),
    ("POST", "jobs/x/pause"),
    ("POST", "jobs/x/resume"),
]


@pytest.fixture
def jp_root_dir(project):
    return project  # the server's root is the project, as when `jupyter lab` starts in it


async def call(jp_fetch, method, path, body=None, **params):
    kwargs = {"method": method, "params": params}
    if method in ("POST", "PATCH"):
        kwargs["body"] = json.dumps(body or {})
    response = await jp_fetch("mlops", "api", *path.split("/"), **kwargs)
    return response.code, (json.loads(response.body) if response.body else None)


async def refused(jp_fetch, method, path, body=None, **params):
    with pytest.raises(HTTPClientError) as err:
        await call(jp_fetch, method, path, body, **params)
    return err.value.code, json.loads(err.value.response.body)


async def test_every_route_refuses_unauthenticated_callers(jp_fetch, project):
    for method, path in ROUTES:
        kwargs = {"method": method, "headers": {"Authorization": ""}}
        if method in ("POST", "PATCH"):
            kwargs["body"] = "{}"
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch("mlops", "api", *path.split("/"), **kwargs)
        assert err.value.code == 403, (method, path)


async def test_the_job_life_cycle_over_rest(jp_fetch, validated, project):
    validated("score.ipynb", parameters="x = 1\n")
    code, created = await call(
        jp_fetch,
        "POST",
        "jobs",
        {
            "notebook": "score.ipynb",
            "name": "daily-scoring",
            "cron": "0 6 * * *",
            "timezone": "Europe/Berlin",
            "parameters": {"x": "4"},
            "retries": 1,
            "timeout": "10m",
            "alerts": ["webhook=https://hooks.example/ml"],
        },
    )
    assert code == 201 and created["name"] == "daily-scoring" and created["parameters"] == {"x": 4}
    assert created["next_fire_local"].endswith(("06:00:00+01:00", "06:00:00+02:00"))

    code, listing = await call(jp_fetch, "GET", "jobs")
    assert [j["name"] for j in listing["jobs"]] == ["daily-scoring"] and listing["schedulers"] == []
    code, described = await call(jp_fetch, "GET", "jobs/daily-scoring")
    assert described["notebook_version"] == mlops.notebook_version(project / "score.ipynb")

    code, firing = await call(jp_fetch, "POST", "jobs/daily-scoring/run")
    assert code == 202 and firing["status"] == "queued" and firing["trigger"] == "manual"
    code, hist = await call(jp_fetch, "GET", "jobs/daily-scoring/history", limit="10")
    assert [f["status"] for f in hist["firings"]] == ["queued"]

    code, paused = await call(jp_fetch, "POST", "jobs/daily-scoring/pause", {"reason": "maintenance"})
    assert paused["paused"] and paused["next_fire_time"] is None
    code, resumed = await call(jp_fetch, "POST", "jobs/daily-scoring/resume")
    assert not resumed["paused"]
    code, updated = await call(jp_fetch, "PATCH", "jobs/daily-scoring", {"cron": "30 7 * * *", "retries": 3})
    assert updated["cron"] == "30 7 * * *" and updated["retries"] == 3

    code, deleted = await call(jp_fetch, "DELETE", "jobs/daily-scoring", reason="replaced")
    assert code == 200 and deleted == {"deleted": "daily-scoring"}
    actions = [e["action"] for e in mlops.audit(limit=50) if e["target"] == "job:daily-scoring"]
    assert actions == ["schedule", "pause", "resume", "update", "delete"]


async def test_errors_follow_the_api_rules(jp_fetch, validated, project, monkeypatch):
    validated("score.ipynb")
    make_notebook(project / "draft.ipynb", [QUICK + "draft = 1\n"])
    cases = [
        ({"notebook": "score.ipynb", "cron": "every day"}, 400, "invalid cron expression"),
        (
            {"notebook": "score.ipynb", "cron": "0 6 * * *", "timezone": "Nowhere/Land"},
            400,
            "unknown time zone",
        ),
        (
            {"notebook": "score.ipynb", "cron": "0 6 * * *", "parameters": {"y": 1}},
            400,
            "has no parameter 'y'",
        ),
        ({"notebook": "score.ipynb", "cron": "0 6 * * *", "colour": "red"}, 400, "invalid request"),
        ({"notebook": "draft.ipynb", "cron": "0 6 * * *"}, 409, "has not been validated"),
        ({"notebook": "../../etc/passwd", "cron": "0 6 * * *"}, 400, "outside the server's root"),
        ({"notebook": "missing.ipynb", "cron": "0 6 * * *"}, 404, "notebook not found"),
    ]
    for body, status, text in cases:
        code, error = await refused(jp_fetch, "POST", "jobs", body)
        assert code == status and text in error["error"], (body, error)
        assert set(error) >= {"error", "detail", "code"}
    await call(jp_fetch, "POST", "jobs", {"notebook": "score.ipynb", "name": "one", "cron": "0 6 * * *"})
    code, error = await refused(jp_fetch, "POST", "jobs", {"notebook": "score.ipynb", "name": "one"})
    assert code == 409 and "already exists" in error["error"]
    for method, path in (("GET", "jobs/nope"), ("POST", "jobs/nope/run"), ("GET", "jobs/nope/history")):
        code, error = await refused(jp_fetch, method, path)
        assert code == 404 and error["code"] == "not_found"

    (project / "mlops.toml").write_text('[roles]\ndefault = "viewer"\n')
    monkeypatch.setenv("MLOPS_USER", "carol")  # the anonymous token user acts as the server's user
    for method, path in (
        ("POST", "jobs/one/pause"),
        ("POST", "jobs/one/run"),
        ("PATCH", "jobs/one"),
        ("DELETE", "jobs/one"),
    ):
        code, error = await refused(jp_fetch, method, path, {"retries": 1} if method == "PATCH" else None)
        assert code == 403 and "carol is a viewer" in error["error"], (method, path)
    code, listing = await call(jp_fetch, "GET", "jobs")
    assert [j["name"] for j in listing["jobs"]] == ["one"]
