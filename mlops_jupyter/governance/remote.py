"""Team mode, the caller's side: governed actions sent to the governance service.

When ``MLOPS_SERVICE_URL`` names the team's governance service, every governed entry point
(register, promote, rollback, rules, roles, validation records, schedule and job changes)
sends its arguments there instead of writing the mlops database itself, with the caller's
token (``MLOPS_SERVICE_TOKEN``, else ``JUPYTERHUB_API_TOKEN``, which every JupyterHub
single-user server and its kernels have). The service finds out who the caller is from the
token; a ``user=`` argument is never sent. Without ``MLOPS_SERVICE_URL`` nothing changes:
the embedded single-user install acts in-process.

>>> @governed("promote", rebuild=lambda answer: Promotion(**answer))
... def promote(model, version, to="champion", *, user=None): ...
"""

from __future__ import annotations

import functools
import inspect
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

from .. import errors

F = TypeVar("F", bound=Callable[..., Any])
TIMEOUT_SECONDS = 120


def service_url() -> str | None:
    """The governance service to send governed actions to (None: act in-process)."""
    url = os.environ.get("MLOPS_SERVICE_URL", "").strip()
    return url.rstrip("/") if url else None


def token() -> str:
    found = os.environ.get("MLOPS_SERVICE_TOKEN") or os.environ.get("JUPYTERHUB_API_TOKEN")
    if not found:
        raise errors.Forbidden(
            "MLOPS_SERVICE_URL is set but there is no token to prove who you are",
            "Inside JupyterHub the token is JUPYTERHUB_API_TOKEN; elsewhere set MLOPS_SERVICE_TOKEN "
            "to a Hub API token of yours (Hub > Token).",
        )
    return found


def governed(
    action: str, rebuild: Callable[[Any], Any] | None = None, *, identity: str = "user"
) -> Callable[[F], F]:
    """Send calls of the decorated entry point to the governance service when one is configured.

    ``rebuild`` turns the service's JSON answer back into what the function returns locally;
    ``identity`` names the argument that says who acts (never sent: the service sets it; empty
    for reads, which act as nobody).
    The function itself stays reachable as ``__wrapped__`` (what the service calls).
    """

    def wrap(fn: F) -> F:
        defaults = {name: p.default for name, p in inspect.signature(fn).parameters.items()}

        @functools.wraps(fn)
        def inner(*args, **kwargs):
            url = service_url()
            if url is None:
                return fn(*args, **kwargs)
            if identity:
                kwargs.pop(identity, None)  # the service knows who the token belongs to
            # A default (a sentinel such as "not given") is left to the service's own signature.
            kwargs = {k: v for k, v in kwargs.items() if defaults.get(k, inspect.Parameter.empty) is not v}
            answer = call(url, action, list(args), kwargs)
            return rebuild(answer) if rebuild is not None else answer

        return inner  # type: ignore[return-value]  # same signature as fn

    return wrap


def call(url: str, action: str, args: list, kwargs: dict) -> Any:
    """POST one governed action; the service's refusal is raised as the same error here."""
    body = json.dumps({"args": args, "kwargs": kwargs}, default=str).encode()
    return _request(url, f"api/actions/{action}", body)["result"]


def whoami(url: str) -> dict:
    """Who the service says the token belongs to: ``{"user", "groups", "role"}``."""
    return _request(url, "api/whoami", None)


def _request(url: str, path: str, body: bytes | None) -> Any:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{url}/{path}",
        data=body,
        method="GET" if body is None else "POST",
        headers={"Authorization": f"token {token()}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise _refusal(exc) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise errors.Unavailable(
            f"the governance service at {url} did not answer ({reason})",
            "Check MLOPS_SERVICE_URL and that the service is running (jupyterhub lists it under Services).",
        ) from None


def _refusal(exc) -> errors.MlopsError:
    try:
        answer = json.loads(exc.read())
        code, message, detail = answer["code"], answer["error"], answer.get("detail")
    except (ValueError, KeyError, TypeError):
        if exc.code in (401, 403):
            return errors.Forbidden(
                f"the governance service refused the token ({exc.code})",
                "Use a current Hub API token (JUPYTERHUB_API_TOKEN or MLOPS_SERVICE_TOKEN).",
            )
        return errors.MlopsError(f"the governance service answered {exc.code} {exc.reason}")
    kind = next((c for c in _error_classes() if c.code == code), errors.MlopsError)
    error = kind.__new__(kind)
    errors.MlopsError.__init__(error, message, detail)
    return error


def _error_classes() -> list[type[errors.MlopsError]]:
    found, todo = [], [errors.MlopsError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found
