"""The audit log's keyed chain: each entry's HMAC, and the walk that checks every link.

Each entry stores the hash of the entry before it and its own HMAC over its content and
that link, keyed with :func:`audit_key.key`. Editing, deleting or reordering entries breaks
the chain at a place :func:`verify` names; recomputing it needs the key, which the mlops
database does not hold. The newest entry is named twice more: by the database's head row and
by the signed anchor outside it, so deleting the newest entries is caught as well.

A log written before the chain was keyed (plain SHA-256) is *sealed* on first use: if it
verifies as it was written, its entries are re-hashed with the key and anchored; if not,
it stays as it is and every check names its first bad entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii

from ..db.tables import AuditEntry, AuditHead
from . import audit_key

GENESIS = "0" * 64
COLUMNS = (
    AuditEntry.seq,
    AuditEntry.time,
    AuditEntry.actor,
    AuditEntry.role,
    AuditEntry.action,
    AuditEntry.target,
    AuditEntry.before,
    AuditEntry.after,
    AuditEntry.reason,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


def utc_text(time: datetime) -> str:
    """The same text whatever the database gives back (SQLite drops the zone, PostgreSQL keeps it)."""
    if time.tzinfo is not None:
        time = time.astimezone(UTC).replace(tzinfo=None)
    return time.isoformat(timespec="microseconds")


def _raw_columns() -> tuple:
    """:data:`COLUMNS` with ``before``, ``after`` (and on SQLite ``time``) as the text stored."""
    from sqlalchemy import Text, type_coerce

    raw = ("time", "before", "after")
    return tuple(type_coerce(c, Text).label(c.key) if c.key in raw else c for c in COLUMNS)


def time_text(time: datetime | str) -> str:
    """:func:`utc_text` of a time as the database gave it back: SQLite's stored text is that text
    but for its separator (``2026-01-01 00:00:00.000000``); other databases give a datetime."""
    if isinstance(time, str):
        if len(time) == 26 and time[10] == " ":
            return f"{time[:10]}T{time[11:]}"
        time = datetime.fromisoformat(time)
    return utc_text(time)


# One encoder for every entry: json.dumps with options would build a new one per call.
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def _payload(prev_hash, time, actor, role, action, target, before, after, reason) -> bytes:
    return _encode([prev_hash, utc_text(time), actor, role, action, target, before, after, reason]).encode()


def entry_hash(
    prev_hash: str, time: datetime, actor: str, role: str, action: str, target: str, before, after, reason,
    *, key: bytes | None = None,
) -> str:  # fmt: skip
    """The entry's HMAC-SHA256 under the audit key (the configured one unless ``key`` is given)."""
    payload = _payload(prev_hash, time, actor, role, action, target, before, after, reason)
    return audit_key.mac(key if key is not None else audit_key.key(), payload)


def legacy_hash(prev_hash, time, actor, role, action, target, before, after, reason) -> str:
    """How entries were hashed before the chain was keyed (plain SHA-256: anyone can recompute it)."""
    return hashlib.sha256(
        _payload(prev_hash, time, actor, role, action, target, before, after, reason)
    ).hexdigest()


@dataclass
class Problem:
    """One place where the log does not hold: the entry, when it was written, and why."""

    seq: int
    kind: str  # "edited" | "deleted" | "moved" | "added" | "unanchored"
    message: str
    time: str | None = None
    action: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def rows(s) -> list:
    from sqlalchemy import select

    # Core rows through the session's connection: the ORM's per-row machinery costs more than the
    # check. ``before`` and ``after`` stay JSON text (see :func:`keyed_check`).
    return s.connection().execute(select(*_raw_columns()).order_by(AuditEntry.seq)).all()


def keyed_check(secret: bytes):
    """Whether a row (``before``/``after`` as stored JSON text) carries its HMAC under ``secret``.

    The database stores JSON sorted and compact (:func:`db.canonical_json`), which is how the
    payload encodes it, so the text goes into the payload as it is; only when that does not
    match (a database that rewrites JSON) is it parsed and encoded again.
    """

    quote = encode_basestring_ascii  # what the encoder writes for a str, without building an encoder

    def check(e) -> bool:
        text = (e.prev_hash, time_text(e.time), e.actor, e.role, e.action, e.target)
        reason = "null" if e.reason is None else quote(e.reason)
        fast = f"[{','.join(map(quote, text))},{e.before or 'null'},{e.after or 'null'},{reason}]".encode()
        if hmac.compare_digest(hmac.digest(secret, fast, "sha256").hex(), e.hash):
            return True
        return hmac.compare_digest(audit_key.mac(secret, _payload(*_fields(e))), e.hash)

    return check


def legacy_check(e) -> bool:
    return legacy_hash(*_fields(e)) == e.hash


def _fields(e) -> tuple:
    """An entry's hashed fields, ``before``/``after`` parsed from their stored text."""
    before, after = (json.loads(v) if isinstance(v, str) else v for v in (e.before, e.after))
    time = datetime.fromisoformat(time_text(e.time))
    return (e.prev_hash, time, e.actor, e.role, e.action, e.target, before, after, e.reason)


def walk(entries: list, head: AuditHead | None, anchor, *, check) -> list[Problem]:
    """Every problem of ``entries`` (tuples of :data:`COLUMNS`), the head row and the anchor."""
    problems: list[Problem] = []
    where = {e.hash: e.seq for e in entries}
    prev, prev_seq = GENESIS, None
    for e in entries:
        label = f"entry {e.seq} ({e.action} {e.target})"
        if not check(e):
            problems.append(_at(e, "edited", f"{label} was changed after it was written"))
        if e.prev_hash != prev:
            problems.append(_link_problem(e, label, prev_seq, where))
        prev, prev_seq = e.hash, e.seq
    last = entries[-1] if entries else None
    if head is None:
        if last is not None:
            problems.append(
                _at(
                    last,
                    "deleted",
                    "the log's head row is missing: the newest entries cannot be checked against it",
                )
            )
    elif head.hash != prev or head.seq != (prev_seq or 0):
        problems.append(_head_problem(head, prev_seq, where))
    problems.extend(anchor_problems(entries, anchor))
    return problems


def anchor_problems(entries: list, anchor) -> list[Problem]:
    """What the anchored head says about the end of ``entries`` (an error text: the anchor is bad)."""
    last = entries[-1] if entries else None
    ends = f"entry {last.seq}" if last else "no entry"
    if isinstance(anchor, str):
        return [
            Problem(last.seq if last else 0, "unanchored", f"{anchor}: the newest entries cannot be checked")
        ]
    if anchor is None:
        if last is None:
            return []
        missing = f"the log's anchored head {audit_key.anchor_path()} is missing"
        why = "it was deleted, or the state directory changed"
        return [_at(last, "unanchored", f"{missing}: the newest entries cannot be checked ({why})")]
    found = next((e for e in reversed(entries) if e.seq <= anchor.seq), None)  # the anchor: mostly the last
    found = found if found is not None and found.seq == anchor.seq else None
    if found is not None and found.hash == anchor.hash:
        return []  # entries after the anchor chain from it: written while the anchor was being updated
    if found is not None:
        return [
            _at(found, "edited", f"entry {anchor.seq} is not the entry that was anchored: it was rewritten")
        ]
    lost = f"entry {anchor.seq} was the newest entry anchored, but the log ends at {ends}"
    return [Problem(anchor.seq, "deleted", f"{lost}: the newest entries were deleted")]


def _at(e, kind: str, message: str) -> Problem:
    return Problem(e.seq, kind, message, time_text(e.time) + "Z", e.action)


def _link_problem(e, label: str, prev_seq: int | None, where: dict[str, int]) -> Problem:
    if e.prev_hash == GENESIS:
        return _at(
            e, "deleted", f"{label} was written as the first entry: the entries before it were deleted"
        )
    if e.prev_hash in where:
        return _at(
            e,
            "moved",
            f"{label} was written after entry {where[e.prev_hash]} but now follows "
            f"{'entry ' + str(prev_seq) if prev_seq else 'nothing'}: entries were reordered",
        )
    after = f"entry {prev_seq}" if prev_seq else "the start of the log"
    return _at(
        e,
        "deleted",
        f"{label} links to an entry that is no longer in the log: an entry between {after} and it "
        "was deleted (or the entry before it was rewritten)",
    )


def _head_problem(head: AuditHead, last_seq: int | None, where: dict[str, int]) -> Problem:
    last = f"entry {last_seq}" if last_seq else "no entry"
    if head.hash == GENESIS or head.hash in where:
        return Problem(
            head.seq,
            "added",
            f"the newest entry written through the log is {head.seq}, but the log ends at {last}: "
            "entries were added or moved outside the audit log",
        )
    return Problem(
        head.seq,
        "deleted",
        f"entry {head.seq} was the newest entry written, but the log ends at {last}: "
        "the newest entries were deleted",
    )


def load_anchor(secret: bytes):
    """The anchor, None when there is none, or the text saying why it cannot be trusted."""
    try:
        return audit_key.read_anchor(secret)
    except ValueError as exc:
        return str(exc)


def verify_in(s) -> list[Problem]:
    """Check the whole log inside session ``s`` (sealing a log written before it was keyed)."""
    secret = audit_key.key()
    seal_legacy(s, secret)
    entries = rows(s)
    head = s.get(AuditHead, 1)

    pending = s.info.get("audit_anchor")
    anchor = audit_key.Anchor(*pending) if pending else load_anchor(secret)
    return walk(entries, head, anchor, check=keyed_check(secret))


def seal_legacy(s, secret: bytes) -> int:
    """Re-hash with the key a log written before it was keyed, if it verifies as written.

    Only a log with entries and no anchor is a candidate, and only if its first entry carries
    a plain SHA-256 hash; a log that fails its plain check is left as it is to be reported.
    Returns how many entries were sealed.
    """
    from sqlalchemy import update

    if audit_key.anchor_path().exists():
        return 0
    entries = rows(s)
    if not entries or entries[0].hash != legacy_hash(*_fields(entries[0])):
        return 0
    if walk(entries, s.get(AuditHead, 1), None, check=legacy_check)[:-1]:  # the last: "unanchored"
        return 0
    prev = GENESIS
    for e in entries:
        fields = _fields(e)
        new = audit_key.mac(secret, _payload(prev, *fields[1:]))
        s.execute(update(AuditEntry).where(AuditEntry.seq == e.seq).values(prev_hash=prev, hash=new))
        prev = new
    s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=entries[-1].seq, hash=prev))
    anchor_on_commit(s, secret, entries[-1].seq, prev)
    return len(entries)


def anchor_on_commit(s, secret: bytes, seq: int, entry_hash: str) -> None:
    """Anchor entry ``seq`` once ``s`` commits (never before: a rolled-back entry is no head)."""
    from sqlalchemy import event

    if not s.info.get("audit_anchor_hooked"):
        s.info["audit_anchor_hooked"] = True

        def anchor(session) -> None:
            pending = session.info.pop("audit_anchor", None)
            if pending is not None:
                audit_key.write_anchor(secret, *pending)

        event.listen(s, "after_commit", anchor)
        event.listen(s, "after_rollback", lambda session: session.info.pop("audit_anchor", None))
    s.info["audit_anchor"] = (seq, entry_hash)
