"""Every route needs jupyter_server's authentication; writes need XSRF; roles follow the identity."""

import re

from mlops_jupyter.governance import audit

SAMPLE = {"name": "churn", "version": "1", "user": "bob", "run_id": "0" * 32, "digest": "0" * 32}


def operations(spec):
    for template, item in spec["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], template)
        for method in item:
            if method != "parameters":
                yield method.upper(), path


async def test_every_route_refuses_unauthenticated_requests(api, spec):
    for method, path in operations(spec):
        answer = await api.call(method, path, headers={"Authorization": ""}, expect=403)
        assert "message" in answer, (method, path)


async def login_cookie(api, user="alice") -> str:
    await api.get("roles", user=user)
    cookies = api.last.headers.get_list("Set-Cookie")
    (login,) = [c.split(";")[0] for c in cookies if c.startswith("username-")]
    return login


async def test_cookie_writes_without_the_xsrf_token_are_refused_on_every_route(registry, api, spec, team):
    cookie = await login_cookie(api)
    writes = [(m, p) for m, p in operations(spec) if m != "GET"]
    assert len(writes) >= 5
    for method, path in writes:
        answer = await api.call(method, path, headers={"Authorization": "", "Cookie": cookie}, expect=403)
        assert "_xsrf" in answer["message"], (method, path)
    # the same cookie with the XSRF token is let through (and then role-checked as alice)
    await api.post("models", {"run_id": registry.runs["mid"], "name": "churn"}, user="bob", expect=201)
    headers = {"Authorization": "", "Cookie": f"{cookie}; _xsrf=abc", "X-XSRFToken": "abc"}
    done = await api.post("models/churn/promote", {"version": 1}, headers=headers)
    assert done["version"] == "1" and audit.entries(action="promote")[-1]["actor"] == "alice"


async def test_cookie_reads_from_another_origin_are_refused(api, spec):
    cookie = await login_cookie(api)
    for method, path in operations(spec):
        if method == "GET":
            headers = {"Authorization": "", "Cookie": cookie, "Origin": "http://evil.example"}
            await api.call(method, path, headers=headers, expect=404, check=False)


async def test_roles_follow_the_authenticated_identity(registry, api, team):
    runs = registry.runs
    # a viewer reads but cannot register
    assert (await api.get("models", user="carol"))["models"] == []
    refused = await api.post("models", {"run_id": runs["mid"], "name": "churn"}, user="carol", expect=403)
    assert refused == {
        "error": "carol is a viewer: register needs the developer role or higher",
        "detail": refused["detail"],
        "code": "forbidden",
    }
    # a developer registers but cannot promote
    await api.post("models", {"run_id": runs["mid"], "name": "churn"}, user="bob", expect=201)
    await api.post("models", {"run_id": runs["never_validated"], "name": "churn"}, user="bob", expect=201)
    await api.post("models/churn/promote", {"version": 1}, user="bob", expect=403)
    # an approver promotes but cannot force or loosen the rules
    await api.post("models/churn/promote", {"version": 1, "require": ["auc>=0.9"]}, user="alice")
    await api.post(
        "models/churn/promote", {"version": 2, "force": True, "reason": "x"}, user="alice", expect=403
    )
    await api.post("models/churn/rules", {"remove": ["auc>=0.9"]}, user="alice", expect=403)
    await api.put("roles/carol", {"role": "admin"}, user="alice", expect=403)
    # an admin forces, with the forced promotion on record
    forced = await api.post(
        "models/churn/promote", {"version": 2, "force": True, "reason": "hotfix"}, user="root"
    )
    assert forced["forced"] is True
    actors = [(e["actor"], e["role"], e["action"]) for e in audit.entries()]
    assert actors == [
        ("bob", "developer", "register"),
        ("bob", "developer", "register"),
        ("alice", "approver", "promote"),
        ("root", "admin", "promote"),
    ]
    me = await api.get("roles", user="alice")
    assert (me["user"], me["role"], me["configured"]) == ("alice", "approver", True)


async def test_the_shared_server_token_acts_as_the_user_who_started_the_server(api, team, monkeypatch):
    monkeypatch.setenv("MLOPS_USER", "root")
    me = await api.get("roles")
    assert (me["user"], me["role"]) == ("root", "admin")
    assert (await api.put("roles/carol", {"role": "developer"}))["users"]["carol"] == "developer"
    assert audit.entries(action="role")[-1]["actor"] == "root"
