"""The registry over REST, as the sidebar uses it: flows, bad input, and racing promotions."""

import asyncio

from mlops_jupyter.governance import audit
from mlops_jupyter.registry import history


async def register_all(api, registry, *labels):
    for label in labels:
        await api.post("models", {"run_id": registry.runs[label], "name": "churn"}, expect=201)


async def test_register_promote_refuse_rollback_and_read_the_history(registry, api):
    await register_all(api, registry, "weak", "mid", "strong")
    first = await api.post(
        "models/churn/promote", {"version": 1, "reason": "baseline", "require": ["auc>=champion"]}
    )
    assert (first["previous"], first["version"], first["rules_added"]) == (None, "1", ["auc>=champion"])
    await api.post("models/churn/promote", {"version": 3, "reason": "best"})
    refusal = await api.post("models/churn/promote", {"version": 2}, expect=409)
    assert refusal["error"] == "promotion of churn v2 to 'champion' refused: rule auc>=champion failed"
    assert [c["passed"] for c in refusal["checks"]] == [True, False]

    detail = await api.get("models/churn")
    assert detail["aliases"] == {"champion": "3"} and detail["rules"] == {"champion": ["auc>=champion"]}
    assert [v["version"] for v in detail["versions"]] == ["3", "2", "1"]
    assert detail["versions"][0]["aliases"] == ["champion"] and detail["versions"][0]["validated"] is True

    listed = await api.get("models", params={"with_metrics": "true"})
    assert listed["models"][0]["alias_metrics"]["champion"]["auc"] == registry.auc["strong"]

    back = await api.post("models/churn/rollback", {"alias": "champion", "reason": "latency"})
    assert (back["previous"], back["version"]) == ("3", "1")
    assert (await api.get("models/churn/aliases"))["aliases"] == {"champion": "1"}
    log = await api.get("audit", params={"model": "churn", "action": "promote"})
    assert [(e["before"], e["after"]["version"]) for e in log["entries"]] == [
        (None, "1"),
        ({"version": "1"}, "3"),
    ]
    assert (await api.get("audit/verify")) == {"ok": True, "problems": []}


async def test_lists_are_paginated(registry, api):
    await api.post("models", {"run_id": registry.runs["mid"], "name": "churn"}, expect=201)
    await api.post("models", {"run_id": registry.runs["strong"], "name": "fraud"}, expect=201)
    await api.post("models", {"run_id": registry.runs["weak"], "name": "fraud"}, expect=201)
    first = await api.get("models", params={"max_results": 1})
    assert [m["name"] for m in first["models"]] == ["churn"] and first["next_page_token"]
    second = await api.get("models", params={"max_results": 1, "page_token": first["next_page_token"]})
    assert [m["name"] for m in second["models"]] == ["fraud"] and second["models"][0]["latest_version"] == "2"
    versions = await api.get("models/fraud", params={"max_results": 1})
    assert [v["version"] for v in versions["versions"]] == ["2"] and versions["next_page_token"]
    page = await api.get("audit", params={"limit": 2})
    assert [e["seq"] for e in page["entries"]] == [2, 3] and page["next_before"] == 2
    older = await api.get("audit", params={"limit": 2, "before": page["next_before"]})
    assert [e["seq"] for e in older["entries"]] == [1] and older["next_before"] is None


async def test_names_are_validated_before_anything_happens(registry, api):
    slash = await api.call("GET", "", raw_path="models/a%2Fb", expect=400)
    assert slash["error"] == "invalid model name 'a/b': it contains '/'" and "quotes" in slash["detail"]
    await api.call("GET", "", raw_path="models/..%2F..%2Fetc/versions/1", expect=400)
    quote = await api.post(
        "models", {"run_id": registry.runs["mid"], "name": "x' OR name LIKE '%"}, expect=400
    )
    assert "quotes" in quote["detail"]
    reserved = await api.post("models/churn/promote", {"version": 1, "alias": "V2"}, expect=400)
    assert "reserved by MLflow" in reserved["error"]
    unknown_field = await api.post("models/churn/promote", {"version": 1, "stage": "Production"}, expect=400)
    assert "stage" in unknown_field["error"] and "Accepted fields" in unknown_field["detail"]
    not_json = await api.post("models", b"name=churn", expect=400)
    assert not_json["error"].startswith("the request body is not JSON")
    # Unicode names are MLflow-valid and work end to end.
    await api.post("models", {"run_id": registry.runs["mid"], "name": "модель оттока"}, expect=201)
    assert (await api.get("models/модель оттока/versions/1"))["model"] == "модель оттока"
    assert audit.entries()[-1]["target"] == "model:модель оттока"


async def test_racing_promotions_over_rest_have_one_winner(registry, api):
    await register_all(api, registry, "weak", "mid", "strong")

    async def promote(version):
        body = {"version": version, "expected_version": None}  # all three saw no champion
        return await api.post("models/churn/promote", body, expect=None)

    answers = await asyncio.gather(*(promote(v) for v in (1, 2, 3)))
    assert sorted(status for status, _ in answers) == [200, 409, 409]
    (winner,) = [body["version"] for status, body in answers if status == 200]
    for status, body in answers:
        if status == 409:
            assert body["error"] == f"churn@champion changed meanwhile: expected no holder, found v{winner}"
    (move,) = history.changes("churn", "champion")
    assert move["before"] is None and move["after"]["version"] == winner
    detail = await api.get("models/churn")
    assert detail["aliases"] == {"champion": move["after"]["version"]}


async def test_cards_in_every_format(registry, api):
    await register_all(api, registry, "mid", "strong")
    await api.post("models/churn/promote", {"version": 1})
    card = await api.get("models/churn/versions/2/card")
    assert card["facts"]["compared_with"] == {"alias": "champion", "version": "1"}
    assert "## Metrics against champion" in card["markdown"] and "<h2>Lineage</h2>" in card["html"]
    md = await api.get("models/churn/versions/2/card", params={"format": "markdown"})
    assert md.startswith("# Model card: churn v2") and "text/markdown" in api.last.headers["Content-Type"]
    page = await api.get("models/churn/versions/2/card", params={"format": "html", "against": "challenger"})
    assert page.startswith("<!doctype html>") and "No version holds &#x27;challenger&#x27; yet." in page
