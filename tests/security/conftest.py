"""Security tests share the job fixtures (validated notebooks, receivers) and the REST fixtures
(a real Jupyter server with one token per user, answers checked against openapi.yaml)."""

from tests.jobs.conftest import (  # noqa: F401 - fixtures
    mailbox,
    project,
    scheduler_process,
    validated,
    webhook,
)
from tests.server.conftest import (  # noqa: F401 - fixtures
    api,
    jp_server_config,
    openapi,
    registry,
    registry_seed,
    spec,
)
