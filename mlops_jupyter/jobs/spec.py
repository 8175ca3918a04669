"""Checking what a user asks of a job, before anything is written: names, durations, alerts, policies."""

from __future__ import annotations

import math
import re

from ..errors import BadInput

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MISSED = ("catch-up", "skip")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
ALERT_KINDS = ("webhook", "email")


def job_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise BadInput(
            f"invalid job name {name!r:.80}",
            "Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. daily-scoring.",
        )
    return name


def duration(value, what: str = "--timeout") -> float | None:
    """Seconds from ``90``, ``"90s"``, ``"30m"``, ``"1h30m"``, ``"2d"``; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadInput(
            f"{what} must be a duration, got {value!r:.80}", "e.g. 90 (seconds), 90s, 30m, 2h, 1h30m"
        )
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            parts = _DURATION.findall(text)
            if not parts or _DURATION.sub("", text).strip():
                raise BadInput(
                    f"{what} {value!r:.80} is not a duration", "e.g. 90 (seconds), 90s, 30m, 2h, 1h30m"
                ) from None
            seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if not (seconds > 0 and math.isfinite(seconds)):
        raise BadInput(f"{what} must be a positive, finite duration, got {value!r:.80}", "e.g. 30m")
    return seconds


def count(value, what: str, maximum: int = 100) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadInput(f"{what} must be a whole number, got {value!r:.80}", f"e.g. {what} 2") from None
    if not 0 <= number <= maximum or isinstance(value, bool):
        raise BadInput(f"{what} must be between 0 and {maximum}, got {value!r:.80}", f"e.g. {what} 2")
    return number


def missed_policy(value: str) -> str:
    if value not in MISSED:
        raise BadInput(
            f"unknown missed-run policy {value!r:.80}",
            "Use catch-up (run once for the firings missed while no scheduler ran) or skip.",
        )
    return value


def alert(value) -> dict:
    """``webhook=https://...``, ``email=ops@example.com`` or an already parsed dict."""
    if isinstance(value, dict):
        kind, target = value.get("kind"), value.get("to")
    else:
        kind, sep, target = str(value).partition("=")
        kind, target = kind.strip(), target.strip()
        if not sep:
            kind, target = None, None
    accepted = "Write webhook=https://hooks.example/ml or email=ops@example.com."
    if kind not in ALERT_KINDS or not target:
        raise BadInput(f"cannot read the alert {value!r:.80}", accepted)
    if kind == "webhook" and not re.match(r"^https?://[^/\s]+", target):
        raise BadInput(f"the webhook {target!r} is not an http(s) URL", accepted)
    if kind == "email" and not re.match(r"^[^@\s,]+@[^@\s,]+$", target):
        raise BadInput(f"{target!r} is not an email address", accepted)
    return {"kind": kind, "to": target}


def alerts(values) -> list[dict]:
    found = [alert(v) for v in values or ()]
    unique = []
    for a in found:
        if a not in unique:
            unique.append(a)
    return unique


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def secrets(values) -> dict[str, str]:
    """``{"db_password": "DB_PASSWORD"}`` (or ``["db_password=DB_PASSWORD"]``): a secret parameter
    and the environment variable a firing reads it from, where the job runs."""
    accepted = (
        "Give PARAMETER=ENV_VAR, e.g. --secret db_password=DB_PASSWORD: the job reads the value from "
        "that environment variable where it runs, and never stores it."
    )
    if isinstance(values, dict):
        pairs = list(values.items())
    else:
        pairs = []
        for item in values or ():
            name, sep, var = str(item).partition("=")
            if not sep:
                raise BadInput(f"invalid secret {str(item)!r:.80}", accepted)
            pairs.append((name.strip(), var.strip()))
    found = {}
    for name, var in pairs:
        if not isinstance(name, str) or not name.isidentifier():
            raise BadInput(f"invalid secret parameter name {name!r:.80}", accepted)
        if not isinstance(var, str) or not _ENV_NAME.fullmatch(var):
            raise BadInput(f"invalid environment variable name {var!r:.80} for secret {name}", accepted)
        found[name] = var
    return found


def no_secret_values(parameters: dict, secret: dict) -> None:
    """Refuse a secret's value among a job's parameters: it would be stored with the job."""
    from ..masking import secret_names

    given = {k for k, v in (parameters or {}).items() if v not in (None, "")}
    both = sorted(given & set(secret))
    looks = sorted(secret_names({k: None for k in given if k not in secret}))
    if both or looks:
        name = (both or looks)[0]
        raise BadInput(
            f"parameter {name!r} is secret: a job never stores a secret's value",
            f"Give the environment variable it is read from instead: --secret {name}=ENV_VAR "
            f'(secrets={{"{name}": "ENV_VAR"}}). Names holding password, token, secret, key ... are secret '
            "(see [secrets] in mlops.toml).",
        )


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = float(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
