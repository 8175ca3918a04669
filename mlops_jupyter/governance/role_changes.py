"""Changing a user's role: an admin edits the ``[roles]`` table of ``mlops.toml``, audited.

The file is edited line by line, so comments and the rest of the file stay as they were;
the result is parsed again and must say exactly what was intended, or nothing is written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from pathlib import Path

from .. import config
from ..errors import BadInput, Conflict
from . import audit, names, remote, roles

_HEADER = re.compile(r"^\s*\[\s*roles\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")
_KEY = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


@remote.governed("role", rebuild=lambda answer: roles.RoleTable(**answer), identity="actor")
def set_role(user: str, role: str, *, actor: str | None = None, reason: str | None = None) -> roles.RoleTable:
    """Give ``user`` the ``role`` (admins only); returns the new role table.

    The first assignment in an unconfigured project also makes the acting admin an admin
    by name, since from then on unlisted users get the default (viewer) role.
    """
    names.user_name(user)
    if role not in roles.RANK:
        raise BadInput(f"{role!r} is not a role", f"Roles are {', '.join(roles.ROLES)}.")
    actor = actor or config.current_user()
    actor_role = roles.require(actor, action="change roles")
    path = config.project_config_path()
    written, old_text = False, None
    try:
        with audit.transaction() as s:  # one role change at a time, recorded with it
            before = roles.table()
            old_text = path.read_text() if path.is_file() else ""
            changes = {user: role}
            if not before.configured and user != actor:
                changes[actor] = "admin"
            expected = {**_parsed_roles(old_text, path), **changes}
            new_text = old_text
            for name, value in changes.items():
                new_text = _with_role(new_text, name, value)
            if _parsed_roles(new_text, path) != expected:
                raise BadInput(
                    f"cannot edit the roles in {path} automatically",
                    "Edit its [roles] table by hand (it may use dotted or inline keys).",
                )
            if not any(r == "admin" for r in expected.values()):
                raise Conflict(
                    f"{user} would no longer be an admin and the project would have none",
                    "Make someone else admin first.",
                )
            audit.record(
                actor,
                actor_role,
                "role",
                f"user:{user}",
                before={"role": before.role_of(user)},
                after={"role": role},
                reason=reason,
                session=s,
            )
            _write(path, new_text)
            written = True
    except BaseException:
        if written and old_text is not None:  # the audit entry did not commit: neither does the change
            _write(path, old_text)
        raise
    return roles.table()


def _with_role(text: str, user: str, role: str) -> str:
    key = user if _BARE.match(user) else json.dumps(user)
    line = f'{key} = "{role}"'
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if _HEADER.match(ln)), None)
    if start is None:
        prefix = text if not text or text.endswith("\n") else text + "\n"
        return prefix + ("\n" if prefix.strip() else "") + f"[roles]\n{line}\n"
    end = next((i for i in range(start + 1, len(lines)) if _ANY_HEADER.match(lines[i])), len(lines))
    last_key = start
    for i in range(start + 1, end):
        m = _KEY.match(lines[i])
        if not m:
            continue
        last_key = i
        if tomllib.loads(f"{m.group(1)} = 0").popitem()[0] == user:
            lines[i] = line
            return "\n".join(lines) + "\n"
    lines.insert(last_key + 1, line)
    return "\n".join(lines) + "\n"


def _parsed_roles(text: str, path: Path) -> dict:
    try:
        return tomllib.loads(text).get("roles", {})
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path} is not valid TOML: {exc}", "Fix the file first.") from exc


def _write(path: Path, text: str) -> None:
    """Replace the file atomically: a reader never sees half a role table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mlops-", suffix=".toml")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
