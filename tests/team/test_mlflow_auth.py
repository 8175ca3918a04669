"""Team mode's tracking server with MLflow's basic auth: users log runs, only the service moves aliases.

One real ``mlflow server --app-name mlops-auth`` (MLflow's basic auth plus the service-only rule
for registered models) per module on a SQLite store holding the
registry seed's ``churn`` (three versions, registered by the service's admin account before the
server starts). ``dev`` gets an account from ``mlops_jupyter.server.mlflow_users``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from support import MlflowServer, registry_seed

import mlops_jupyter as mlops
from mlops_jupyter import _testing
from mlops_jupyter.errors import BadInput, Forbidden
from mlops_jupyter.server import mlflow_users

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("mlops-service", "service-" + "s" * 24)
AUTH_INI = """[mlflow]
default_permission = READ
database_uri = sqlite:///{db}
admin_username = {user}
admin_password = {password}
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The team's tracking server with basic auth, over a registry with three versions of churn."""
    began = time.perf_counter()
    for key in ("MLOPS_HOME", "MLOPS_SERVICE_URL", "MLOPS_TRACKING_URI", "MLOPS_JOBS_URL", "MLOPS_CONFIG"):
        os.environ.pop(key, None)
    workdir = tmp_path_factory.mktemp("mlflow-auth")
    home = _testing.fresh_home(workdir / "service")
    seed_module = registry_seed()
    seed = seed_module.get(tmp_path_factory.getbasetemp() / "registry-seed")
    seed_module.install(seed, home)
    for label in ("weak", "mid", "strong"):
        mlops.register(seed.runs[label], name="churn")
    _testing.reset_state()
    os.environ.pop("MLOPS_HOME")
    ini = workdir / "basic_auth.ini"
    ini.write_text(AUTH_INI.format(db=workdir / "auth.db", user=ADMIN[0], password=ADMIN[1]))
    env = {"MLFLOW_AUTH_CONFIG_PATH": str(ini), "MLFLOW_FLASK_SERVER_SECRET_KEY": "mlops-test-secret"}
    args = ("--app-name", "mlops-auth", "--backend-store-uri", f"sqlite:///{home / 'mlflow.db'}")
    args += ("--default-artifact-root", str(home / "artifacts"))
    try:
        with MlflowServer(*args, log=workdir / "mlflow-server.log", cwd=workdir, env=env) as running:
            running.home = home
            print(f"\nmlflow server with basic auth up in {time.perf_counter() - began:.1f} s")
            yield running
    finally:
        _testing.reset_state()
        print(f"\nmlflow-auth module (server up to server down): {time.perf_counter() - began:.1f} s")


@pytest.fixture(scope="module")
def dev_password(server):
    with account(*ADMIN):
        return mlflow_users.add_users(["dev"], server.url)["dev"]


class account:
    """MLflow's client credentials for the block (what a user's or the service's environment holds)."""

    def __init__(self, user: str, password: str):
        self.env = {"MLFLOW_TRACKING_USERNAME": user, "MLFLOW_TRACKING_PASSWORD": password}

    def __enter__(self):
        self.saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)

    def __exit__(self, *exc):
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def admin_client(server):
    from mlflow import MlflowClient

    with account(*ADMIN):
        return MlflowClient(tracking_uri=server.url, registry_uri=server.url)


def aliases(server) -> dict:
    with account(*ADMIN):
        return dict(admin_client(server).get_registered_model("churn").aliases)


def test_a_user_tracks_runs_but_cannot_move_an_alias_or_delete_a_version(
    server, dev_password, mlops_home, monkeypatch
):
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    monkeypatch.setenv("MLOPS_TRACKING_URI", server.url)
    shared = "churn"  # the seed's runs live there: created by the service, not by dev
    with account(*ADMIN):
        assert admin_client(server).get_experiment_by_name(shared) is not None
    with account("dev", dev_password):
        with mlops.track(experiment=shared, params={"depth": 3}) as run:
            run.log_metric("auc", 0.91)
        assert mlops.flush(60)
        with account(*ADMIN):
            logged = admin_client(server).get_run(run.run_id)
        assert (logged.data.metrics["auc"], logged.data.params["depth"]) == (0.91, "3")

        direct = MlflowClient(tracking_uri=server.url, registry_uri=server.url)
        with pytest.raises(MlflowException, match="403"):
            direct.set_registered_model_alias("churn", "champion", "3")
        with pytest.raises(MlflowException, match="403"):
            direct.delete_model_version("churn", "1")
        assert {v.version for v in direct.search_model_versions("name='churn'")} == {"1", "2", "3"}
    assert aliases(server) == {}


def test_only_the_service_creates_or_renames_a_registered_model_so_no_one_can_squat_a_name(
    server, dev_password
):
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    with account("dev", dev_password):
        direct = MlflowClient(tracking_uri=server.url, registry_uri=server.url)
        with pytest.raises(MlflowException, match="created and renamed by the mlops governance service"):
            direct.create_registered_model("fraud")
        with pytest.raises(MlflowException, match="403"):
            direct.rename_registered_model("churn", "churn-old")
        mlflow.set_registry_uri(server.url)
        try:  # prompts are registered models too, and stay open to every account
            prompt = mlflow.genai.register_prompt("greeting", "Hello {{name}}")
        finally:
            mlflow.set_registry_uri("")
        assert prompt.version == 1
    with account(*ADMIN):
        service = admin_client(server)
        assert {m.name for m in service.search_registered_models()} == {"churn"}
        service.create_registered_model("fraud")  # the service's account may
        assert {m.name for m in service.search_registered_models()} == {"churn", "fraud"}


def test_the_governance_service_s_admin_account_moves_the_alias(server, dev_password, monkeypatch):
    from mlops_jupyter.governance import audit

    monkeypatch.setenv("MLOPS_HOME", str(server.home))  # the service's own state and mlops database
    monkeypatch.setenv("MLOPS_TRACKING_URI", server.url)
    _testing.reset_state()
    try:
        with account(*ADMIN):
            done = mlops.promote("churn", "1", to="champion", reason="through the service")
        assert (done.previous, done.version) == (None, "1")
        assert aliases(server) == {"champion": "1"}
        assert audit.log(action="promote", limit=1)[0]["target"] == "model:churn@champion"
    finally:
        _testing.reset_state()


def test_setting_up_accounts_refuses_a_wrong_admin_a_taken_name_and_a_file_store(
    server, dev_password, capsys, monkeypatch
):
    monkeypatch.setenv("MLOPS_TRACKING_URI", server.url)
    with account(ADMIN[0], "not-the-password"):
        assert mlflow_users.main(["eve"]) == 4
    assert "refused the admin credentials" in capsys.readouterr().err
    with account(*ADMIN):
        with pytest.raises(BadInput, match="already exists"):
            mlflow_users.add_users(["dev"], server.url)
        with pytest.raises(BadInput, match="not sqlite: stores"):
            mlflow_users.add_users(["eve"], "sqlite:///x.db")
    with account("dev", dev_password):  # a user cannot make accounts
        with pytest.raises(Forbidden):
            mlflow_users.add_users(["eve"], server.url)


def test_a_taken_name_is_told_from_a_refusal_by_mlflows_error_code_not_by_digits_in_its_text():
    """MLflow's message for a taken name quotes the SQL with the new password's hash: hex digits
    that spell "401" once in a while made it read as "refused the admin credentials"."""
    from mlflow.exceptions import MlflowException, RestException
    from mlflow.protos.databricks_pb2 import UNAUTHENTICATED

    taken = RestException(
        {
            "error_code": "RESOURCE_ALREADY_EXISTS",
            "message": "User (username=dev) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint"
            " failed [parameters: ('dev', 'scrypt:32768:8:1$Qx$9f4013e2a7', 0)]",
        }
    )
    assert isinstance(mlflow_users._refusal(taken, "http://mlflow"), BadInput)
    refused = MlflowException(
        "API request to endpoint /api/2.0/mlflow/users/create failed with error code 401 != 200",
        error_code=UNAUTHENTICATED,
    )
    assert isinstance(mlflow_users._refusal(refused, "http://mlflow"), Forbidden)
