"""openapi.yaml describes the REST API the server really serves, answer by answer."""

import re

import pytest
from jsonschema import Draft202012Validator

import mlops_jupyter as mlops
from mlops_jupyter.server import ROUTES


def served_operations() -> set[tuple[str, str]]:
    import importlib

    found = set()
    for pattern, target in ROUTES:
        template = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
        module, name = target.split(":")
        handler = getattr(importlib.import_module(f"mlops_jupyter.server.handlers.{module}"), name)
        for method in ("get", "post", "put", "patch", "delete"):
            if method in vars(handler):
                found.add((method, template))
    return found


def test_the_spec_describes_exactly_the_routes_and_methods_served(spec):
    described = {
        (method, path) for path, item in spec["paths"].items() for method in item if method != "parameters"
    }
    assert described == served_operations()


def test_every_schema_in_the_spec_is_valid_json_schema(spec):
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # raises, naming the bad keyword


async def test_every_operation_answers_as_described(registry, api, spec):
    runs = registry.runs
    # tracking
    await api.get("status")
    await api.get("experiments", params={"max_results": 1})
    await api.get("experiments", params={"filter": "name >>> 1"}, expect=400)
    page = await api.get("runs", params={"max_results": 2, "experiment": "churn"})
    await api.get(f"runs/{page['runs'][0]['run_id']}")
    await api.get("runs", params={"experiment": "nope"}, expect=404)
    await api.get(f"runs/{'0' * 32}", expect=404)
    # registry
    await api.post("models", {"run_id": runs["mid"], "name": "churn"}, expect=201)
    await api.post(
        "models", {"run_id": runs["never_validated"], "name": "churn", "description": "new"}, expect=201
    )
    await api.post("models", {"run_id": runs["no_model"], "name": "churn"}, expect=400)
    await api.post("models", {"run_id": "0" * 32, "name": "churn"}, expect=404)
    await api.get("models")
    await api.get("models", params={"filter": "name LIKE 'ch%'", "with_metrics": "true"})
    await api.get("models/churn", params={"max_results": 1})
    await api.get("models/nope", expect=404)
    await api.get("models/churn/versions/1")
    await api.get("models/churn/versions/9", expect=404)
    await api.get("models/churn/versions/one", expect=400)
    await api.post("models/churn/rules", {"alias": "champion", "add": ["auc>=champion"]})
    await api.get("models/churn/rules")
    await api.get("models/nope/rules", expect=404)
    await api.post("models/nope/rules", {"add": ["auc>=0.5"]}, expect=404)
    await api.post("models/churn/rules", {"add": ["auc = 1"]}, expect=400)
    await api.post("models/churn/promote", {"version": 1, "alias": "champion", "reason": "first"})
    refusal = await api.post("models/churn/promote", {"version": "2"}, expect=409)
    assert refusal["code"] == "gate_refused" and refusal["checks"][0]["name"] == "validated"
    await api.post("models/churn/promote", {"version": 3}, expect=404)
    await api.post("models/churn/promote", {"version": 2, "alias": "latest"}, expect=400)
    await api.post("models/churn/promote", {"version": 2, "force": True, "reason": "urgent fix"})
    await api.post("models/churn/rollback", {"alias": "champion"})
    await api.post("models/churn/rollback", {"alias": "champion"}, expect=409)
    await api.post("models/churn/rollback", {"alias": "v1"}, expect=400)
    await api.post("models/nope/rollback", {}, expect=404)
    await api.get("models/churn/aliases")
    await api.get("models/churn/aliases", params={"at": "2000-01-01"})
    await api.get("models/churn/aliases", params={"at": "soon"}, expect=400)
    await api.get("models/nope/aliases", expect=404)
    await api.get("models/churn/versions/1/card")
    await api.get("models/churn/versions/1/card", params={"format": "markdown"})
    await api.get("models/churn/versions/1/card", params={"format": "html"})
    await api.get("models/churn/versions/1/card", params={"format": "pdf"}, expect=400)
    await api.get("models/churn/versions/7/card", expect=404)
    await api.get("models/churn/versions/1/lineage")
    await api.get("models/churn/versions/7/lineage", expect=404)
    await api.get("datasets/0123456789abcdef/lineage")
    await api.get("datasets/not-hex/lineage", expect=400)
    await api.get("audit", params={"model": "churn", "limit": 2})
    await api.get("audit", params={"action": "nap"}, expect=400)
    await api.get("audit/verify")
    await api.get("roles")
    await api.put("roles/bob", {"role": "developer"})
    await api.put("roles/bob", {"role": "boss"}, expect=400)
    # ... and the refusals every route can give
    await api.get("models", headers={"Authorization": ""}, expect=403)

    described = {
        (method, path, int(status))
        for path, item in spec["paths"].items()
        if not path.startswith("/jobs")  # test_jobs_openapi.py exercises the jobs routes
        for method, op in item.items()
        if method != "parameters"
        for status in op["responses"]
        if status.startswith("2")
    }
    assert described <= api.checker.seen, described - api.checker.seen


async def test_experiments_are_paginated_and_searchable(api, client):
    for name in ("churn-a", "churn-b", "fraud"):
        client.create_experiment(name)
    first = await api.get("experiments", params={"max_results": 2})
    assert len(first["experiments"]) == 2 and first["next_page_token"]
    rest = await api.get("experiments", params={"max_results": 2, "page_token": first["next_page_token"]})
    names = [e["name"] for e in first["experiments"] + rest["experiments"]]
    assert sorted(names) == ["Default", "churn-a", "churn-b", "fraud"]
    found = await api.get("experiments", params={"filter": "name LIKE 'churn-%'"})
    assert sorted(e["name"] for e in found["experiments"]) == ["churn-a", "churn-b"]
    bad = await api.get("experiments", params={"max_results": 0}, expect=400)
    assert "max_results" in bad["error"]


@pytest.fixture
def client(mlops_home):
    from mlflow import MlflowClient

    uri = f"sqlite:///{mlops_home / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def test_python_api_lists_the_registry_entry_points():
    for name in ("register", "promote", "rollback", "models", "audit", "model_card"):
        assert callable(getattr(mlops, name))
