"""The keyed audit chain: write access to the mlops database is not enough to rewrite the log."""

import json
import sqlite3
import stat
from contextlib import closing
from datetime import datetime

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.cli import main
from mlops_jupyter.errors import Conflict
from mlops_jupyter.governance import audit, audit_chain

COLUMNS = "seq, prev_hash, time, actor, role, action, target, before, after, reason, hash"


@pytest.fixture
def log(registry, mlops_home):
    """Three registrations, three promotions and a rollback: seven entries, champion on v2."""
    for label in ("weak", "mid", "strong"):
        mlops.register(registry.runs[label], name="churn")
    mlops.promote("churn", 1, to="champion", reason="first")
    mlops.promote("churn", 2, to="champion", reason="better")
    mlops.promote("churn", 3, to="champion", reason="best")
    mlops.rollback("churn", "champion", reason="latency")
    assert audit.verify() == []
    return mlops_home / "jobs.db"


def read_rows(db):
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(f"SELECT {COLUMNS} FROM audit_log ORDER BY seq").fetchall()


def rechain(db, edit=lambda row: row):
    """What someone with write access to the database can do: rewrite every row and re-hash the
    chain with plain SHA-256 (the unkeyed chain), head row included."""
    prev = audit.GENESIS
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM audit_log ORDER BY seq").fetchall()
        conn.execute("UPDATE audit_log SET prev_hash = 'free-' || seq")  # the links are unique
        for row in rows:
            seq, _, time, actor, role, action, target, before, after, reason, _ = edit(row)
            fields = (datetime.fromisoformat(time), actor, role, action, target)
            new = audit_chain.legacy_hash(
                prev, *fields, json.loads(before or "null"), json.loads(after), reason
            )
            conn.execute(
                "UPDATE audit_log SET prev_hash = ?, hash = ?, actor = ? WHERE seq = ?",
                (prev, new, actor, seq),
            )
            prev = new
        conn.execute("UPDATE audit_head SET seq = ?, hash = ?", (rows[-1][0], prev))
        conn.commit()


def sql(db, *statements):
    with closing(sqlite3.connect(db)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def test_a_chain_recomputed_without_the_key_fails_at_its_first_entry(log):
    rechain(log, lambda row: (*row[:3], "mallory", *row[4:]) if row[0] == 5 else row)
    problems = audit.verify()
    first = problems[0]
    assert (first.seq, first.kind, first.action) == (1, "edited", "register")
    assert first.time.endswith("Z") and len({p.seq for p in problems if p.kind == "edited"}) == 7


def test_deleting_the_newest_entries_with_the_head_row_is_caught_by_the_anchor(log, capsys):
    sql(
        log,
        "DELETE FROM audit_log WHERE seq >= 6",
        "UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)",
    )
    (problem,) = audit.verify()
    assert (problem.seq, problem.kind) == (7, "deleted")
    anchored = "entry 7 was the newest entry anchored, but the log ends at entry 5"
    assert problem.message == f"{anchored}: the newest entries were deleted"
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "--verify"])
    assert exit_.value.code == 1
    assert "first bad entry: 7: entry 7 was the newest entry anchored" in capsys.readouterr().out


def test_a_missing_head_row_fails_and_is_not_rebuilt_by_the_next_write(log, client):
    sql(log, "DELETE FROM audit_head")
    (problem,) = audit.verify()
    assert (problem.seq, problem.kind, problem.action) == (7, "deleted", "rollback")
    assert "head row is missing" in problem.message
    with pytest.raises(Conflict, match="the audit log does not verify, so it takes no new entry"):
        mlops.promote("churn", 3, to="champion", reason="again")
    assert client.get_registered_model("churn").aliases == {"champion": 2}
    assert len(read_rows(log)) == 7 and audit.verify() == [problem]


def test_a_missing_anchor_fails(log, mlops_home):
    (mlops_home / "audit-head.json").unlink()
    (problem,) = audit.verify()
    assert (problem.seq, problem.kind) == (7, "unanchored")
    assert "anchored head" in problem.message and "is missing" in problem.message


def test_an_anchor_signed_with_another_key_is_refused(log, mlops_home):
    anchor = json.loads((mlops_home / "audit-head.json").read_text())
    (mlops_home / "audit-head.json").write_text(json.dumps({**anchor, "seq": 5}))
    (problem,) = audit.verify()
    assert problem.kind == "unanchored" and "is not signed with the audit key" in problem.message


def test_the_key_is_private_and_outside_the_database(log, mlops_home):
    key = mlops_home / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    assert key.read_bytes() not in log.read_bytes()
    assert key.read_bytes().hex() not in log.read_bytes().decode("latin-1")


def test_another_key_verifies_nothing(log, monkeypatch):
    monkeypatch.setenv("MLOPS_AUDIT_KEY", "a-different-secret-of-the-service")
    problems = audit.verify()
    assert problems[0].seq == 1 and problems[0].kind == "edited"
    assert problems[-1].kind == "unanchored"


def test_a_rollback_refuses_to_follow_a_history_that_does_not_verify(log, client):
    # Rewrite history so that v1 seems to have held champion just before v2: a rollback would go there.
    sql(log, "UPDATE audit_log SET after = json_set(after, '$.version', '1') WHERE seq = 6")
    with pytest.raises(Conflict) as refused:
        mlops.rollback("churn", "champion", reason="forged history")
    assert "the audit log does not verify; first bad entry: 6 (" in refused.value.message
    assert "promote): entry 6 (promote model:churn@champion) was changed" in refused.value.message
    assert client.get_registered_model("churn").aliases == {"champion": 2}


def test_a_log_written_before_the_key_is_sealed_once_and_then_keyed(log, mlops_home):
    rechain(log)  # as the unkeyed chain wrote it
    (mlops_home / "audit-head.json").unlink()
    legacy = read_rows(log)
    assert audit.verify() == []
    sealed = read_rows(log)
    assert [r[:-1] for r in sealed][1:] != [r[:-1] for r in legacy][1:]  # new links
    assert all(s[-1] != old[-1] for s, old in zip(sealed, legacy, strict=True))
    assert json.loads((mlops_home / "audit-head.json").read_text())["seq"] == 7
    mlops.promote("churn", 3, to="champion", reason="sealed log takes entries")
    assert audit.verify() == []


def test_a_tampered_log_written_before_the_key_is_not_sealed(log, mlops_home):
    rechain(log)
    (mlops_home / "audit-head.json").unlink()
    sql(log, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 4")
    problems = audit.verify()
    assert (problems[0].seq, problems[0].kind) == (1, "edited")  # never sealed: unkeyed hashes fail
    assert not (mlops_home / "audit-head.json").exists()
