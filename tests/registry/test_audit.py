"""The audit log: tampering is detected and named; `mlops audit` answers who held what, when."""

import json
import sqlite3
from contextlib import closing

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.cli import main
from mlops_jupyter.governance import audit


@pytest.fixture
def log(registry, mlops_home):
    """A real history: three registrations, three promotions, a rollback."""
    for label in ("weak", "mid", "strong"):
        mlops.register(registry.runs[label], name="churn")
    mlops.promote("churn", 1, to="champion", reason="first")
    mlops.promote("churn", 2, to="champion", reason="better")
    mlops.promote("churn", 3, to="champion", reason="best")
    mlops.rollback("churn", "champion", reason="latency")
    assert audit.verify() == []
    return mlops_home / "jobs.db"


def sql(db, statement, *args):
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(statement, args)
        conn.commit()


def kinds(problems):
    return [(p.seq, p.kind) for p in problems]


def test_an_edited_entry_is_named(log):
    sql(log, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 5")
    (problem,) = audit.verify()
    assert (problem.seq, problem.kind) == (5, "edited")
    assert problem.message == "entry 5 (promote model:churn@champion) was changed after it was written"


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(log):
    with closing(sqlite3.connect(log)) as conn:
        row = conn.execute(
            "SELECT prev_hash, time, actor, role, action, target, before, after FROM audit_log WHERE seq = 5"
        ).fetchone()
    from datetime import datetime

    prev, time, _actor, role, action, target, before, after = row
    forged = audit.entry_hash(
        prev,
        datetime.fromisoformat(time),
        "mallory",
        role,
        action,
        target,
        json.loads(before),
        json.loads(after),
        "better",
    )
    sql(log, "UPDATE audit_log SET actor = 'mallory', hash = ? WHERE seq = 5", forged)
    assert kinds(audit.verify()) == [(6, "deleted")]


def test_a_deleted_entry_is_named(log):
    sql(log, "DELETE FROM audit_log WHERE seq = 4")
    (problem,) = audit.verify()
    assert (problem.seq, problem.kind) == (5, "deleted")
    assert "between entry 3 and it was deleted" in problem.message


def test_deleting_the_newest_entries_is_detected_through_the_head(log):
    sql(log, "DELETE FROM audit_log WHERE seq = 7")
    head_row, anchor = audit.verify()
    assert (head_row.seq, head_row.kind) == (anchor.seq, anchor.kind) == (7, "deleted")
    assert "entry 7 was the newest entry written, but the log ends at entry 6" in head_row.message
    assert "entry 7 was the newest entry anchored, but the log ends at entry 6" in anchor.message


def test_reordered_entries_are_named(log):
    cols = "time, actor, role, action, target, before, after, reason, prev_hash, hash"
    with closing(sqlite3.connect(log)) as conn:
        five = conn.execute(f"SELECT {cols} FROM audit_log WHERE seq = 5").fetchone()
        six = conn.execute(f"SELECT {cols} FROM audit_log WHERE seq = 6").fetchone()
        sets = ", ".join(f"{c} = ?" for c in cols.split(", "))
        # free the unique links first
        conn.execute("UPDATE audit_log SET prev_hash = 'x5' WHERE seq = 5")
        conn.execute("UPDATE audit_log SET prev_hash = 'x6' WHERE seq = 6")
        conn.execute(f"UPDATE audit_log SET {sets} WHERE seq = 5", six)
        conn.execute(f"UPDATE audit_log SET {sets} WHERE seq = 6", five)
        conn.commit()
    problems = audit.verify()
    assert [p.kind for p in problems][:2] == ["moved", "moved"]
    assert "was written after entry 6 but now follows entry 4: entries were reordered" in problems[0].message


def test_the_cli_verifies_and_fails_naming_the_entry(log, capsys):
    main(["audit", "--verify"])
    assert "audit log intact: 7 entries" in capsys.readouterr().out
    sql(log, 'UPDATE audit_log SET after = \'{"version": "1"}\' WHERE seq = 6')
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "--verify"])
    assert exit_.value.code == 1
    out = capsys.readouterr()
    assert "entry 6: edited: entry 6 (promote model:churn@champion) was changed" in out.out
    assert "failed verification: 1 problem" in out.err


def test_the_cli_lists_filters_and_says_who_held_an_alias_when(log, capsys):
    main(["audit", "--model", "churn", "--action", "promote"])
    out = capsys.readouterr().out
    assert out.count("promote") == 3 and "none -> v1" in out and "v2 -> v3" in out and "best" in out
    main(["audit", "--model", "churn", "--at", "2999-01-01"])
    assert "churn@champion at 2999-01-01 23:59:59 UTC: v2" in capsys.readouterr().out
    main(["audit", "--model", "churn", "--at", "2000-01-01"])
    assert "no alias was held" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "--at", "yesterday-ish", "--model", "churn"])
    assert exit_.value.code == 2 and "invalid time" in capsys.readouterr().err


def test_audit_pages_back_from_the_newest(log):
    newest, before = audit.page(limit=3)
    assert [e["seq"] for e in newest] == [5, 6, 7] and before == 5
    older, before = audit.page(limit=3, before_seq=before)
    assert [e["seq"] for e in older] == [2, 3, 4] and before == 2
    oldest, before = audit.page(limit=3, before_seq=before)
    assert [e["seq"] for e in oldest] == [1] and before is None
    assert [e["action"] for e in mlops.audit(model="churn", action="rollback")] == ["rollback"]
