"""Root conftest: the Jupyter server fixtures, with our extension enabled and auth on."""

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config):
    # pytest-jupyter's server requires its token; we only add our extension.
    return {"ServerApp": {"jpserver_extensions": {"mlops_jupyter": True}}}
