"""Roles: who may read, register, promote, and change the rules.

Four roles, each allowed what the ones below it are::

    viewer < developer < approver < admin

The mapping lives in the project's ``mlops.toml``::

    [roles]
    default = "viewer"      # anyone not listed (viewer when omitted)
    alice = "approver"
    bob = "developer"

A project without a ``[roles]`` table is a single-user install: its owner is admin and
nobody else is more than a viewer. The owner is the user the process runs as (``MLOPS_USER``,
else the OS user), and on a JupyterHub single-user server also the Hub user it belongs to
(``JUPYTERHUB_USER``). So the CLI, the magics and a personal server's token work with no
set-up, while other people reaching a shared server read only, until the owner's first
role change writes the ``[roles]`` table (naming the owner admin).

Other areas check their actions the same way:

>>> from mlops_jupyter.governance import roles
>>> roles.require("bob", "developer", action="validate")   # raises Forbidden if bob is a viewer
'developer'
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass, field

from .. import config
from ..errors import BadInput, Forbidden

ROLES = ("viewer", "developer", "approver", "admin")
RANK = {role: rank for rank, role in enumerate(ROLES)}
DEFAULT_KEY = "default"
UNCONFIGURED_ROLE = "admin"
DEFAULT_ROLE = "viewer"

# What each governed action needs; other areas may pass any action name with an explicit role.
NEEDS = {
    "read": "viewer",
    "register": "developer",
    "validate": "developer",
    "promote": "approver",
    "rollback": "approver",
    "add rule": "approver",
    "remove rule": "admin",
    "force": "admin",
    "change roles": "admin",
}


@dataclass
class RoleTable:
    """The ``[roles]`` table as configured: explicit users and the role of everyone else."""

    configured: bool
    default: str
    users: dict[str, str] = field(default_factory=dict)

    def role_of(self, user: str) -> str:
        if not self.configured:
            return UNCONFIGURED_ROLE if user in owners() else DEFAULT_ROLE
        return self.users.get(user, self.default)

    def to_dict(self) -> dict:
        return {"configured": self.configured, "default": self.default, "users": dict(self.users)}


def table() -> RoleTable:
    """The role table from ``mlops.toml`` (read on every call: edits apply at once)."""
    raw = config.project_config().get("roles")
    if raw is None or raw == {}:
        return RoleTable(False, DEFAULT_ROLE)  # its owners are admin: see owners()
    where = f"[roles] in {config.project_config_path()}"
    if not isinstance(raw, dict):
        raise BadInput(f"{where} must be a table of user = role", _ACCEPTED)
    for user, role in raw.items():
        if role not in RANK:
            raise BadInput(f"{where}: {user} = {role!r} is not a role", _ACCEPTED)
    users = {user: role for user, role in raw.items() if user != DEFAULT_KEY}
    return RoleTable(True, raw.get(DEFAULT_KEY, DEFAULT_ROLE), users)


def owners() -> set[str]:
    """Who is admin while no ``[roles]`` table exists: the process's user and its Hub user."""
    return {config.current_user(), *filter(None, [os.environ.get("JUPYTERHUB_USER")])}


_ACCEPTED = f'Roles are {", ".join(ROLES)} (lowest to highest), e.g. alice = "approver".'


# Roles the caller's identity provider vouches for on top of the table (team mode: Hub groups).
granted: ContextVar[dict[str, str]] = ContextVar("granted", default={})  # noqa: B039 - never mutated


def role_of(user: str) -> str:
    """The role of ``user``: listed in ``[roles]``, else its ``default``; unconfigured, see :func:`owners`.

    In team mode a role granted through the user's Hub groups counts too: the higher one wins.
    """
    role = table().role_of(user)
    extra = granted.get().get(user)
    return extra if extra in RANK and RANK[extra] > RANK[role] else role


def allows(role: str, needed: str) -> bool:
    return RANK[role] >= RANK[needed]


def require(user: str, needed: str | None = None, *, action: str) -> str:
    """Raise :class:`Forbidden` unless ``user`` has role ``needed`` (or higher); return the role.

    ``needed`` defaults to what :data:`NEEDS` says for ``action``.
    """
    needed = needed or NEEDS.get(action)
    if needed not in RANK:
        raise ValueError(f"unknown role {needed!r} for action {action!r}; roles: {', '.join(ROLES)}")
    role = role_of(user)
    if not allows(role, needed):
        raise Forbidden(
            f"{user} is {_article(role)} {role}: {action} needs the {needed} role or higher",
            f"An admin can change roles in the [roles] table of {config.project_config_path().name} "
            f"(or with `mlops roles {user} {needed}`).",
        )
    return role


def _article(role: str) -> str:
    return "an" if role[0] in "aeiou" else "a"
