"""Promotion and rollback: moving an alias through the gate, one governed write at a time.

Both run inside :func:`audit.transaction`, which holds the audit lock from its first
statement. Under the lock they re-read the alias's current holder from MLflow, run the gate
against it, write the audit entry, then move the alias; the entry commits only if the move
happened, and the move is undone if the entry cannot commit. Two promotions racing on one
alias therefore run one after the other: the second is gated against the first one's
result, and each audit entry names the holder it really replaced.

>>> import mlops_jupyter as mlops
>>> mlops.promote("churn", 7, to="champion", reason="beats v5 on Q3 data", require=["auc>=champion"])
>>> mlops.rollback("churn", "champion", reason="v7 misbehaves on Monday's traffic")
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from .. import config
from ..errors import BadInput, Conflict
from ..governance import audit, names, remote, roles
from . import gate, history, rules
from .mlflow_client import client, model_version, registered_model, translated

UNSET = object()  # `expect` not given: promote whoever holds the alias now


@dataclass
class Promotion:
    """What a promotion or rollback did."""

    action: str  # "promote" | "rollback"
    model: str
    alias: str
    version: str
    previous: str | None
    forced: bool = False
    checks: list[dict] = field(default_factory=list)
    rules_added: list[str] = field(default_factory=list)
    audit_seq: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def __repr__(self) -> str:
        was = f"v{self.previous}" if self.previous else "no version"
        how = " (forced)" if self.forced else ""
        return f"{self.model}@{self.alias}: {was} -> v{self.version}{how}"


@remote.governed("promote", rebuild=lambda answer: Promotion(**answer))
def promote(
    model: str,
    version: str | int,
    to: str = "champion",
    *,
    reason: str | None = None,
    require: list[str] | tuple[str, ...] = (),
    force: bool = False,
    user: str | None = None,
    expect=UNSET,
) -> Promotion:
    """Move alias ``to`` of ``model`` to ``version`` if the gate allows it.

    ``require`` adds metric rules to the model's stored rules for this alias (kept only if
    the promotion goes through). ``force`` (admins only, with a reason) promotes despite
    failed checks and records them. ``expect`` (a version, or None for "no holder") refuses
    with a conflict if someone moved the alias since the caller looked.
    """
    names.model_name(model)
    version = names.version(version)
    names.alias(to)
    new_rules = [rules.parse(r) for r in require or ()]
    if expect is not UNSET and expect is not None:
        expect = names.version(expect)
    user = user or config.current_user()
    role = roles.require(user, action="promote")
    if force:
        roles.require(user, action="force")
        if not (reason or "").strip():
            raise BadInput(
                "a forced promotion needs a reason", "Say why the gate is overridden, e.g. --reason '...'."
            )
    candidate = model_version(model, version)  # unknown versions fail before anything is locked
    with _alias_move(model, to) as (s, move):
        added = rules.add(s, model, to, new_rules, user) if new_rules else []
        aliases = _aliases(model)
        previous = aliases.get(to)
        if expect is not UNSET and previous != expect:
            raise Conflict(
                f"{model}@{to} changed meanwhile: expected {_held(expect)}, found {_held(previous)}",
                "Someone moved it since you looked: look again, then promote.",
            )
        if previous == version:
            raise Conflict(f"v{version} already holds {model}@{to}", "Nothing to do.")
        in_force = rules.stored(model, to, session=s).get(to, [])
        source_run = _run_or_none(candidate.run_id)
        report = gate.evaluate(version, source_run, in_force, _holders(model, aliases, in_force), session=s)
        if not report.passed and not force:
            raise gate.refuse(model, version, to, report)
        forced = force and not report.passed
        seq = move(
            user,
            role,
            "promote",
            version,
            previous,
            after={
                "run_id": candidate.run_id,
                "forced": forced,
                "checks": report.to_dict(),
                "rules_added": added,
            },
            reason=reason,
        )
    return Promotion("promote", model, to, version, previous, forced, report.to_dict(), added, seq)


@remote.governed("rollback", rebuild=lambda answer: Promotion(**answer))
def rollback(
    model: str, alias: str = "champion", *, reason: str | None = None, user: str | None = None
) -> Promotion:
    """Move ``alias`` back to the version that held it before its last promotion (audit history).

    Rollback is the emergency exit: it needs the approver role but no gate, since the version
    it returns to held the alias before.
    """
    names.model_name(model)
    names.alias(alias)
    user = user or config.current_user()
    role = roles.require(user, action="rollback")
    with _alias_move(model, alias) as (s, move):
        audit.require_intact(s)  # the history it returns to must be the one that was written
        current = _aliases(model).get(alias)
        held = history.stack(model, alias, session=s)
        if not held:
            raise Conflict(
                f"{model}@{alias} has no promotion in the audit log to roll back",
                "Rollback returns to the holder before the last recorded promotion; "
                "promote a version instead.",
            )
        if current != held[-1]:
            raise Conflict(
                f"{model}@{alias} is held by {_v(current)} in MLflow but the audit log says {_v(held[-1])}: "
                "it was moved outside mlops",
                "Promote the version you want explicitly; that records it.",
            )
        if len(held) < 2:
            raise Conflict(
                f"v{current} is the first recorded holder of {model}@{alias}: there is nothing before it",
                "Promote another version instead.",
            )
        target = held[-2]
        model_version(model, target)
        seq = move(user, role, "rollback", target, current, reason=reason)
    return Promotion("rollback", model, alias, target, current, audit_seq=seq)


def _v(version: str | None) -> str:
    return f"v{version}" if version else "no version"


def _held(version: str | None) -> str:
    return f"v{version}" if version else "no holder"


def _aliases(model: str) -> dict[str, str]:
    return {a: str(v) for a, v in (registered_model(model).aliases or {}).items()}


def _run_or_none(run_id: str | None):
    from .service import _run_or_none

    return _run_or_none(run_id)


def _holders(model: str, aliases: dict[str, str], in_force: list[str]) -> dict[str, tuple[str, dict]]:
    """For every alias a rule compares against: its holder and that holder's run metrics."""
    holders: dict[str, tuple[str, dict]] = {}
    for alias in {a for r in in_force if (a := rules.parse(r).alias) is not None}:
        held = aliases.get(alias)
        if held is None:
            continue
        found = _run_or_none(model_version(model, held).run_id)
        holders[alias] = (held, dict(found.data.metrics) if found else {})
    return holders


@contextmanager
def _alias_move(model: str, alias: str):
    """An audit transaction that moves one alias: yields ``(session, move)``.

    ``move(user, role, action, target, previous, after=..., reason=...)`` writes the audit
    entry and then moves the alias; it returns the entry's sequence number. The entry commits
    only with the transaction, so if the commit fails after the alias moved, the alias is put
    back where it was.
    """
    c = client()
    moved: list[str | None] = []  # the holder before, once the alias has moved

    def move(user, role, action, target, previous, *, after=None, reason=None) -> int:
        entry = audit.record(
            user,
            role,
            action,
            audit.model_target(model, alias),
            before={"version": previous} if previous else None,
            after={"version": target, **(after or {})},
            reason=reason,
            session=s,
        )
        with translated(f"setting {model}@{alias}"):
            c.set_registered_model_alias(model, alias, target)
        moved.append(previous)
        return entry.seq

    try:
        with audit.transaction() as s:
            yield s, move
    except BaseException:
        if moved:
            _restore(model, alias, moved[0])
        raise


def _restore(model: str, alias: str, previous: str | None) -> None:
    """Put the alias back where it was: its audit entry did not commit."""
    c = client()
    if previous is None:
        c.delete_registered_model_alias(model, alias)
    else:
        c.set_registered_model_alias(model, alias, previous)
