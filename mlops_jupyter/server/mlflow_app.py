"""Team mode's tracking server: MLflow's basic auth, plus registered models made only by the service.

MLflow lets any account create a registered model and makes its creator its manager, so a user
could claim a model name before the governance service first registers it, then move that
model's aliases directly. Started as ``mlflow server --app-name mlops-auth`` (an ``mlflow.app``
entry point), the server is MLflow's basic-auth app with one more rule: only admin accounts (the
service's) create or rename registered models. Prompts, also stored as registered models, stay
open to every account.
"""

from __future__ import annotations

import json

# The REST and the UI's routes that name a registered model (MLflow serves both prefixes).
GUARDED = tuple(
    f"/{prefix}/2.0/mlflow/registered-models/{verb}"
    for prefix in ("api", "ajax-api")
    for verb in ("create", "rename")
)
PROMPT_TAG = "mlflow.prompt.is_prompt"


def create_app(app=None):
    """MLflow's basic-auth app with the service-only rule for registered models."""
    from mlflow.server import app as flask_app
    from mlflow.server.auth import create_app as basic_auth

    flask_app = app or flask_app
    served = basic_auth(flask_app)  # newer MLflow wraps the Flask app in a FastAPI one
    flask_app.before_request(_registered_models_by_the_service_only)  # after auth's own check
    return served


def _registered_models_by_the_service_only():
    from flask import Response, request
    from mlflow.server.auth import sender_is_admin

    if request.method != "POST" or not request.path.endswith(GUARDED) or sender_is_admin():
        return None
    if request.path.endswith("/create") and _is_prompt(request.get_json(silent=True) or {}):
        return None
    body = {
        "error_code": "PERMISSION_DENIED",
        "message": "Registered models are created and renamed by the mlops governance service only: "
        "register with `mlops register`, `%mlops register` or mlops.register().",
    }
    return Response(json.dumps(body), status=403, mimetype="application/json")


def _is_prompt(body: dict) -> bool:
    tags = body.get("tags") or []
    return any(t.get("key") == PROMPT_TAG and str(t.get("value")).lower() == "true" for t in tags)
