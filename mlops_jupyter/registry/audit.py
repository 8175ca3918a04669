"""The audit log: an append-only, hash-chained record of governed actions.

Each entry stores the hash of the entry before it and its own hash over its content and
that link, so editing, deleting or reordering entries breaks the chain at a place
:func:`verify` names. ``prev_hash`` is unique in the database: two concurrent writers
cannot both extend the chain from the same tail; the loser retries on the new tail.

>>> from mlops_jupyter.registry import audit
>>> audit.record("alice", "approver", "promote", "model:churn@champion",
...              before={"version": "5"}, after={"version": "7"}, reason="beats v5")
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from .. import db
from ..orm import AuditEntry, utcnow

GENESIS = "0" * 64
ACTIONS = (
    "register",
    "validate",
    "promote",
    "rollback",
    "schedule",
    "update",
    "pause",
    "resume",
    "delete",
    "role",
)
_ATTEMPTS = 20


def entry_hash(
    prev_hash: str, time: datetime, actor: str, role: str, action: str, target: str, before, after, reason
) -> str:
    payload = json.dumps(
        [prev_hash, _utc_text(time), actor, role, action, target, before, after, reason],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _utc_text(time: datetime) -> str:
    """The same text whatever the database gives back (SQLite drops the zone, PostgreSQL keeps it)."""
    if time.tzinfo is not None:
        time = time.astimezone(timezone.utc).replace(tzinfo=None)
    return time.isoformat(timespec="microseconds")


def record(
    actor: str,
    role: str,
    action: str,
    target: str,
    *,
    before=None,
    after=None,
    reason: str | None = None,
    session=None,
) -> AuditEntry:
    """Append one entry. Pass ``session`` to make it part of a larger transaction."""
    from sqlalchemy.exc import IntegrityError

    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    if session is not None:
        return _append(session, actor, role, action, target, before, after, reason)
    for attempt in range(_ATTEMPTS):
        try:
            with db.session() as s:
                entry = _append(s, actor, role, action, target, before, after, reason)
            return entry
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _append(s, actor, role, action, target, before, after, reason) -> AuditEntry:
    from sqlalchemy import select

    tail = s.execute(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).scalar()
    prev = tail or GENESIS
    time = utcnow()
    entry = AuditEntry(
        time=time,
        actor=actor,
        role=role,
        action=action,
        target=target,
        before=before,
        after=after,
        reason=reason,
        prev_hash=prev,
        hash=entry_hash(prev, time, actor, role, action, target, before, after, reason),
    )
    s.add(entry)
    s.flush()
    return entry


@dataclass
class Problem:
    seq: int
    kind: str  # "edited" | "broken link" (an entry deleted or moved before it)
    message: str


def verify(url: str | None = None) -> list[Problem]:
    """Walk the chain; every entry whose content or link does not hold is reported."""
    from sqlalchemy import select

    problems = []
    prev = GENESIS
    with db.session(url) as s:
        for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
            expected = entry_hash(
                e.prev_hash, e.time, e.actor, e.role, e.action, e.target, e.before, e.after, e.reason
            )
            if e.hash != expected:
                problems.append(
                    Problem(
                        e.seq,
                        "edited",
                        f"entry {e.seq} ({e.action} {e.target}) was changed after it was written",
                    )
                )
            if e.prev_hash != prev:
                problems.append(
                    Problem(
                        e.seq,
                        "broken link",
                        f"entry {e.seq} ({e.action} {e.target}) does not follow the entry before it: "
                        "an entry was deleted, inserted or moved here",
                    )
                )
            prev = e.hash
    return problems


def entries(
    target_prefix: str | None = None,
    action: str | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Entries oldest first, optionally for targets starting with ``target_prefix``."""
    from sqlalchemy import select

    q = select(AuditEntry).order_by(AuditEntry.seq)
    if target_prefix:
        q = q.where(AuditEntry.target.startswith(target_prefix, autoescape=True))
    if action:
        q = q.where(AuditEntry.action == action)
    if until is not None:
        q = q.where(AuditEntry.time <= until)
    with db.session() as s:
        rows = list(s.execute(q).scalars())
        if limit:
            rows = rows[-limit:]
        return [as_dict(e) for e in rows]


def as_dict(e: AuditEntry) -> dict:
    return {
        "seq": e.seq,
        "time": _utc_text(e.time) + "Z",
        "actor": e.actor,
        "role": e.role,
        "action": e.action,
        "target": e.target,
        "before": e.before,
        "after": e.after,
        "reason": e.reason,
        "hash": e.hash,
        "prev_hash": e.prev_hash,
    }
