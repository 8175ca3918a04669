"""REST fixtures: a real Jupyter server with several users (one token each) and an API client
that checks every answer against ``mlops_jupyter/server/openapi.yaml``."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest
import support
import yaml
from jupyter_server.auth import IdentityProvider, User
from traitlets import Dict

SPEC_PATH = Path(__file__).parents[2] / "mlops_jupyter" / "server" / "openapi.yaml"
TOKENS = {"alice": "tok-alice", "bob": "tok-bob", "carol": "tok-carol", "root": "tok-root"}


class TokenPerUser(IdentityProvider):
    """One token per named user, as a team's identity provider (JupyterHub, OAuth) would give.

    The server's own token still works and identifies an anonymous user, like a personal server.
    """

    user_tokens = Dict({}, config=True, help="token -> user name")

    async def get_user_token(self, handler):
        given = self.get_token(handler)
        name = self.user_tokens.get(given) if given else None
        if name:
            return User(username=name, name=name, display_name=name)
        return await super().get_user_token(handler)


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"mlops_jupyter": True},
            "identity_provider_class": TokenPerUser,
        },
        "TokenPerUser": {"user_tokens": {token: user for user, token in TOKENS.items()}},
        # The REST API alone: the report page's preheated kernel is tested in tests/reports.
        "MlopsJupyter": {"report_preheat": False},
    }


@pytest.fixture(scope="session")
def registry_seed(tmp_path_factory):
    return support.registry_seed().get(tmp_path_factory.getbasetemp() / "registry-seed")


@pytest.fixture
def registry(mlops_home, registry_seed):
    support.registry_seed().install(registry_seed, mlops_home)
    return registry_seed


@pytest.fixture
def team(mlops_home, monkeypatch):
    """root admin, alice approver, bob developer, anyone else (carol) a viewer; the server runs as root."""
    (mlops_home.parent / "mlops.toml").write_text(
        '[roles]\ndefault = "viewer"\nroot = "admin"\nalice = "approver"\nbob = "developer"\n'
    )
    monkeypatch.setenv("MLOPS_USER", "root")


@pytest.fixture(scope="session")
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


def _templates(spec: dict) -> list[tuple[re.Pattern, str]]:
    out = []
    for template in spec["paths"]:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        out.append((re.compile(f"^{pattern}$"), template))
    return out


class OpenApiChecker:
    """Validates a real answer against the response schema the spec declares for it."""

    def __init__(self, spec: dict):
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.spec = spec
        self.templates = _templates(spec)
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry = Registry().with_resource("urn:openapi", resource)
        self.validator_class = Draft202012Validator
        self.seen: set[tuple[str, str, int]] = set()

    def template_of(self, path: str) -> str:
        for pattern, template in self.templates:
            if pattern.match(path):
                return template
        raise AssertionError(f"{path} is not described in openapi.yaml")

    def check(self, method: str, path: str, status: int, content_type: str, body) -> None:
        template = self.template_of(path)
        operation = self.spec["paths"][template].get(method.lower())
        assert operation is not None, f"{method} {template} is not described in openapi.yaml"
        responses = operation["responses"]
        assert str(status) in responses, f"{method} {template} answered {status}, not described"
        response = responses[str(status)]
        pointer = f"/paths/{_escape(template)}/{method.lower()}/responses/{status}"
        if "$ref" in response:
            pointer = response["$ref"][1:]
            response = self._resolve(response["$ref"])
        media = content_type.split(";")[0].strip()
        assert media in response["content"], f"{method} {template} {status} answered {media}, not described"
        schema = {"$ref": f"urn:openapi#{pointer}/content/{_escape(media)}/schema"}
        validator = self.validator_class(schema, registry=self.registry)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, f"{method} {path} {status}: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors
        )
        self.seen.add((method.lower(), template, status))

    def _resolve(self, ref: str):
        node = self.spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


@pytest.fixture
def openapi(spec) -> OpenApiChecker:
    """A checker per test, so a test can ask which operations it saw answer."""
    return OpenApiChecker(spec)


class Api:
    """Requests to /mlops/api as a user; every answer is checked against the OpenAPI file.

    ``expect`` is the status the answer must have; with ``expect=None`` any status is taken
    and ``(status, body)`` returned.
    """

    def __init__(self, client, base_url: str, server_token: str, checker: OpenApiChecker):
        self.client, self.base, self.server_token, self.checker = client, base_url, server_token, checker

    def url(self, path: str, params: dict | None = None) -> str:
        segments = "/".join(urllib.parse.quote(s, safe="") for s in path.strip("/").split("/"))
        query = urllib.parse.urlencode(params or {}, doseq=True)
        return f"{self.base.rstrip('/')}/mlops/api/{segments}" + (f"?{query}" if query else "")

    async def call(
        self,
        method,
        path,
        *,
        user=None,
        params=None,
        body=None,
        headers=None,
        expect=200,
        raw_path=None,
        check=True,
    ):
        url = self.url(path, params) if raw_path is None else f"{self.base.rstrip('/')}/mlops/api/{raw_path}"
        sent = {"Authorization": f"token {TOKENS[user] if user else self.server_token}"}
        sent.update(headers or {})
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = {}
        response = await self.client.fetch(
            url,
            method=method,
            headers=sent,
            body=body if isinstance(body, bytes) else json.dumps(body) if body is not None else None,
            raise_error=False,
            follow_redirects=False,
            request_timeout=60,
        )
        text = response.body.decode() if response.body else ""
        content_type = response.headers.get("Content-Type", "")
        data = json.loads(text) if "json" in content_type and text else text
        if expect is not None:
            assert response.code == expect, (
                f"{method} {path}: expected {expect}, got {response.code}: {text[:500]}"
            )
        # Matched still percent-encoded, so a name holding an encoded '/' stays one segment.
        api_path = urllib.parse.urlsplit(url).path.split("/mlops/api", 1)[1]
        if check:
            self.checker.check(method, api_path, response.code, content_type, data)
        self.last = response
        return data if expect is not None else (response.code, data)

    async def get(self, path, **kw):
        return await self.call("GET", path, **kw)

    async def post(self, path, body=None, **kw):
        return await self.call("POST", path, body=body, **kw)

    async def put(self, path, body=None, **kw):
        return await self.call("PUT", path, body=body, **kw)


@pytest.fixture
def api(mlops_home, jp_serverapp, http_server_client, jp_base_url, openapi) -> Api:
    # mlops_home first: the extension must find this test's state directory when it loads.
    return Api(http_server_client, jp_base_url, jp_serverapp.identity_provider.token, openapi)
