"""Report fixtures: one real model history (tests/reports/store.py), shared read-only by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import load_once


def load_store_module():
    return load_once("mlops_reports_store", Path(__file__).with_name("store.py"))


@pytest.fixture(scope="session")
def report_store(tmp_path_factory):
    return load_store_module().load(tmp_path_factory.getbasetemp() / "report-store")


@pytest.fixture
def reported(report_store, monkeypatch):
    """Point this test at the shared store (the report writes nothing, so sharing it is safe)."""
    import os

    from mlops_jupyter import _testing

    for key in [k for k in os.environ if k.startswith("MLOPS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MLOPS_HOME", str(report_store.home))
    monkeypatch.chdir(report_store.project)
    _testing.reset_state()
    yield report_store
    _testing.reset_state()


# pytest-jupyter's autouse fixtures serve an in-process server these tests do not use, and
# would close the event loop Playwright runs in this thread: replaced here (as in tests/ui).
@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    import asyncio

    loop = asyncio.new_event_loop()  # never made current: Playwright's loop stays untouched
    yield loop
    loop.close()


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    yield


@pytest.fixture
def store_module():
    """tests/reports/store.py itself, for the facts the store was built with."""
    return load_store_module()
