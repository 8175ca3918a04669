"""Validation of model names, aliases, versions, run ids and user names, before anything is written.

The rules are MLflow's own (``mlflow/utils/validation.py``), checked here without importing
MLflow so that bad input is refused with a message that says what is accepted, and a test
keeps the two in agreement. Model names are a little stricter than MLflow's: quotes,
backticks, backslashes and control characters are refused because they break MLflow's
registry search filters, which we build from names.
"""

from __future__ import annotations

import posixpath
import re

from ..errors import BadInput

MAX_MODEL_NAME = 256  # the width of MLflow's registered_models.name column
MAX_ALIAS = 255
_ALIAS = re.compile(r"^[\w\-]*$")
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")
_RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_USER = re.compile(r"\w(?:[\w.@+ -]{0,253}[\w.@+-])?")
_MODEL_FORBIDDEN = ("/", ":", "'", '"', "`", "\\")

MODEL_RULES = (
    "A model name is 1 to 256 characters without '/', ':', quotes, backticks, backslashes or control "
    "characters, and must not look like a path ('.', '..', leading or doubled slashes)."
)
ALIAS_RULES = (
    "An alias is 1 to 255 letters, digits, '_' or '-'; 'latest' and version-like names (v1, V12) "
    "are reserved by MLflow."
)


def model_name(name) -> str:
    """``name`` if MLflow (and our search filters) accept it as a registered model name."""
    if not isinstance(name, str):
        raise BadInput(f"a model name must be text, got {type(name).__name__} {name!r:.60}", MODEL_RULES)
    if not name.strip():
        raise BadInput("a model name is required", MODEL_RULES)
    if len(name) > MAX_MODEL_NAME:
        raise BadInput(f"invalid model name: {len(name)} characters (at most {MAX_MODEL_NAME})", MODEL_RULES)
    bad = [c for c in _MODEL_FORBIDDEN if c in name]
    if bad or _CONTROL.search(name):
        shown = ", ".join(repr(c) for c in bad) or "a control character"
        raise BadInput(f"invalid model name {name!r}: it contains {shown}", MODEL_RULES)
    normal = posixpath.normpath(name)
    if normal != name or normal in (".", "..") or normal.startswith(("..", "/")):
        raise BadInput(f"invalid model name {name!r}: it would resolve to {normal!r} as a path", MODEL_RULES)
    return name


def alias(name) -> str:
    """``name`` if MLflow accepts it as an alias that can be set."""
    if not isinstance(name, str):
        raise BadInput(f"an alias must be text, got {type(name).__name__} {name!r:.60}", ALIAS_RULES)
    if not name:
        raise BadInput("an alias is required, e.g. 'champion'", ALIAS_RULES)
    if len(name) > MAX_ALIAS:
        raise BadInput(f"invalid alias: {len(name)} characters (at most {MAX_ALIAS})", ALIAS_RULES)
    if not _ALIAS.match(name):
        raise BadInput(f"invalid alias {name!r}", ALIAS_RULES)
    if name.lower() == "latest":
        raise BadInput(
            f"the alias {name!r} is reserved by MLflow (it always means the newest version)", ALIAS_RULES
        )
    if _VERSION_ALIAS.match(name):
        raise BadInput(f"the alias {name!r} is reserved by MLflow (it names version {name[1:]})", ALIAS_RULES)
    return name


def version(value) -> str:
    """A model version number as MLflow spells it: a positive integer, as text."""
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or int(text) < 1:
        raise BadInput(f"invalid model version {value!r:.80}", "A version is a positive integer, e.g. 7.")
    return str(int(text))


def run_id(value) -> str:
    if not isinstance(value, str) or not _RUN_ID.match(value):
        raise BadInput(
            f"invalid run id {value!r:.80}",
            "A run id is the 32 hex characters MLflow shows, e.g. from `mlops runs`.",
        )
    return value


USER_RULES = (
    "A user name is 1 to 255 letters, digits, spaces, '_', '.', '@', '+' or '-', starting with a "
    "letter, digit or '_', not ending in a space, without '..' (e.g. alice, first.last@example.com); "
    "never a path."
)


def user_name(value) -> str:
    """``value`` if it is a name, never a path: it becomes a key of the roles table and audit entries."""
    if not isinstance(value, str) or not _USER.fullmatch(value) or ".." in value:
        raise BadInput(f"invalid user name {value!r:.80}", USER_RULES)
    return value
