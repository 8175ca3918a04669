"""Roles on a shared server: only the owner is admin until roles are configured, user names are
names, and a role file that is named but cannot be read fails closed. A real Jupyter server."""

from __future__ import annotations

import pytest

from mlops_jupyter.governance import audit


@pytest.fixture
def owner(mlops_home, monkeypatch):
    """The server runs as root, with no mlops.toml."""
    monkeypatch.setenv("MLOPS_USER", "root")
    return "root"


async def test_without_a_roles_table_only_the_servers_owner_is_admin(api, owner, mlops_home):
    me = await api.get("roles")
    assert (me["user"], me["role"], me["configured"]) == ("root", "admin", False)
    carol = await api.get("roles", user="carol")
    assert (carol["user"], carol["role"]) == ("carol", "viewer")

    # Another user on the server cannot make herself admin: the first role change is the owner's
    refused = await api.put("roles/carol", {"role": "admin"}, user="carol", expect=403)
    assert refused["error"] == "carol is a viewer: change roles needs the admin role or higher"
    assert not (mlops_home.parent / "mlops.toml").exists()
    assert audit.entries(action="role") == []

    changed = await api.put("roles/carol", {"role": "developer"})
    assert changed["users"] == {"carol": "developer", "root": "admin"}


async def test_a_user_name_that_is_a_path_is_refused_and_nothing_is_written(
    api, owner, mlops_home, jp_root_dir
):
    before = sorted(p for p in jp_root_dir.parent.rglob("*") if "mlops.toml" in p.name)

    answer = await api.call("PUT", None, raw_path="roles/..%2F..%2Fetc", body={"role": "admin"}, expect=400)

    assert answer["error"] == "invalid user name '../../etc'"
    assert "letters, digits" in answer["detail"]
    assert sorted(p for p in jp_root_dir.parent.rglob("*") if "mlops.toml" in p.name) == before
    assert not (mlops_home.parent / "mlops.toml").exists()


async def test_a_role_change_writes_the_role_file_the_roles_were_read_from(
    api, owner, mlops_home, monkeypatch
):
    named = mlops_home.parent / "team" / "roles.toml"
    named.parent.mkdir()
    named.write_text('[roles]\nroot = "admin"\n')
    monkeypatch.setenv("MLOPS_CONFIG", str(named))

    await api.put("roles/dana", {"role": "approver"})

    assert 'dana = "approver"' in named.read_text()
    assert not (mlops_home.parent / "mlops.toml").exists()


@pytest.mark.parametrize("kind", ["missing", "directory"])
async def test_a_named_role_file_that_cannot_be_read_gives_nobody_a_role(
    api, owner, mlops_home, monkeypatch, kind
):
    named = mlops_home.parent / "roles.toml"
    if kind == "directory":
        named.mkdir()
    monkeypatch.setenv("MLOPS_CONFIG", str(named))

    answer = await api.get("roles", expect=400)
    assert str(named) in answer["error"]
    refused = await api.put("roles/carol", {"role": "admin"}, expect=400)
    assert "MLOPS_CONFIG" in refused["detail"]
    assert audit.entries(action="role") == []
