"""The tracking REST endpoints on a real Jupyter server with authentication on."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

import mlops_jupyter as mlops


@pytest.fixture
def runs_in_store(mlops_home):
    for i, auc in enumerate([0.7, 0.8, 0.9]):
        with mlops.track(experiment="churn", name=f"r{i}", params={"depth": i}) as run:
            run.log_metric("auc", auc)
    with mlops.track(experiment="other", name="o"):
        pass
    mlops.flush()


async def get(jp_fetch, path, **params):
    response = await jp_fetch("mlops", "api", *path.split("/"), params=params)
    return json.loads(response.body)


async def test_experiments_and_runs_are_listed_newest_first(jp_fetch, runs_in_store):
    experiments = await get(jp_fetch, "experiments")
    assert {"churn", "other"} <= {e["name"] for e in experiments["experiments"]}
    page = await get(jp_fetch, "runs", experiment="churn")
    assert [r["name"] for r in page["runs"]] == ["r2", "r1", "r0"]
    assert page["runs"][0]["metrics"] == {"auc": 0.9}
    assert page["runs"][0]["params"] == {"depth": "2"}
    assert page["runs"][0]["status"] == "FINISHED"


async def test_runs_are_paginated_and_searchable(jp_fetch, runs_in_store):
    first = await get(jp_fetch, "runs", experiment="churn", max_results="2")
    assert len(first["runs"]) == 2 and first["next_page_token"]
    second = await get(
        jp_fetch, "runs", experiment="churn", max_results="2", page_token=first["next_page_token"]
    )
    assert [r["name"] for r in second["runs"]] == ["r0"] and second["next_page_token"] is None
    found = await get(jp_fetch, "runs", filter="metrics.auc > 0.75")
    assert sorted(r["name"] for r in found["runs"]) == ["r1", "r2"]
    one = await get(jp_fetch, f"runs/{found['runs'][0]['run_id']}")
    assert one["run_id"] == found["runs"][0]["run_id"]


async def test_bad_input_is_a_400_with_a_json_error(jp_fetch, runs_in_store):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("mlops", "api", "runs", params={"filter": "metrics.auc >>> 1"})
    assert err.value.code == 400
    body = json.loads(err.value.response.body)
    assert body["error"].startswith("invalid run search") and body["detail"]
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("mlops", "api", "runs", params={"max_results": "0"})
    assert err.value.code == 400 and "max_results" in json.loads(err.value.response.body)["error"]
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("mlops", "api", "runs", params={"experiment": "nope"})
    assert err.value.code == 404


async def test_unauthenticated_requests_are_refused(jp_fetch, runs_in_store):
    for path in (["runs"], ["experiments"], ["status"]):
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch("mlops", "api", *path, headers={"Authorization": ""})
        assert err.value.code == 403


async def test_jupyterlab_cache_busting_timestamp_is_ignored(jp_fetch, runs_in_store):
    response = await jp_fetch("mlops", "api", "runs", params={"experiment": "churn", "1764083400000": ""})
    assert len(json.loads(response.body)["runs"]) == 3
