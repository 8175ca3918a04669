"""What is secret, and how it is shown: ``***``.

A parameter is secret when its name looks secret, or when it is declared so:

- a name holding one of the words ``password``, ``passwd``, ``pwd``, ``token``, ``secret``,
  ``key``, ``apikey``, ``credential(s)`` (split at ``_``, ``-``, ``.`` and camelCase, so
  ``db_password`` and ``apiKey`` are secret and ``max_tokens`` or ``tokenizer`` are not), or
  containing ``password``, ``passwd``, ``secret`` or ``api_key`` anywhere (``dbpassword``);
- more words, and parameters that are secret whatever their name, in ``mlops.toml``::

      [secrets]
      words = ["dsn", "pin"]          # more words that make a name secret
      parameters = ["connection"]     # these parameters are secret

- a job's secret parameters (``secrets={"db_password": "DB_PASSWORD"}``), which it reads
  from environment variables where it runs.

Secret values reach the kernel but are stored and shown as ``***`` everywhere: run
parameters and tags, job rows, the audit log, output notebooks, exports, alerts, REST.
Credentials in URIs are masked by :func:`masked` wherever a URI is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "***"
WORDS = frozenset(
    {"password", "passwd", "pwd", "token", "secret", "key", "apikey", "credential", "credentials"}
)
INSIDE = ("password", "passwd", "secret", "api_key", "apikey")

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
# scheme://user:password@ (the password may hold '@'; the last '@' ends it) or scheme://token@
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][\w+.-]*://)(?P<userinfo>[^\s/?#]*)@")
_SECRET_QUERY = re.compile(
    r"(?i)(?P<key>[?&](?:password|passwd|pwd|token|secret|api_key|apikey|access_token|key|sig|signature)=)"
    r"[^&\s#]*"
)


def _configured() -> tuple[frozenset[str], frozenset[str]]:
    """Extra words and declared parameters from ``[secrets]`` (none when there is no mlops.toml)."""
    from . import config
    from .errors import BadInput

    try:
        table = config.project_config().get("secrets") or {}
    except BadInput:
        return frozenset(), frozenset()  # an unreadable mlops.toml is reported where it is used
    if not isinstance(table, dict):
        return frozenset(), frozenset()
    words, declared = table.get("words") or [], table.get("parameters") or []
    return (
        frozenset(str(w).lower() for w in words if isinstance(words, list)),
        frozenset(str(p) for p in declared if isinstance(declared, list)),
    )


def is_secret(name: str, declared: Iterable[str] = ()) -> bool:
    """Whether parameter ``name`` is secret: it looks secret or is declared so."""
    return bool(secret_names({name: None}, declared))


def _looks_secret(name: str, extra_words: frozenset[str] = frozenset()) -> bool:
    lowered = _CAMEL.sub("_", name).lower()
    if any(inside in lowered for inside in INSIDE):
        return True
    return any(word in WORDS or word in extra_words for word in _SPLIT.split(lowered))


def secret_names(values: dict, declared: Iterable[str] = ()) -> set[str]:
    """The keys of ``values`` that are secret."""
    if not values:
        return set()
    extra_words, configured = _configured()
    declared = set(declared) | configured
    return {name for name in values if name in declared or _looks_secret(str(name), extra_words)}


def mask_values(values: dict[str, Any], declared: Iterable[str] = ()) -> dict[str, Any]:
    """``values`` with every secret one shown as ``***`` (mappings inside masked the same way)."""
    secret = secret_names(values, declared)
    return {
        key: MASK if key in secret else (mask_values(value) if isinstance(value, dict) else value)
        for key, value in values.items()
    }


def masked(text: str) -> str:
    """``text`` with credentials in any URI it holds replaced by ``***``.

    >>> masked("postgresql+psycopg://u:p@db:5432/jobs?password=x")
    'postgresql+psycopg://u:***@db:5432/jobs?password=***'
    """
    text = _USERINFO.sub(_mask_userinfo, text)
    return _SECRET_QUERY.sub(rf"\g<key>{MASK}", text)


def masked_url(url: str) -> str:
    """A URL as logs and outcomes keep it: scheme, host and port only (a webhook's path is its token)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    if not parts.scheme or not host:
        return MASK
    rest = f"/{MASK}" if (parts.path not in ("", "/") or parts.query) else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def _mask_userinfo(match: re.Match) -> str:
    user, colon, _ = match["userinfo"].partition(":")
    return f"{match['scheme']}{user}:{MASK}@" if colon else f"{match['scheme']}{MASK}@"
