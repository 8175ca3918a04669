"""An unexpected failure shows "internal error" and an incident id, never the exception's text
(SQL, its parameters): from the REST API's jobs, registry and tracking handlers, the CLI and the magics."""

from __future__ import annotations

import re
import sqlite3

import pytest

from mlops_jupyter import db
from tests.jobs.conftest import mlops_cli

INTERNAL = re.compile(r"An unexpected error; see the server log for incident ([0-9a-f]{12})\.")


def break_table(database, table: str) -> None:
    """Replace ``table`` with one of the wrong shape: every query on it fails inside SQL."""
    with sqlite3.connect(database) as broken:
        broken.execute(f"DROP TABLE {table}")
        broken.execute(f"CREATE TABLE {table} (secret_column TEXT)")


@pytest.mark.parametrize(
    "database, table, path",
    [
        ("jobs.db", "jobs", "jobs/nightly/history"),
        ("jobs.db", "audit_log", "audit"),
        ("mlflow.db", "runs", "runs"),
    ],
)
async def test_a_failing_query_answers_internal_error_with_an_incident_id(
    api, mlops_home, caplog, database, table, path
):
    db.engine()  # the mlops database, migrated
    break_table(mlops_home / database, table)

    status, answer = await api.call("GET", path, expect=None, check=False)

    assert status == 500, answer
    assert answer["error"] == "internal error" and answer["code"] == "error"
    incident = INTERNAL.fullmatch(answer["detail"]).group(1)
    assert "secret_column" not in str(answer) and "SELECT" not in str(answer)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"(incident {incident})" in logged


async def test_a_registry_store_that_fails_is_unavailable_without_its_sql(api, mlops_home):
    break_table(mlops_home / "mlflow.db", "registered_models")

    status, answer = await api.call("GET", "models", expect=None, check=False)

    assert (status, answer["code"]) == (503, "unavailable")
    assert answer["error"] == "model search: the tracking store did not answer (TEMPORARILY_UNAVAILABLE)"


def test_the_cli_says_internal_error_and_where_the_sql_went(mlops_home):
    db.engine()
    break_table(mlops_home / "jobs.db", "jobs")

    done = mlops_cli("jobs", cwd=mlops_home.parent)

    assert done.returncode == 70
    first = done.stderr.splitlines()[0]
    incident = re.fullmatch(r"internal error \(OperationalError, incident ([0-9a-f]{12})\)", first).group(1)
    assert "secret_column" not in done.stderr and "SELECT" not in done.stderr
    log = re.search(r"the traceback is in (\S+)", done.stderr).group(1)
    logged = open(log).read()
    assert f"incident {incident})" in logged and "SELECT" in logged


def test_a_magic_says_internal_error_and_where_the_traceback_went(shell, mlops_home, capsys):
    shell.run_cell("%mlops runs")  # the store, migrated
    break_table(mlops_home / "mlflow.db", "runs")

    result = shell.run_cell("%mlops runs")

    shown = str(result.error_in_exec)
    first, where = shown.splitlines()
    incident = re.fullmatch(r"internal error \((\w+), incident ([0-9a-f]{12})\)", first).group(2)
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err and "secret_column" not in printed.out + printed.err
    log = re.fullmatch(r"  the traceback is in (\S+)", where).group(1)
    logged = open(log).read()
    assert "%mlops runs (pid" in logged and f"incident {incident})" in logged and "SELECT" in logged
