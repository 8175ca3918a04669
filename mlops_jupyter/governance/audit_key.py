"""The audit log's key and its anchored head, both kept outside the mlops database.

The chain is an HMAC keyed with a secret the mlops database never sees, so write access to
the database is not enough to recompute it. The newest entry is also recorded, signed, in a
file beside the key (the *anchor*), so deleting the newest entries together with the
database's head row is caught too.

==========================  ==========================================  ========================
what                        embedded default                            override
==========================  ==========================================  ========================
key                         ``<state>/audit.key``, created 0600         ``MLOPS_AUDIT_KEY`` (the
                            (32 random bytes) on first use              secret) or
                                                                        ``MLOPS_AUDIT_KEY_FILE``
anchor (signed head)        ``<state>/audit-head.json``                 ``MLOPS_AUDIT_ANCHOR``
==========================  ==========================================  ========================

In team mode the governance service alone holds both (its state directory, or its secret in
``MLOPS_AUDIT_KEY``); whoever can rewrite them holds the key already.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import BadInput

KEY_BYTES = 32


def key() -> bytes:
    """The audit key: ``MLOPS_AUDIT_KEY``, else the key file (created 0600 on first use)."""
    text = os.environ.get("MLOPS_AUDIT_KEY")
    if text:
        if len(text) < 16:
            raise BadInput(
                "MLOPS_AUDIT_KEY is too short to key the audit log",
                "Give at least 16 characters of secret (e.g. `openssl rand -hex 32`), or unset it.",
            )
        return text.encode()
    path = key_path()
    try:
        return _read_key(path)
    except FileNotFoundError:
        if os.environ.get("MLOPS_AUDIT_KEY_FILE"):
            raise BadInput(
                f"MLOPS_AUDIT_KEY_FILE={path} does not exist",
                "Point it at the audit key file, or unset it to use the state directory's key.",
            ) from None
    return _create_key(path)


def key_path() -> Path:
    named = os.environ.get("MLOPS_AUDIT_KEY_FILE")
    return Path(named).expanduser() if named else config.state_dir() / "audit.key"


def _read_key(path: Path) -> bytes:
    try:
        found = path.read_bytes()
    except IsADirectoryError:
        raise BadInput(f"audit key {path} is a directory", "Point MLOPS_AUDIT_KEY_FILE at a file.") from None
    if len(found) < 16:
        raise BadInput(
            f"audit key {path} holds {len(found)} bytes, fewer than 16",
            "Restore the key file from its backup; the audit log cannot be verified without it.",
        )
    return found


def _create_key(path: Path) -> bytes:
    """Write a new key; two processes creating it at once both end up with the winner's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(KEY_BYTES))
    return _read_key(path)


def mac(secret: bytes, payload: bytes) -> str:
    return hmac.digest(secret, payload, "sha256").hex()


# -- the anchor ------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """The newest entry the log had when it was last written: its number and hash."""

    seq: int
    hash: str


def anchor_path() -> Path:
    named = os.environ.get("MLOPS_AUDIT_ANCHOR")
    return Path(named).expanduser() if named else config.state_dir() / "audit-head.json"


def _signature(secret: bytes, seq: int, entry_hash: str) -> str:
    return mac(secret, f"mlops-audit-head:{seq}:{entry_hash}".encode())


def read_anchor(secret: bytes) -> Anchor | None:
    """The anchored head, or None when none was ever written.

    Raises ``ValueError`` naming the problem when the file is there but unreadable or its
    signature does not hold (it was edited, or written with another key).
    """
    path = anchor_path()
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        seq, entry_hash, signature = int(found["seq"]), str(found["hash"]), str(found["signature"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the anchored head {path} cannot be read ({type(exc).__name__})") from None
    if not hmac.compare_digest(signature, _signature(secret, seq, entry_hash)):
        raise ValueError(f"the anchored head {path} is not signed with the audit key")
    return Anchor(seq, entry_hash)


def write_anchor(secret: bytes, seq: int, entry_hash: str) -> None:
    """Anchor entry ``seq``, unless a newer one is anchored already (writers may finish out of order)."""
    import fcntl

    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = read_anchor(secret)
        except ValueError:
            current = None  # replaced below by a good one only if the chain verified up to here
        if current is not None and current.seq >= seq:
            return
        text = json.dumps({"seq": seq, "hash": entry_hash, "signature": _signature(secret, seq, entry_hash)})
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
