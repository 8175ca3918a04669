"""What every handler shares: authentication, JSON in and out, and the error-to-status map."""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
import traceback
import uuid

from jupyter_server.base.handlers import APIHandler
from tornado import web

from .. import config
from ..errors import STATUS, BadInput, MlopsError, NotFound, shorten
from ..services import masked, service_error


def api(method):
    """Authenticate, run the handler, and answer any error as ``{"error", "detail", "code"}`` JSON.

    This is the one place where errors become HTTP statuses (via ``errors.STATUS``). A failure
    to reach a service is ``unavailable``; anything else unexpected is an "internal error" whose
    traceback goes to the server log only: its text may hold SQL, parameters or credentials.
    """

    @web.authenticated
    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        try:
            result = await method(self, *args, **kwargs)
        except MlopsError as exc:
            self.set_status(exc.http_status)
            result = _shown(exc)
        except Exception as exc:  # noqa: BLE001 - an unexpected failure is still JSON
            known = service_error(exc)
            if known is not None:
                self.log.warning(
                    "mlops-jupyter: %s %s: %s", self.request.method, self.request.path, known.message
                )
                self.set_status(known.http_status)
                result = _shown(known)
            else:
                result = self.internal_error()
        if result is not None:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(_without_nan(result), default=str))

    return wrapper


def _without_nan(value):
    """NaN and infinities become null: MLflow keeps NaN metrics, and JSON.parse refuses them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_nan(item) for item in value]
    return value


def _shown(exc: MlopsError) -> dict:
    """What a caller sees of our error: credentials masked, nothing too long to read."""
    shown = exc.to_dict()
    for key in ("error", "detail"):
        if shown.get(key):
            shown[key] = shorten(masked(str(shown[key])), SHOWN_LIMIT)
    return shown


def _internal_error_body(incident: str | None = None) -> dict:
    where = f" for incident {incident}" if incident else ""
    return {
        "error": "internal error",
        "detail": f"An unexpected error; see the server log{where}.",
        "code": "error",
    }


SHOWN_LIMIT = 2000  # a message or detail; each value quoted from input is cut far shorter


_ANONYMOUS_ID = re.compile(r"^[0-9a-f]{32}$")


class MlopsHandler(APIHandler):
    @property
    def username(self) -> str:
        """The user the core checks roles for and writes into the audit log.

        A personal server's shared token identifies no one: jupyter_server then makes up an
        "Anonymous <moon>" user with a random id for each browser. Whoever holds that token is
        the person who started the server, so such callers act as the server's own user
        (``MLOPS_USER`` or the OS user). Named identities (JupyterHub, a configured identity
        provider) are used as they are.
        """
        user = self.current_user
        username = getattr(user, "username", None) or str(user)
        if _ANONYMOUS_ID.match(username) and (getattr(user, "name", "") or "").startswith("Anonymous "):
            return config.current_user()
        return username

    def internal_error(self) -> dict:
        """Log the exception being handled with an id, and the answer that points at the log."""
        incident = uuid.uuid4().hex[:12]
        self.log.error(
            "mlops-jupyter: %s %s failed (incident %s)\n%s",
            self.request.method,
            self.request.path,
            incident,
            masked(traceback.format_exc()),
        )
        self.set_status(STATUS["error"][0])
        return _internal_error_body(incident)

    def write_error(self, status_code: int, **kwargs) -> None:
        """An unexpected exception outside our handlers' bodies (in authentication, say) in our shape.

        jupyter_server's own refusals (``HTTPError``: 403, 405, ...) keep its ``{message, reason}``.
        """
        exc = (kwargs.get("exc_info") or (None, None, None))[1]
        if exc is None or isinstance(exc, web.HTTPError):
            super().write_error(status_code, **kwargs)
            return
        self.set_header("Content-Type", "application/json")
        incident = uuid.uuid4().hex[:12]
        self.log.error(
            "mlops-jupyter: %s %s failed (incident %s)\n%s",
            self.request.method,
            self.request.path,
            incident,
            masked("".join(traceback.format_exception(exc))),
        )
        self.finish(json.dumps(_internal_error_body(incident)))

    async def call(self, fn, *args, **kwargs):
        """Run a blocking core function in a worker thread (MLflow and SQL are synchronous)."""
        return await asyncio.to_thread(_with_mlflow, fn, *args, **kwargs)

    def body(self, model=None):
        """The JSON body, validated by the pydantic ``model`` when one is given.

        Refused with 400: a body that is not UTF-8, not JSON, holds ``NaN``/``Infinity`` (not
        JSON, though Python's parser takes them) or numbers too large to hold, or nests deeper
        than ``MAX_DEPTH``.
        """
        accepted = "Send a JSON object encoded as UTF-8."
        try:
            text = (self.request.body or b"{}").decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInput(
                f"the request body is not UTF-8 (byte {exc.start} cannot be decoded)", accepted
            ) from None
        try:
            data = json.loads(text, parse_constant=_no_constant, parse_float=_finite, parse_int=_bounded_int)
        except json.JSONDecodeError as exc:
            raise BadInput(f"the request body is not JSON: {exc}", accepted) from None
        except RecursionError:
            raise _too_deep_error() from None
        if _too_deep(data):
            raise _too_deep_error()
        if model is None:
            return data
        return validate(model, data)

    def query(self, model):
        """Query-string arguments validated by the pydantic ``model``."""
        data = {}
        for key, values in self.request.query_arguments.items():
            if key.isdigit():
                continue  # JupyterLab's cache-busting timestamp (`?1732...`), not an argument
            try:
                decoded = [v.decode("utf-8") for v in values]
            except UnicodeDecodeError:
                raise BadInput(
                    f"query argument {shorten(key)} is not UTF-8", "Percent-encode UTF-8 text."
                ) from None
            field = model.model_fields.get(key)
            is_list = field is not None and "list" in str(field.annotation)
            data[key] = decoded if is_list else decoded[-1]
        return validate(model, data)


def validate(model, data):
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Field names in `loc` may be the caller's own keys: quoted, like the messages, cut short.
        problems = "; ".join(
            f"{shorten('.'.join(str(p) for p in e['loc']) or 'body')}: {shorten(e['msg'])}"
            for e in exc.errors(include_url=False, include_input=False)[:MAX_PROBLEMS]
        )
        accepted = ", ".join(model.model_fields)
        raise BadInput(f"invalid request: {problems}", f"Accepted fields: {accepted}.") from None


def _with_mlflow(fn, *args, **kwargs):
    """Import MLflow safely (see ``store.load_mlflow``) before core code imports it ad hoc."""
    from ..tracking.mlflow_store import load_mlflow

    load_mlflow()
    return fn(*args, **kwargs)


MAX_DEPTH = 64  # far beyond any request of ours, far below Python's recursion limit
MAX_PROBLEMS = 10
MAX_INT_DIGITS = 100  # far beyond any number of ours (Python itself fails past 4,300 digits)


def _no_constant(name: str):
    raise BadInput(f"the request body holds {name}, which is not JSON", "Send finite numbers (or null).")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e999 parses to infinity
        raise BadInput(
            f"the request body holds {shorten(text, 40)}, too large a number", "Send finite numbers."
        )
    return number


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadInput(
            f"the request body holds a {len(text)}-digit integer",
            f"Send integers of at most {MAX_INT_DIGITS} digits.",
        )
    return int(text)


def _too_deep_error() -> BadInput:
    return BadInput(f"the request body nests deeper than {MAX_DEPTH} levels", "Send a flatter JSON object.")


def _too_deep(data) -> bool:
    """Whether ``data`` nests deeper than ``MAX_DEPTH`` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


class UnknownRouteHandler(MlopsHandler):
    """Any path under the API that no route matches: a JSON 404, not the server's HTML page."""

    async def _unknown(self, *args):
        under_api = self.request.path.split("/mlops/api", 1)[-1] or "/"
        raise NotFound(
            f"no API route {self.request.method} {shorten(under_api)}",
            "The routes under /mlops/api are listed in mlops_jupyter/server/openapi.yaml.",
        )

    get = post = put = patch = delete = api(_unknown)
