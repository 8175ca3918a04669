"""Team mode under a real JupyterHub: the governance service decides, the Hub says who is asking.

One Hub per module (DummyAuthenticator, configurable-http-proxy, the mlops service managed by
the Hub); two Hub users: ``dev`` (group ``mlops-developer``) and ``ada`` (``mlops-approver``).
Each side holds a token the Hub issued for them; nothing else tells the service who they are.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from support import registry_seed

import mlops_jupyter as mlops
from mlops_jupyter import _testing
from mlops_jupyter.cli import main
from mlops_jupyter.errors import Forbidden

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
HUB = Path(sys.executable).with_name("jupyterhub")
ADMIN_TOKEN = "mlops-test-admin-" + "0" * 32
STARTUP_SECONDS = 120


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_config(workdir: Path, home: Path, ports: dict[str, int]) -> str:
    service_env = {"MLOPS_HOME": str(home), "PATH": os.environ["PATH"], "HOME": str(workdir)}
    return f"""
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {ports["public"]}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {ports["hub"]}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports["proxy_api"]}"
c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
c.JupyterHub.db_url = "sqlite:///{workdir / "hub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(workdir / "cookie_secret")!r}
c.JupyterHub.pid_file = {str(workdir / "hub.pid")!r}
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {{"dev", "ada"}}
c.JupyterHub.load_groups = {{
    "mlops-developer": {{"users": ["dev"]}},
    "mlops-approver": {{"users": ["ada"]}},
}}
c.JupyterHub.services = [
    {{
        "name": "mlops",
        "url": "http://127.0.0.1:{ports["service"]}",
        "command": [{sys.executable!r}, "-m", "mlops_jupyter.server.hub_service"],
        "environment": {json.dumps(service_env)},
    }},
    {{"name": "test-admin", "api_token": {ADMIN_TOKEN!r}}},
]
c.JupyterHub.load_roles = [
    {{"name": "user", "scopes": ["self", "access:services!service=mlops"]}},
    {{"name": "test-admin", "scopes": ["admin:users", "tokens"], "services": ["test-admin"]}},
]
"""


class Hub:
    def __init__(self, workdir: Path, home: Path):
        self.ports = {name: free_port() for name in ("public", "hub", "proxy_api", "service")}
        (workdir / "jupyterhub_config.py").write_text(hub_config(workdir, home, self.ports))
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.process = subprocess.Popen(
            [str(HUB), "-f", "jupyterhub_config.py"],
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith(("MLOPS_", "JUPYTERHUB_"))},
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.ports['public']}"
        self.service_url = f"{self.url}/services/mlops"

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, *markers: str) -> None:
        """Until every marker has appeared in the Hub's output (the service logs into it too)."""
        missing, deadline = set(markers), time.monotonic() + STARTUP_SECONDS
        while missing:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"the Hub never logged {missing}:\n{''.join(self.log)}") from None
            self.log.append(line)
            missing = {m for m in missing if m not in line}

    def token_for(self, user: str) -> str:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ports['hub']}/hub/api/users/{user}/tokens",
            data=json.dumps({"note": "mlops team-mode test"}).encode(),
            method="POST",
            headers={"Authorization": f"token {ADMIN_TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["token"]

    def stop(self, log_file: Path) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        while not self.lines.empty():
            self.log.append(self.lines.get())
        log_file.write_text("".join(self.log))  # the Hub's and the service's log, for a failure


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A running Hub and its mlops service over a registry with three model versions."""
    began = time.perf_counter()
    for key in ("MLOPS_HOME", "MLOPS_SERVICE_URL", "MLOPS_SERVICE_TOKEN", "MLOPS_JOBS_URL", "MLOPS_CONFIG"):
        os.environ.pop(key, None)
    workdir = tmp_path_factory.mktemp("hub")
    home = _testing.fresh_home(workdir / "service")
    seed_module = registry_seed()
    seed = seed_module.get(tmp_path_factory.getbasetemp() / "registry-seed")
    seed_module.install(seed, home)
    os.environ["MLOPS_HOME"] = str(home)
    for label in ("weak", "mid", "strong"):
        mlops.register(seed.runs[label], name="churn")  # as the service's own admin, before the Hub
    _testing.reset_state()
    os.environ.pop("MLOPS_HOME")
    running = Hub(workdir, home)
    try:
        running.wait_for("JupyterHub is now running", "mlops governance service on")
        running.tokens = {user: running.token_for(user) for user in ("dev", "ada")}
        running.home, running.seed = home, seed
        print(f"\nJupyterHub and the mlops service up in {time.perf_counter() - began:.1f} s")
        yield running
    finally:
        running.stop(workdir / "hub.log")
        _testing.reset_state()
        print(f"\nteam-mode module (Hub up to Hub down): {time.perf_counter() - began:.1f} s")


@pytest.fixture
def as_user(hub, mlops_home, monkeypatch):
    """Act as a Hub user from a kernel or terminal of theirs: the service URL and their token.

    Their own state directory (``mlops_home``), the team's tracking store, no mlops database.
    """
    monkeypatch.setenv("MLOPS_TRACKING_URI", f"sqlite:///{hub.home / 'mlflow.db'}")
    monkeypatch.setenv("MLOPS_SERVICE_URL", hub.service_url)

    def become(user: str) -> str:
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", hub.tokens[user])
        monkeypatch.setenv("MLOPS_USER", user)
        return hub.tokens[user]

    yield become
    _testing.reset_state()


def post(url: str, token: str | None, body: dict) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def audit_rows(home: Path) -> list[tuple]:
    with closing(sqlite3.connect(home / "jobs.db")) as conn:
        return conn.execute("SELECT actor, role, action, target FROM audit_log ORDER BY seq").fetchall()


def aliases(home: Path) -> dict:
    from mlflow import MlflowClient

    uri = f"sqlite:///{home / 'mlflow.db'}"
    return dict(MlflowClient(tracking_uri=uri, registry_uri=uri).get_registered_model("churn").aliases)


def test_the_developer_is_refused_from_the_cli_the_python_api_and_raw_http(hub, as_user, capsys):
    token = as_user("dev")
    with pytest.raises(SystemExit) as exit_:
        main(["promote", "churn", "3", "--to", "champion", "--reason", "mine is best"])
    assert exit_.value.code == 4
    assert "dev is a developer: promote needs the approver role" in capsys.readouterr().err
    with pytest.raises(Forbidden, match="dev is a developer: promote needs the approver role"):
        mlops.promote("churn", 3, to="champion", reason="mine is best", user="ada")  # user= changes nothing
    status, answer = post(f"{hub.service_url}/api/actions/promote", token, {"args": ["churn", "3"]})
    assert (status, answer["code"]) == (403, "forbidden")
    assert "dev is a developer" in answer["error"]
    as_ada = {"args": ["churn", "3"], "kwargs": {"user": "ada"}}
    status, answer = post(f"{hub.service_url}/api/actions/promote", token, as_ada)
    assert (status, answer["code"]) == (400, "bad_input") and "user cannot be chosen" in answer["error"]
    assert aliases(hub.home) == {}
    assert [r for r in audit_rows(hub.home) if r[2] == "promote"] == []


def test_arguments_the_action_does_not_take_are_bad_input(hub, as_user):
    token = as_user("ada")
    status, answer = post(
        f"{hub.service_url}/api/actions/promote", token, {"args": ["churn", "1"], "kwargs": {"x": 1}}
    )
    assert (status, answer["code"]) == (400, "bad_input") and "unexpected keyword argument 'x'" in answer[
        "error"
    ]
    status, answer = post(f"{hub.service_url}/api/actions/drop_tables", token, {})
    assert (status, answer["code"]) == (404, "not_found") and "no governed action 'drop_tables'" in answer[
        "error"
    ]


def test_no_token_or_a_forged_one_is_refused(hub, as_user):
    for token in (None, "not-a-hub-token"):
        status, answer = post(f"{hub.service_url}/api/actions/promote", token, {"args": ["churn", "1"]})
        assert (status, answer["code"]) == (403, "forbidden"), answer
    assert aliases(hub.home) == {}


def test_the_approver_promotes_and_the_audit_log_names_each_caller(hub, as_user, capsys, monkeypatch):
    as_user("dev")
    version = mlops.register(hub.seed.runs["strong"], name="churn")  # developers may register
    assert version.registered_by == "dev"
    as_user("ada")
    main(["promote", "churn", "1", "--to", "champion", "--reason", "first"])
    assert "churn@champion: no version -> v1" in capsys.readouterr().out
    done = mlops.promote("churn", version.version, to="champion", reason="the developer's model", user="dev")
    assert (done.previous, done.version) == ("1", version.version)
    assert aliases(hub.home) == {"champion": int(version.version)}
    rows = audit_rows(hub.home)
    assert rows[-3:] == [
        ("dev", "developer", "register", "model:churn"),
        ("ada", "approver", "promote", "model:churn@champion"),
        ("ada", "approver", "promote", "model:churn@champion"),
    ]
    monkeypatch.setenv("MLOPS_HOME", str(hub.home))  # the service's own view: the chain and its anchor hold
    from mlops_jupyter.governance import audit

    assert audit.verify() == []


def test_rules_and_role_changes_go_through_the_service_as_the_token_s_owner(hub, as_user):
    from mlops_jupyter.governance import role_changes
    from mlops_jupyter.registry import rules

    as_user("ada")
    assert rules.change("churn", "challenger", ["auc>=0.5"], reason="a floor", user="admin") == ["auc>=0.5"]
    with pytest.raises(Forbidden, match="ada is an approver: change roles needs the admin role"):
        role_changes.set_role("dev", "admin", actor="root", reason="let me in")
    assert audit_rows(hub.home)[-1] == ("ada", "approver", "rules", "model:churn@challenger")
    assert not (hub.home.parent / "mlops.toml").exists()


def test_a_validation_is_recorded_by_the_service_as_the_token_s_owner(hub, as_user):
    from mlops_jupyter.governance import validations

    as_user("dev")
    checks = [{"name": "auc", "passed": True, "value": 0.97, "source": "check"}]
    found = validations.record_as(
        "train.ipynb", "d" * 64, hub.seed.runs["strong"], True, {}, checks, None, None
    )
    assert (found.user, found.passed, found.short_version) == ("dev", True, "d" * 12)
    assert audit_rows(hub.home)[-1] == ("dev", "developer", "validate", f"notebook:train.ipynb@{'d' * 12}")


async def test_the_sidebar_s_server_sends_promotions_with_its_hub_token(hub, shell, as_user, jp_fetch):
    """A user's own Jupyter server (what the sidebar talks to) and its magics route the same way."""
    from tornado.httpclient import HTTPClientError

    as_user("dev")
    body = json.dumps({"version": 2, "reason": "from the sidebar"})
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("mlops", "api", "models", "churn", "promote", method="POST", body=body)
    assert refused.value.code == 403
    assert "dev is a developer" in json.loads(refused.value.response.body)["error"]
    shell.run_line_magic("mlops", f"register {hub.seed.runs['mid']} --name churn")
    assert audit_rows(hub.home)[-1] == ("dev", "developer", "register", "model:churn")
    shown = json.loads((await jp_fetch("mlops", "api", "roles")).body)
    assert (shown["user"], shown["role"]) == ("dev", "developer")  # what the sidebar offers follows
    as_user("ada")
    answer = await jp_fetch("mlops", "api", "models", "churn", "promote", method="POST", body=body)
    assert json.loads(answer.body)["version"] == "2"
    assert audit_rows(hub.home)[-1] == ("ada", "approver", "promote", "model:churn@champion")


def test_the_audit_log_is_read_and_verified_where_the_service_keeps_it(hub, as_user, capsys):
    as_user("dev")
    version = mlops.register(hub.seed.runs["weak"], name="churn")
    main(["audit", "--verify"])
    assert f"audit log intact: {len(audit_rows(hub.home))} entries" in capsys.readouterr().out
    newest = mlops.audit(model="churn", action="register", limit=1)
    assert [(e["actor"], e["after"]["version"]) for e in newest] == [("dev", version.version)]
    main(["audit", "--model", "churn", "--action", "register", "-n", "1"])
    assert "dev" in capsys.readouterr().out


def test_which_version_held_an_alias_when_is_read_from_the_service_s_log(hub, as_user, capsys):
    as_user("ada")
    mlops.promote("churn", "1", to="staging", reason="held at a known time")
    as_user("dev")  # whose own state directory has no audit log at all
    main(["audit", "--model", "churn", "--at", "2099-01-01"])
    assert "churn@staging at 2099-01-01 23:59:59 UTC: v1" in capsys.readouterr().out
    main(["audit", "--model", "churn", "--at", "2000-01-01"])
    assert "churn: no alias was held at 2000-01-01" in capsys.readouterr().out
