"""Registry fixtures: a real registry (seeded once per session, copied per test), users and roles."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def load_seed():
    """The seed module, loaded once under one name whichever test directory asks first."""
    name = "mlops_registry_seed"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("seed.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def registry_seed(tmp_path_factory):
    return load_seed().get(tmp_path_factory.getbasetemp() / "registry-seed")


@pytest.fixture
def registry(mlops_home, registry_seed):
    """The seeded runs, copied into this test's fresh state directory (no models registered yet)."""
    load_seed().install(registry_seed, mlops_home)
    return registry_seed


@pytest.fixture
def roles_file(mlops_home):
    """Write the project's mlops.toml [roles] table."""
    path = mlops_home.parent / "mlops.toml"

    def write(text: str) -> Path:
        path.write_text(text)
        return path

    return write


@pytest.fixture
def team(roles_file, monkeypatch):
    """A team: admin (root), approver alice, developer bob, everyone else a viewer."""
    roles_file('[roles]\ndefault = "viewer"\nroot = "admin"\nalice = "approver"\nbob = "developer"\n')
    monkeypatch.setenv("MLOPS_USER", "root")


@pytest.fixture
def client(mlops_home):
    """A plain MlflowClient on this test's store, registry included, to assert what was written."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{mlops_home / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)
