"""Security tests share the job fixtures (validated notebooks, receivers, the `mlops` command)."""

from tests.jobs.conftest import mailbox, project, validated, webhook  # noqa: F401 - fixtures
