"""Gated promotion, rollback, and promotions racing on one alias."""

import time
from datetime import UTC, datetime
from itertools import pairwise

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput, Conflict, Forbidden, GateRefused
from mlops_jupyter.governance import audit
from mlops_jupyter.registry import history, rules

ORDER = ("weak", "mid", "strong", "failed_validation", "never_validated")


@pytest.fixture
def versions(registry):
    """Every seeded model registered as churn v1..v5, in ORDER."""
    return {label: mlops.register(registry.runs[label], name="churn").version for label in ORDER}


def champion(client) -> str | None:
    held = client.get_registered_model("churn").aliases.get("champion")
    return None if held is None else str(held)


def test_promotion_moves_the_alias_and_records_what_it_replaced(versions, client):
    first = mlops.promote("churn", versions["weak"], to="champion", reason="first model")
    assert (first.previous, first.version, first.forced) == (None, "1", False)
    second = mlops.promote("churn", versions["strong"], to="champion", require=["auc>=champion"])
    assert second.previous == "1" and champion(client) == "3"
    assert second.rules_added == ["auc>=champion"]
    assert [c["name"] for c in second.checks] == ["validated", "auc>=champion"]
    assert all(c["passed"] for c in second.checks)
    moves = history.changes("churn", "champion")
    assert [(m["before"], m["after"]["version"]) for m in moves] == [(None, "1"), ({"version": "1"}, "3")]
    assert moves[0]["reason"] == "first model" and moves[1]["after"]["checks"][1]["name"] == "auc>=champion"
    # MLflow 3 style: aliases only, never the deprecated stages.
    assert {mv.current_stage for mv in client.search_model_versions("name = 'churn'")} == {"None"}


def test_stored_rules_apply_to_every_later_promotion_and_the_refusal_gives_the_numbers(
    versions, registry, client
):
    mlops.promote("churn", versions["strong"], to="champion", require=["auc>=champion", "auc>=0.9"])
    entries_before = audit.entries()
    with pytest.raises(GateRefused) as err:
        mlops.promote("churn", versions["weak"], to="champion")
    assert err.value.message == "promotion of churn v1 to 'champion' refused: rule auc>=champion failed"
    weak, strong = registry.auc["weak"], registry.auc["strong"]
    assert f"auc of v1 is {weak:.6g}, champion (v3) has {strong:.6g}" in err.value.detail
    assert err.value.http_status == 409
    checks = {c["name"]: c["passed"] for c in err.value.to_dict()["checks"]}
    assert checks == {"validated": True, "auc>=champion": False, "auc>=0.9": True}
    assert champion(client) == "3" and audit.entries() == entries_before


def test_a_failed_gate_changes_nothing_not_even_the_rule_it_was_given(versions, client):
    before = audit.entries()
    with pytest.raises(GateRefused, match=r"rule auc>=0.999 failed"):
        mlops.promote("churn", versions["mid"], to="champion", require=["auc>=0.999"])
    assert champion(client) is None
    assert rules.stored("churn") == {} and audit.entries() == before


@pytest.mark.parametrize(
    ("label", "why"),
    [
        ("never_validated", "has not been validated: run `mlops validate train.ipynb`"),
        ("failed_validation", "failed its validation (run"),
    ],
)
def test_versions_from_unvalidated_notebook_versions_are_refused(versions, label, why, client):
    with pytest.raises(GateRefused) as err:
        mlops.promote("churn", versions[label], to="champion")
    assert "not validated" in err.value.message and why in err.value.detail
    assert champion(client) is None


def test_force_is_for_admins_with_a_reason_and_is_recorded_as_forced(versions, team, monkeypatch, client):
    monkeypatch.setenv("MLOPS_USER", "alice")
    with pytest.raises(Forbidden, match="alice is an approver: force needs the admin role"):
        mlops.promote("churn", versions["never_validated"], to="champion", force=True, reason="hotfix")
    monkeypatch.setenv("MLOPS_USER", "root")
    with pytest.raises(BadInput, match="needs a reason"):
        mlops.promote("churn", versions["never_validated"], to="champion", force=True)
    done = mlops.promote("churn", versions["never_validated"], to="champion", force=True, reason="hotfix")
    assert done.forced and champion(client) == "5"
    entry = audit.entries(action="promote")[-1]
    assert entry["actor"] == "root" and entry["role"] == "admin" and entry["after"]["forced"] is True
    assert entry["after"]["checks"][0] == {
        "name": "validated",
        "passed": False,
        "detail": entry["after"]["checks"][0]["detail"],
    }
    # force on a version that passes anyway is not recorded as forced
    assert not mlops.promote("churn", versions["mid"], to="champion", force=True, reason="x").forced


def test_promotion_needs_an_approver(versions, team, monkeypatch, client):
    monkeypatch.setenv("MLOPS_USER", "bob")
    with pytest.raises(Forbidden, match="bob is a developer: promote needs the approver role"):
        mlops.promote("churn", versions["mid"], to="champion")
    monkeypatch.setenv("MLOPS_USER", "alice")
    mlops.promote("churn", versions["mid"], to="champion", reason="ok")
    entry = audit.entries(action="promote")[-1]
    assert (entry["actor"], entry["role"], entry["reason"]) == ("alice", "approver", "ok")


def test_stale_expectations_and_no_op_promotions_are_conflicts(versions, client):
    mlops.promote("churn", versions["weak"], to="champion")
    with pytest.raises(Conflict, match="changed meanwhile: expected no holder, found v1"):
        mlops.promote("churn", versions["mid"], to="champion", expect=None)
    with pytest.raises(Conflict, match="already holds"):
        mlops.promote("churn", versions["weak"], to="champion")
    assert mlops.promote("churn", versions["mid"], to="champion", expect="1").previous == "1"


def test_unknown_models_versions_and_reserved_aliases_are_refused(versions):
    from mlops_jupyter.errors import NotFound

    with pytest.raises(NotFound):
        mlops.promote("churn", 99, to="champion")
    with pytest.raises(NotFound):
        mlops.promote("nope", 1, to="champion")
    for reserved in ("latest", "v2"):
        with pytest.raises(BadInput, match="reserved"):
            mlops.promote("churn", 1, to=reserved)
    with pytest.raises(BadInput, match="invalid rule"):
        mlops.promote("churn", 1, to="champion", require=["auc => 0.9"])


def test_rollback_walks_back_through_the_promotions(versions, client):
    for label in ("weak", "mid", "strong"):
        mlops.promote("churn", versions[label], to="champion")
    assert repr(mlops.rollback("churn", "champion", reason="v3 misbehaves")) == "churn@champion: v3 -> v2"
    assert champion(client) == "2"
    assert mlops.rollback("churn", "champion").version == "1"
    with pytest.raises(Conflict, match="first recorded holder"):
        mlops.rollback("churn", "champion")
    assert champion(client) == "1"
    last = audit.entries(action="rollback")[-1]
    assert (last["before"], last["after"]) == ({"version": "2"}, {"version": "1"})
    # a promotion after rollbacks stacks on the current holder
    mlops.promote("churn", versions["strong"], to="champion")
    assert mlops.rollback("churn").version == "1"


def test_rollback_refuses_when_the_alias_was_moved_outside_mlops(versions, client):
    mlops.promote("churn", versions["weak"], to="champion")
    mlops.promote("churn", versions["mid"], to="champion")
    client.set_registered_model_alias("churn", "champion", versions["strong"])  # not through the gate
    with pytest.raises(Conflict, match="held by v3 in MLflow but the audit log says v2"):
        mlops.rollback("churn", "champion")
    with pytest.raises(Conflict, match="no promotion in the audit log"):
        mlops.rollback("churn", "challenger")


def test_what_was_champion_at_a_given_time(versions):
    start = datetime.now(UTC)
    mlops.promote("churn", versions["weak"], to="champion")
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    mlops.promote("churn", versions["mid"], to="champion")
    mlops.promote("churn", versions["weak"], to="challenger")
    assert history.holder_at("churn", "champion", start) is None
    assert history.holder_at("churn", "champion", between) == "1"
    assert history.holders_at("churn") == {"champion": "2", "challenger": "1"}
    assert history.holders_at("churn", between.isoformat()) == {"champion": "1"}
    assert history.holders_at("churn", "2000-01-01") == {}
    assert history.holders_at("churn", start.date().isoformat()) == {"champion": "2", "challenger": "1"}


def test_racing_promotions_take_turns_and_the_audit_log_tells_the_truth(versions, client, race):
    outcomes = race([versions["weak"], versions["mid"], versions["strong"]])
    assert all(not isinstance(o, Exception) for o in outcomes.values()), outcomes
    moves = history.changes("churn", "champion")
    assert len(moves) == 3 and moves[0]["before"] is None
    for earlier, later in pairwise(moves):
        assert later["before"] == {"version": earlier["after"]["version"]}  # each names its real predecessor
    assert champion(client) == moves[-1]["after"]["version"]
    assert audit.verify() == []


def test_racing_promotions_that_expect_the_same_holder_have_one_winner(versions, client, race):
    outcomes = race([versions["weak"], versions["mid"], versions["strong"]], expect=None)
    winners = [v for v, o in outcomes.items() if not isinstance(o, Exception)]
    losers = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert len(winners) == 1 and len(losers) == 2
    assert all(isinstance(o, Conflict) and "expected no holder, found v" in o.message for o in losers)
    assert champion(client) == winners[0]
    (move,) = history.changes("churn", "champion")
    assert move["after"]["version"] == winners[0]
