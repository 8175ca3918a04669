"""Roles from mlops.toml: the single-user default, the team mapping, and audited role changes."""

import pytest

from mlops_jupyter.cli import main
from mlops_jupyter.errors import BadInput, Conflict, Forbidden
from mlops_jupyter.governance import audit, role_changes, roles


def test_an_unconfigured_project_makes_its_user_admin_and_nobody_else(mlops_home, monkeypatch):
    monkeypatch.setenv("MLOPS_USER", "root")
    assert roles.role_of("root") == "admin"
    assert roles.require("root", action="force") == "admin"
    assert roles.role_of("whoever") == "viewer"
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")  # a Hub user's own single-user server
    assert roles.role_of("alice") == "admin" and roles.role_of("root") == "admin"


def test_the_team_mapping_and_its_default(team):
    assert [roles.role_of(u) for u in ("root", "alice", "bob", "carol")] == [
        "admin",
        "approver",
        "developer",
        "viewer",
    ]
    assert roles.require("alice", "developer", action="validate") == "approver"
    with pytest.raises(Forbidden) as err:
        roles.require("bob", "approver", action="pause")
    assert err.value.message == "bob is a developer: pause needs the approver role or higher"
    assert "mlops roles bob approver" in err.value.detail and err.value.http_status == 403


def test_a_bad_role_in_the_file_is_a_clear_error(roles_file):
    roles_file('[roles]\nalice = "boss"\n')
    with pytest.raises(BadInput) as err:
        roles.role_of("alice")
    assert (
        "alice = 'boss' is not a role" in err.value.message
        and "viewer, developer, approver, admin" in err.value.detail
    )


def test_an_admin_changes_a_role_in_place_keeping_comments_and_it_is_audited(team, mlops_home):
    path = mlops_home.parent / "mlops.toml"
    path.write_text("# who may do what\n" + path.read_text() + "\n[other]\nkeep = 1\n")
    role_changes.set_role("bob", "approver", reason="on call")
    role_changes.set_role("dave eve", "developer")
    text = path.read_text()
    assert (
        text.startswith("# who may do what\n") and 'bob = "approver"' in text and "[other]\nkeep = 1" in text
    )
    assert '"dave eve" = "developer"' in text
    assert roles.role_of("bob") == "approver" and roles.role_of("dave eve") == "developer"
    first = audit.entries(action="role")[0]
    assert (first["actor"], first["target"], first["before"], first["after"], first["reason"]) == (
        "root",
        "user:bob",
        {"role": "developer"},
        {"role": "approver"},
        "on call",
    )


def test_only_admins_change_roles_and_the_last_admin_stays(team, monkeypatch):
    monkeypatch.setenv("MLOPS_USER", "alice")
    with pytest.raises(Forbidden, match="change roles needs the admin role"):
        role_changes.set_role("alice", "admin")
    monkeypatch.setenv("MLOPS_USER", "root")
    with pytest.raises(Conflict, match="the project would have none"):
        role_changes.set_role("root", "viewer")
    assert roles.role_of("root") == "admin" and audit.entries() == []


def test_the_first_assignment_keeps_the_acting_user_admin(mlops_home, monkeypatch, capsys):
    monkeypatch.setenv("MLOPS_USER", "solo")
    main(["roles", "bob", "developer"])
    assert roles.role_of("solo") == "admin" and roles.role_of("bob") == "developer"
    assert roles.role_of("someone else") == "viewer"
    main(["roles"])
    out = capsys.readouterr().out
    assert "you: solo (admin)" in out and "bob: developer" in out and "everyone else: viewer" in out
