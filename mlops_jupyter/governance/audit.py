"""The audit log: an append-only, keyed hash chain of governed actions.

Each entry stores the hash of the entry before it and its own HMAC over its content and
that link (:mod:`.audit_chain`), keyed with a secret kept outside the mlops database
(:mod:`.audit_key`), so editing, deleting or reordering entries breaks the chain at a place
:func:`verify` names, and nobody without the key can recompute it. A one-row head
(``audit_head``) and a signed anchor outside the database name the newest entry, so deleting
the newest entries is caught as well.

Every append first locks the head row, which makes governed writes take turns (a row lock
on PostgreSQL, the write lock on SQLite). A governed action that also writes elsewhere (a
promotion moving an MLflow alias) runs inside :func:`transaction`: it re-reads what it
depends on under the lock, and its entry commits with it or not at all.

>>> from mlops_jupyter.governance import audit
>>> audit.record("alice", "approver", "promote", "model:churn@champion",
...              before={"version": "5"}, after={"version": "7"}, reason="beats v5")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from .. import db
from ..db.tables import AuditEntry, AuditHead, utcnow
from ..errors import Conflict
from . import audit_chain, audit_key, remote
from .audit_chain import GENESIS, Problem, entry_hash
from .audit_chain import utc_text as _utc_text

__all__ = ["GENESIS", "Problem", "entry_hash", "lock", "record", "transaction", "verify"]
ACTIONS = (
    "register",
    "validate",
    "promote",
    "rollback",
    "rules",
    "schedule",
    "update",
    "pause",
    "resume",
    "delete",
    "role",
)
MAX_PAGE = 1000
_ATTEMPTS = 20


def as_utc(time: datetime) -> datetime:
    """``time`` in UTC; a naive time is taken as UTC (how the log stores and shows times)."""
    return time.replace(tzinfo=UTC) if time.tzinfo is None else time.astimezone(UTC)


def model_target(model: str, alias: str | None = None) -> str:
    """The audit target of a model (register, rules) or of one of its aliases (promote, rollback)."""
    return f"model:{model}@{alias}" if alias else f"model:{model}"


# -- writing ---------------------------------------------------------------------------


@contextmanager
def transaction(url: str | None = None) -> Iterator:
    """A transaction holding the audit lock from its first statement; commits on success."""
    with db.session(url) as s:
        lock(s)
        yield s


def lock(s) -> AuditHead:
    """Lock the head row for the rest of ``s``'s transaction and return it, once the log's end holds.

    On SQLite the UPDATE is what makes the transaction a writer from its first statement:
    a transaction that read first and wrote later could fail under concurrency instead of
    waiting its turn. A log whose end disagrees with its anchored head (the newest entries
    deleted, the head row gone or rewritten) takes no new entry: writing on would bury the gap.
    """
    from sqlalchemy import select, update

    s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    secret = audit_key.key()
    audit_chain.seal_legacy(s, secret)
    head = s.execute(select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True))
    head = head.scalar_one_or_none()
    tail = s.execute(select(*audit_chain.COLUMNS).order_by(AuditEntry.seq.desc()).limit(1)).first()
    pending = s.info.get("audit_anchor")
    anchor = audit_key.Anchor(*pending) if pending else audit_chain.load_anchor(secret)
    if head is None and tail is None and anchor is None:  # a new log
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        s.add(head)
        s.flush()
    recent = [tail] if tail else []
    if isinstance(anchor, audit_key.Anchor) and tail and anchor.seq < tail.seq:  # an anchor write cut short
        recent = list(s.execute(select(*audit_chain.COLUMNS).where(AuditEntry.seq >= anchor.seq)))
    problems = audit_chain.anchor_problems(recent, anchor)
    if head is None or (tail and (head.seq, head.hash) != (tail.seq, tail.hash)) or problems:
        first = problems[0] if problems else None
        raise Conflict(
            "the audit log does not verify, so it takes no new entry: "
            + (first.message if first else "its head row does not name its newest entry"),
            "`mlops audit --verify` names every bad entry; restore the mlops database (or the audit "
            "key and anchored head beside it) from a backup.",
        )
    return head


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
                s.expunge(entry)  # readable after the commit closes the session
            return entry
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _append(s, actor, role, action, target, before, after, reason) -> AuditEntry:
    head = lock(s)
    secret = audit_key.key()
    prev = head.hash
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
        hash=entry_hash(prev, time, actor, role, action, target, before, after, reason, key=secret),
    )
    s.add(entry)
    s.flush()
    head.seq, head.hash = entry.seq, entry.hash
    s.flush()
    audit_chain.anchor_on_commit(s, secret, entry.seq, entry.hash)
    return entry


# -- checking --------------------------------------------------------------------------


@remote.governed("audit_verify", rebuild=lambda answer: [Problem(**p) for p in answer], identity="")
def verify(url: str | None = None, *, session=None) -> list[Problem]:
    """Walk the chain, its head row and its anchored head; every entry that does not hold is reported."""
    if session is not None:
        return audit_chain.verify_in(session)
    with db.session(url) as s:
        return audit_chain.verify_in(s)


def require_intact(session) -> None:
    """Refuse to act on a history that does not verify (a rollback follows the log's past)."""
    problems = verify(session=session)
    if problems:
        raise Conflict(
            f"the audit log does not verify; first bad entry: {problems[0].seq}"
            f"{_written(problems[0])}: {problems[0].message}",
            "`mlops audit --verify` names every bad entry; nothing that follows its history runs "
            "until the log is restored from a backup.",
        )


def _written(problem: Problem) -> str:
    return f" ({problem.time}, {problem.action})" if problem.time else ""


# -- reading ---------------------------------------------------------------------------


def _query(target_prefix=None, action=None, since=None, until=None, model=None, alias=None, before_seq=None):
    from sqlalchemy import or_, select

    q = select(AuditEntry)
    if target_prefix:
        q = q.where(AuditEntry.target.startswith(target_prefix, autoescape=True))
    if model:
        if alias:
            q = q.where(AuditEntry.target == model_target(model, alias))
        else:
            q = q.where(
                or_(
                    AuditEntry.target == model_target(model),
                    AuditEntry.target.startswith(model_target(model) + "@", autoescape=True),
                )
            )
    if action:
        actions = [action] if isinstance(action, str) else list(action)
        q = q.where(AuditEntry.action.in_(actions))
    if since is not None:
        q = q.where(AuditEntry.time >= as_utc(since))
    if until is not None:
        q = q.where(AuditEntry.time <= as_utc(until))
    if before_seq is not None:
        q = q.where(AuditEntry.seq < before_seq)
    return q


def entries(
    target_prefix: str | None = None,
    action: str | list[str] | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    *,
    model: str | None = None,
    alias: str | None = None,
    since: datetime | None = None,
    before_seq: int | None = None,
    session=None,
) -> list[dict]:
    """Entries oldest first; with ``limit``, the newest ``limit`` of those that match.

    ``model`` selects a model's own entries and its aliases' (``alias`` narrows to one);
    ``before_seq`` pages back through a long log.
    """
    q = _query(target_prefix, action, since, until, model, alias, before_seq)
    if limit:
        q = q.order_by(AuditEntry.seq.desc()).limit(limit)
    else:
        q = q.order_by(AuditEntry.seq)
    if session is not None:
        rows = [as_dict(e) for e in session.execute(q).scalars()]
    else:
        with db.session() as s:
            rows = [as_dict(e) for e in s.execute(q).scalars()]
    return rows[::-1] if limit else rows


@remote.governed("audit_log", identity="")
def log(
    model: str | None = None,
    action: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    limit: int | None = 100,
) -> list[dict]:
    """The audit log, oldest first (the newest ``limit`` entries).

    >>> mlops.audit(model="churn", action="promote")
    """
    from .names import model_name

    if model:
        model_name(model)
    from ..errors import BadInput

    if action and action not in ACTIONS:
        raise BadInput(f"unknown audit action {action!r:.80}", f"Actions: {', '.join(ACTIONS)}.")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise BadInput(f"limit must be a positive whole number, got {limit!r:.80}", "e.g. limit=100")
    return entries(
        action=action,
        until=parse_time(until, end_of_day=True),
        limit=limit,
        model=model,
        since=parse_time(since),
    )


def parse_time(value: datetime | str | None, *, end_of_day: bool = False) -> datetime | None:
    """A time from a datetime or ISO text (``2026-03-01``, ``2026-03-01T12:00``, ``...Z``); UTC if naive.

    A bare date means its start, or with ``end_of_day`` its last moment: "champion on March 1"
    is whatever held the alias when that day ended.
    """
    from datetime import timedelta

    from ..errors import BadInput

    if value is None or isinstance(value, datetime):
        return as_utc(value) if value is not None else None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise BadInput(
            f"invalid time {value!r}",
            "Give an ISO date or time, e.g. 2026-03-01 or 2026-03-01T12:00:00Z (UTC).",
        ) from None
    if end_of_day and len(text) == 10:
        parsed += timedelta(days=1, microseconds=-1)
    return as_utc(parsed)


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


@remote.governed("audit_page", rebuild=lambda answer: (answer[0], answer[1]), identity="")
def page(
    model: str | None = None,
    action: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    limit: int = 100,
    before_seq: int | None = None,
) -> tuple[list[dict], int | None]:
    """The newest ``limit`` matching entries older than ``before_seq``, oldest first, and the
    cursor for the page before them (None when there is none)."""
    from ..errors import BadInput
    from .names import model_name

    if model:
        model_name(model)
    if action and action not in ACTIONS:
        raise BadInput(f"unknown audit action {action!r}", f"Actions: {', '.join(ACTIONS)}.")
    if not 1 <= limit <= MAX_PAGE:
        raise BadInput(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
    found = entries(
        action=action,
        until=parse_time(until, end_of_day=True),
        since=parse_time(since),
        limit=limit + 1,
        model=model,
        before_seq=before_seq,
    )
    if len(found) > limit:
        found = found[1:]
        return found, found[0]["seq"]
    return found, None
