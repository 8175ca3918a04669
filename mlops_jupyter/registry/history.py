"""Alias history from the audit log: who held an alias when, and what a rollback returns to.

MLflow keeps only the current holder of an alias; the audit log's promote and rollback
entries are the history, replayed here.

>>> from mlops_jupyter.registry import history
>>> history.holder_at("churn", "champion", "2026-03-01")   # champion at the end of March 1 (UTC)
'5'
"""

from __future__ import annotations

from datetime import datetime

from ..governance import audit, names, remote

MOVES = ("promote", "rollback")


def changes(model: str, alias: str | None = None, until=None, *, session=None) -> list[dict]:
    """Promote and rollback entries of ``model`` (one ``alias`` or all), oldest first."""
    return audit.entries(
        action=list(MOVES),
        model=model,
        alias=alias,
        until=audit.parse_time(until, end_of_day=True),
        session=session,
    )


def alias_of(entry: dict) -> str:
    return entry["target"].rpartition("@")[2]


def _version(state: dict | None) -> str | None:
    return (state or {}).get("version")


@remote.governed("alias_holders", identity="")  # the log is the service's in team mode
def holders_at(model: str, when: datetime | str | None = None) -> dict[str, str]:
    """Every alias of ``model`` and the version holding it at ``when`` (now when omitted)."""
    names.model_name(model)
    held: dict[str, str] = {}
    for entry in changes(model, until=when):
        version = _version(entry["after"])
        if version is None:
            held.pop(alias_of(entry), None)
        else:
            held[alias_of(entry)] = version
    return held


def holder_at(model: str, alias: str, when: datetime | str | None = None) -> str | None:
    """The version that held ``alias`` at ``when`` according to the audit log (None: no holder)."""
    names.alias(alias)
    return holders_at(model, when).get(alias)


def stack(model: str, alias: str, *, session=None) -> list[str]:
    """The holders a rollback walks back through, oldest first; the last is the current holder.

    A promotion pushes its version (and the holder it replaced, if that was not on top: an
    alias moved outside mlops); a rollback pops. Rolling back twice from v5 → v7 → v9 lands
    on v5, not on v9 again.
    """
    held: list[str] = []
    for entry in changes(model, alias, session=session):
        before, after = _version(entry["before"]), _version(entry["after"])
        if entry["action"] == "promote":
            if before is not None and (not held or held[-1] != before):
                held.append(before)
            if after is not None:  # a promotion always names the version it moved the alias to
                held.append(after)
        else:
            if held and held[-1] == before:
                held.pop()
            if after is not None and (not held or held[-1] != after):
                held.append(after)
    return held
