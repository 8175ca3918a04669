"""Team mode's MLflow accounts: users track runs, only the governance service moves aliases.

The team's tracking server runs with MLflow's basic auth (``mlflow server --app-name
mlops-auth``, see ``mlflow_app``; ``default_permission = READ``); its admin account is the
governance service's.
Run this as that admin (``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD``) to give
users their own accounts::

    MLOPS_TRACKING_URI=http://mlflow:5000 python -m mlops_jupyter.server.mlflow_users dev ada

Each user gets a new password (printed once, tab-separated after the name) and the role
``mlops-tracking``: EDIT on every experiment, so they log runs in shared experiments too (MLflow
already gives creators MANAGE on their own). Registered models stay at the default READ:
registering, deleting versions and setting or deleting aliases directly is refused (403), and
so is creating or renaming a registered model.
"""

from __future__ import annotations

import secrets
import sys

from .. import config
from ..errors import BadInput, Forbidden, MlopsError, Unavailable

ROLE = "mlops-tracking"
WORKSPACE = "default"  # MLflow's one workspace when workspaces are off


def add_users(names: list[str], uri: str | None = None) -> dict[str, str]:
    """Create MLflow accounts ``names`` with the tracking role; their new passwords by name."""
    if not names:
        raise BadInput("name at least one user", "e.g. python -m mlops_jupyter.server.mlflow_users dev ada")
    uri = uri or config.tracking_uri()
    if not uri.startswith(("http://", "https://")):
        raise BadInput(
            f"MLflow accounts live on a tracking server, not {uri.split(':', 1)[0]}: stores",
            "Set MLOPS_TRACKING_URI to the server started with `mlflow server --app-name mlops-auth`.",
        )
    from mlflow.exceptions import MlflowException
    from mlflow.server.auth.client import AuthServiceClient

    auth = AuthServiceClient(uri)
    try:
        role = _tracking_role(auth)
        created = {}
        for name in names:
            created[name] = secrets.token_urlsafe(18)
            auth.create_user(name, created[name])
            auth.assign_role(name, role)
        return created
    except MlflowException as exc:
        raise _refusal(exc, uri) from None


def _tracking_role(auth) -> int:
    """The id of the role granting EDIT on every experiment (created the first time)."""
    found = [r for r in auth.list_roles(WORKSPACE) if r.name == ROLE]
    if found:
        return found[0].id
    role = auth.create_role(WORKSPACE, ROLE, "mlops team mode: log runs in every experiment")
    auth.add_role_permission(role.id, "experiment", "*", "EDIT")
    return role.id


def _refusal(exc, uri: str) -> MlopsError:
    # By MLflow's error code, never by the text: a duplicate's message quotes the SQL with the new
    # password's hash, whose hex digits can spell "401".
    text = str(exc)
    if exc.get_http_status_code() in (401, 403):
        return Forbidden(
            f"the tracking server at {uri} refused the admin credentials",
            "Set MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD to its admin account (basic_auth.ini).",
        )
    if exc.error_code == "RESOURCE_ALREADY_EXISTS":
        return BadInput(
            "an MLflow user of that name already exists; nothing after it was created",
            "Name only new users (MLflow's update-password API changes an existing one's password).",
        )
    return Unavailable(f"the tracking server at {uri} failed: {text.splitlines()[0][:200]}")


def main(argv: list[str] | None = None) -> int:
    try:
        created = add_users(sys.argv[1:] if argv is None else argv)
    except MlopsError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    for name, password in created.items():
        print(f"{name}\t{password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
