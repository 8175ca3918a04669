"""Verifying the keyed audit log: 100,000 entries in at most 2 s.

    python benchmarks/audit.py [--entries 100000] [--repeat 3]

Builds an mlops database (SQLite, in a temporary state directory) holding a log of
``--entries`` realistic entries (promotions with before/after states and checks, validations,
role changes), chained with the audit key and anchored, then times in the same process,
alternating so both see the same machine load:

* ``audit.verify()``  the keyed chain: every HMAC, every link, the head row and the anchor
* baseline            the verification as it was before the chain was keyed: ORM objects and
                      plain SHA-256 over the same log re-hashed the old way (a copy of that walk)

Prints each timing (wall clock, and the process's CPU time, which a loaded machine
inflates less), the medians and their ratio. Target: the keyed verification's median wall
time is at most 2 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TARGET_SECONDS = 2.0


def build(home: Path, n: int) -> tuple[str, str]:
    """Two databases with the same ``n`` entries: one keyed and anchored, one hashed the old way."""
    os.environ["MLOPS_HOME"] = str(home)
    from sqlalchemy import insert

    from mlops_jupyter import db
    from mlops_jupyter.db.tables import AuditEntry, AuditHead
    from mlops_jupyter.governance import audit_chain, audit_key

    secret = audit_key.key()
    keyed, legacy = f"sqlite:///{home / 'jobs.db'}", f"sqlite:///{home / 'legacy.db'}"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for url, hasher in (
        (keyed, lambda *f: audit_chain.entry_hash(*f, key=secret)),
        (legacy, audit_chain.legacy_hash),
    ):
        prev, rows = audit_chain.GENESIS, []
        for i in range(n):
            fields = (start + timedelta(seconds=i), *_entry(i))
            digest = hasher(prev, *fields)
            rows.append(dict(zip(_NAMES, (*fields, prev, digest), strict=True)))
            prev = digest
        with db.session(url) as s:
            for chunk in range(0, n, 10_000):
                s.execute(insert(AuditEntry), rows[chunk : chunk + 10_000])
            s.get(AuditHead, 1).seq, s.get(AuditHead, 1).hash = n, prev
        if url == keyed:
            audit_key.write_anchor(secret, n, prev)
    return keyed, legacy


_NAMES = ("time", "actor", "role", "action", "target", "before", "after", "reason", "prev_hash", "hash")


def _entry(i: int) -> tuple:
    kind = i % 3
    if kind == 0:
        checks = {"passed": True, "checks": [{"name": "auc", "passed": True, "value": 0.9 + i % 7 / 100}]}
        after = {"version": str(i // 3 + 2), "run_id": f"{i:032x}", "forced": False, "checks": checks}
        return (
            "alice",
            "approver",
            "promote",
            "model:churn@champion",
            {"version": str(i // 3 + 1)},
            after,
            "beats it",
        )
    if kind == 1:
        after = {"validation": i, "passed": True, "run_id": f"{i:032x}", "version": f"{i:064x}"}
        return ("bob", "developer", "validate", f"notebook:train.ipynb@{i:012x}", None, after, None)
    before, after = {"role": "viewer"}, {"role": "developer"}
    return ("carol", "admin", "role", f"user:u{i}", before, after, "joined")


def baseline_verify(url: str) -> list[int]:
    """The walk before the chain was keyed: ORM rows, plain SHA-256, the head row."""
    from sqlalchemy import select

    from mlops_jupyter import db
    from mlops_jupyter.db.tables import AuditEntry, AuditHead

    def entry_hash(prev_hash, time, actor, role, action, target, before, after, reason) -> str:
        if time.tzinfo is not None:
            time = time.astimezone(UTC).replace(tzinfo=None)
        payload = json.dumps(
            [
                prev_hash,
                time.isoformat(timespec="microseconds"),
                actor,
                role,
                action,
                target,
                before,
                after,
                reason,
            ],
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    bad = []
    with db.session(url) as s:
        rows = list(s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())
        head = s.get(AuditHead, 1)
        prev = "0" * 64
        for e in rows:
            fields = (e.time, e.actor, e.role, e.action, e.target, e.before, e.after, e.reason)
            if e.hash != entry_hash(e.prev_hash, *fields) or e.prev_hash != prev:
                bad.append(e.seq)
            prev = e.hash
        if head is not None and head.hash != prev:
            bad.append(head.seq)
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlops-audit-bench-") as tmp:
        home = Path(tmp) / ".mlops"
        home.mkdir()
        for key in ("MLOPS_JOBS_URL", "MLOPS_AUDIT_KEY", "MLOPS_AUDIT_KEY_FILE", "MLOPS_AUDIT_ANCHOR"):
            os.environ.pop(key, None)
        began = time.perf_counter()
        keyed, legacy = build(home, args.entries)
        print(f"built two logs of {args.entries:,} entries in {time.perf_counter() - began:.1f} s")
        from mlops_jupyter.governance import audit

        ours, base, cpu = [], [], []
        for _ in range(args.repeat):
            began, used = time.perf_counter(), time.process_time()
            problems = audit.verify(keyed)
            ours.append(time.perf_counter() - began)
            cpu.append(time.process_time() - used)
            assert problems == [], problems[:3]
            began = time.perf_counter()
            assert baseline_verify(legacy) == []
            base.append(time.perf_counter() - began)
            print(f"  keyed verify {ours[-1]:.3f} s (cpu {cpu[-1]:.3f} s)    baseline {base[-1]:.3f} s")
    mine, theirs = statistics.median(ours), statistics.median(base)
    verdict = "meets" if mine <= TARGET_SECONDS else "MISSES"
    median_cpu = statistics.median(cpu)
    print(f"audit.verify() over {args.entries:,} entries: median {mine:.3f} s, cpu {median_cpu:.3f} s")
    print(f"  {verdict} the target of {TARGET_SECONDS:.0f} s")
    print(f"baseline (the unkeyed verification): median {theirs:.3f} s; keyed/baseline {mine / theirs:.2f}")
    return 0 if mine <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
