"""Promotions racing on PostgreSQL: the audit head's row lock serializes them as SQLite's write lock does."""

from itertools import pairwise

import mlops_jupyter as mlops
from mlops_jupyter import db
from mlops_jupyter.errors import Conflict
from mlops_jupyter.governance import audit
from mlops_jupyter.registry import history


def test_racing_promotions_on_postgresql_take_turns_with_truthful_entries(
    postgres_jobs_db, registry, client, race
):
    assert db.engine().dialect.name == "postgresql"
    for label in ("weak", "mid", "strong", "weak", "mid", "strong"):
        mlops.register(registry.runs[label], name="churn")
    outcomes = race(["1", "2", "3"])
    assert all(not isinstance(o, Exception) for o in outcomes.values()), outcomes
    moves = history.changes("churn", "champion")
    for earlier, later in pairwise(moves):
        assert later["before"] == {"version": earlier["after"]["version"]}
    assert str(client.get_registered_model("churn").aliases["champion"]) == moves[-1]["after"]["version"]

    holder = moves[-1]["after"]["version"]
    outcomes = race(["4", "5", "6"], expect=holder)
    winners = [v for v, o in outcomes.items() if not isinstance(o, Exception)]
    assert len(winners) == 1
    assert all(isinstance(o, Conflict) for v, o in outcomes.items() if v not in winners)
    assert audit.verify() == []
    assert [e["seq"] for e in audit.entries()] == list(range(1, 11))
