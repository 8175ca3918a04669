"""What every handler shares: authentication, JSON in and out, and the error-to-status map."""

from __future__ import annotations

import asyncio
import functools
import json
import re

from jupyter_server.base.handlers import APIHandler
from tornado import web

from .. import config
from ..errors import STATUS, BadInput, MlopsError


def api(method):
    """Authenticate, run the handler, and answer any error as ``{"error", "detail"}`` JSON.

    This is the one place where errors become HTTP statuses (via ``errors.STATUS``).
    """

    @web.authenticated
    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        try:
            result = await method(self, *args, **kwargs)
        except MlopsError as exc:
            self.set_status(exc.http_status)
            result = exc.to_dict()
        except Exception as exc:  # noqa: BLE001 - an unexpected failure is still JSON
            self.log.exception("mlops-jupyter: %s %s failed", self.request.method, self.request.path)
            self.set_status(STATUS["error"][0])
            result = {"error": f"internal error: {type(exc).__name__}", "detail": str(exc), "code": "error"}
        if result is not None:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(result, default=str))

    return wrapper


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

    async def call(self, fn, *args, **kwargs):
        """Run a blocking core function in a worker thread (MLflow and SQL are synchronous)."""
        return await asyncio.to_thread(_with_mlflow, fn, *args, **kwargs)

    def body(self, model=None):
        """The JSON body, validated by the pydantic ``model`` when one is given."""
        try:
            data = json.loads(self.request.body or b"{}")
        except json.JSONDecodeError as exc:
            raise BadInput(f"the request body is not JSON: {exc}", "Send a JSON object.") from exc
        if model is None:
            return data
        return validate(model, data)

    def query(self, model):
        """Query-string arguments validated by the pydantic ``model``."""
        data = {}
        for key, values in self.request.query_arguments.items():
            if key.isdigit():
                continue  # JupyterLab's cache-busting timestamp (`?1732...`), not an argument
            decoded = [v.decode() for v in values]
            field = model.model_fields.get(key)
            is_list = field is not None and "list" in str(field.annotation)
            data[key] = decoded if is_list else decoded[-1]
        return validate(model, data)


def validate(model, data):
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        accepted = ", ".join(model.model_fields)
        raise BadInput(f"invalid request: {problems}", f"Accepted fields: {accepted}.") from None


def _with_mlflow(fn, *args, **kwargs):
    """Import MLflow safely (see ``store.load_mlflow``) before core code imports it ad hoc."""
    from ..tracking.store import load_mlflow

    load_mlflow()
    return fn(*args, **kwargs)
