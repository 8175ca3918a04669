"""The lineage routes of the REST API on a real Jupyter server (what the sidebar's model detail reads)."""

from __future__ import annotations

import json

import pytest
from sklearn.linear_model import LogisticRegression
from tornado.httpclient import HTTPClientError

import mlops_jupyter as mlops


@pytest.fixture
def jp_root_dir(mlops_home):
    return mlops_home.parent


@pytest.fixture
def trained(mlops_home, churn):
    with mlops.track(experiment="churn") as run:
        train = mlops.dataset(churn, name="churn-train", source="s3://bucket/churn.parquet")
        mlops.log_model(LogisticRegression().fit(churn[["tenure", "charges"]], churn["churned"]))
    mlops.flush()
    mlops.register(run.run_id, "churn")
    return run.run_id, train


async def get(jp_fetch, *path):
    response = await jp_fetch("mlops", "api", *path, method="GET")
    return json.loads(response.body)


async def refused(jp_fetch, *path):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("mlops", "api", *path, method="GET")
    return err.value.code, json.loads(err.value.response.body)


async def test_a_version_and_a_dataset_answer_their_lineage(jp_fetch, trained):
    run_id, train = trained
    found = await get(jp_fetch, "models", "churn", "versions", "1", "lineage")
    assert found["run"]["id"] == run_id and found["jobs"] == []
    assert found["datasets"] == [
        {
            "name": "churn-train",
            "digest": train.digest,
            "context": "training",
            "source_type": "s3",
            "source": "s3://bucket/churn.parquet",
            "rows": 600,
        }
    ]
    uses = await get(jp_fetch, "datasets", train.digest[:12], "lineage")
    assert [r["id"] for r in uses["runs"]] == [run_id]
    assert uses["versions"] == [{"model": "churn", "version": "1", "aliases": [], "run_id": run_id}]


async def test_bad_references_answer_json_errors(jp_fetch, trained):
    code, body = await refused(jp_fetch, "models", "churn", "versions", "7", "lineage")
    assert code == 404 and "not found" in body["error"]
    code, body = await refused(jp_fetch, "models", "churn", "versions", "one", "lineage")
    assert code == 400 and "invalid model version 'one'" in body["error"]
    code, body = await refused(jp_fetch, "datasets", "not-hex", "lineage")
    assert code == 400 and body["error"] == "invalid dataset fingerprint 'not-hex'"


def test_the_model_card_lists_the_data_the_version_was_trained_on(trained):
    _, train = trained
    md = mlops.model_card("churn", 1).markdown()
    assert f"| churn-train | training | 600 | {train.digest} | s3://bucket/churn.parquet |" in md
    assert "none logged" not in md
