"""Team mode, the service's side: the one process that holds the mlops database and acts.

Run under JupyterHub as a Hub service (``python -m mlops_jupyter.server.hub_service``, see
the README's jupyterhub_config.py). It alone has ``MLOPS_JOBS_URL``'s credentials and the audit
key; magics, the CLI, the Python API and the sidebar send their governed actions here
(:mod:`mlops_jupyter.governance.remote`) with the caller's Hub token. The Hub says whose token
it is and which groups they are in; the role is the higher of ``mlops.toml``'s and the one a
group ``mlops-<role>`` grants. Every action then runs as in-process, as that user.

Routes, under the service's prefix (``/services/mlops/``):

``POST api/actions/<action>``  ``{"args": [...], "kwargs": {...}}`` -> ``{"result": ...}``
``GET  api/whoami``            the caller's name, groups and role
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib
import inspect
import json
import logging
import os
from dataclasses import asdict, is_dataclass
from urllib.parse import urlparse

from tornado import web

from ..errors import BadInput, Forbidden, MlopsError, NotFound, missing_extra

try:
    from jupyterhub.services.auth import HubAuthenticated
except ImportError as exc:  # the service runs where the Hub is installed: the hub extra
    raise missing_extra("hub", "the team governance service", exc) from None
from ..governance import roles
from .base import _shown, _without_nan

log = logging.getLogger("mlops_jupyter.service")

# Governed action -> "module:function" under mlops_jupyter, and the argument naming who acts
# (set here from the token, never taken from the caller).
ACTIONS = {
    "register": ("registry.service:register", "user"),
    "promote": ("registry.promotion:promote", "user"),
    "rollback": ("registry.promotion:rollback", "user"),
    "validate": ("governance.validations:record_as", "user"),
    "rules": ("registry.rules:change", "user"),
    "role": ("governance.role_changes:set_role", "actor"),
    "schedule": ("jobs.service:schedule", "user"),
    "update_job": ("jobs.service:update", "user"),
    "pause_job": ("jobs.service:pause", "user"),
    "resume_job": ("jobs.service:resume", "user"),
    "delete_job": ("jobs.service:delete", "user"),
    "run_job": ("jobs.service:run_now", "user"),
    # reading the log the service keeps (any Hub user with access to the service)
    "audit_verify": ("governance.audit:verify", None),
    "audit_log": ("governance.audit:log", None),
    "audit_page": ("governance.audit:page", None),
    "alias_holders": ("registry.history:holders_at", None),
}
GROUP_PREFIX = "mlops-"


def group_role(groups: list[str]) -> str | None:
    """The highest role a Hub group ``mlops-<role>`` grants (None: no such group)."""
    granted = [g.removeprefix(GROUP_PREFIX) for g in groups if g.startswith(GROUP_PREFIX)]
    ranked = [r for r in granted if r in roles.RANK]
    return max(ranked, key=roles.RANK.__getitem__) if ranked else None


class ServiceHandler(HubAuthenticated, web.RequestHandler):
    """Token-authenticated by the Hub; answers JSON, errors as ``{"error", "detail", "code"}``."""

    def check_xsrf_cookie(self) -> None:
        """Callers prove themselves with a token header, never a cookie: nothing to forge."""

    def answer(self, status: int, body) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(_without_nan(body), default=str))

    def caller(self) -> dict:
        user = self.current_user
        if not user or user.get("kind", "user") != "user":
            raise Forbidden(
                "the governance service needs a Hub user's token",
                "Send `Authorization: token <your Hub API token>` (JUPYTERHUB_API_TOKEN in a Hub server).",
            )
        return user


class ActionHandler(ServiceHandler):
    async def post(self, action: str) -> None:
        try:
            user = self.caller()
            target = ACTIONS.get(action)
            if target is None:
                raise NotFound(f"no governed action {action!r}", f"Actions: {', '.join(ACTIONS)}.")
            path, identity = target
            args, kwargs = _arguments(self.request.body, identity)
            acting = {identity: user["name"]} if identity else {}
            module, name = path.split(":")
            function = getattr(importlib.import_module(f"mlops_jupyter.{module}"), name)
            function = getattr(function, "__wrapped__", function)  # act here, never forward again
            try:
                inspect.signature(function).bind(*args, **kwargs, **acting)
            except TypeError as exc:
                raise BadInput(f"{action}: {exc}", f"See `help(mlops.{name})` for its arguments.") from None
            result = await _as(user, function, *args, **kwargs, **acting)
        except MlopsError as exc:
            return self.answer(exc.http_status, _shown(exc))
        except Exception:
            log.exception("mlops governance service: %s failed", action)
            body = {"error": "internal error", "detail": "See the governance service's log.", "code": "error"}
            return self.answer(500, body)
        self.answer(200, {"result": _plain(result)})


class WhoamiHandler(ServiceHandler):
    async def get(self) -> None:
        try:
            user = self.caller()
            role = await _as(user, roles.role_of, user["name"])
        except MlopsError as exc:
            return self.answer(exc.http_status, _shown(exc))
        self.answer(200, {"user": user["name"], "groups": user.get("groups") or [], "role": role})


async def _as(caller: dict, function, *args, **kwargs):
    """Run ``function`` in a worker thread with the role ``caller``'s Hub groups grant, for this call only."""
    context = contextvars.copy_context()
    granted = group_role(caller.get("groups") or [])
    context.run(roles.granted.set, {caller["name"]: granted} if granted else {})
    call = functools.partial(context.run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(None, call)


def _arguments(body: bytes, identity: str | None) -> tuple[list, dict]:
    accepted = 'Send JSON {"args": [...], "kwargs": {...}}.'
    try:
        found = json.loads(body or b"{}")
    except ValueError:
        raise BadInput("the request body is not JSON", accepted) from None
    args, kwargs = (
        (found.get("args", []), found.get("kwargs", {})) if isinstance(found, dict) else (None, None)
    )
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise BadInput("args must be a list and kwargs an object", accepted)
    if identity and identity in kwargs:
        raise BadInput(f"{identity} cannot be chosen: the service acts as the token's owner", accepted)
    return args, kwargs


def _plain(result):
    if isinstance(result, (list, tuple)):
        return [_plain(item) for item in result]
    if hasattr(result, "to_dict"):
        return result.to_dict()
    return asdict(result) if is_dataclass(result) and not isinstance(result, type) else result


def make_app() -> web.Application:
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/mlops/")
    return web.Application(
        [
            (rf"{prefix}api/actions/([a-z_]+)", ActionHandler),
            (rf"{prefix}api/whoami", WhoamiHandler),
        ],
    )


def main() -> None:
    """Serve on the address the Hub gives (``JUPYTERHUB_SERVICE_URL``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    os.environ.pop("MLOPS_SERVICE_URL", None)  # the service acts; it never sends actions on
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))

    async def serve() -> None:
        make_app().listen(url.port or 80, url.hostname or "127.0.0.1")
        log.info("mlops governance service on %s", url.geturl())
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:  # the Hub stops its services with SIGINT / SIGTERM
        log.info("mlops governance service stopped")


if __name__ == "__main__":
    main()
