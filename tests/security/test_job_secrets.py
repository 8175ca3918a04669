"""A job takes a secret from an environment variable's name: the value reaches the kernel,
and neither the job, its audit entries, its runs, its output notebook, its exports nor its
alerts ever hold it. A real scheduler process runs the firing."""

from __future__ import annotations

import ast
import json

import pytest
import yaml

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput
from mlops_jupyter.governance import audit
from tests.jobs.conftest import ended

SECRET = "s3cr3t-Value-42"
BODY = 'import mlops_jupyter as mlops\nmlops.log_metric("password_ok", float(db_password == expected))\n'
PARAMETERS = 'db_password = ""\nexpected = ""\n'


@pytest.fixture
def job(validated, monkeypatch):
    monkeypatch.setenv("SEC_TEST_DB_PASSWORD", SECRET)
    path = validated("load.ipynb", [BODY], PARAMETERS)
    return mlops.schedule(
        path,
        None,
        name="load",
        parameters={"expected": "checked-in-kernel"},
        secrets={"db_password": "SEC_TEST_DB_PASSWORD"},
    )


def test_a_secrets_value_is_refused_and_its_name_must_be_declared(validated):
    path = validated("load.ipynb", [BODY], PARAMETERS)

    with pytest.raises(BadInput) as refused:
        mlops.schedule(path, None, name="load", parameters={"db_password": SECRET})
    assert refused.value.message == "parameter 'db_password' is secret: a job never stores a secret's value"
    assert "--secret db_password=ENV_VAR" in refused.value.detail
    with pytest.raises(BadInput) as unknown:
        mlops.schedule(path, None, name="load", secrets={"api_token": "TOKEN"})
    assert unknown.value.message == "secret 'api_token' is not a parameter of load.ipynb"
    assert mlops.jobs() == []


def test_the_job_row_and_its_audit_entry_hold_the_variables_name_only(job):
    assert job.secrets == {"db_password": "SEC_TEST_DB_PASSWORD"}
    assert "db_password" not in job.parameters
    (entry,) = [e for e in audit.entries() if e["action"] == "schedule"]
    assert entry["after"]["secrets"] == {"db_password": "SEC_TEST_DB_PASSWORD"}
    assert SECRET not in json.dumps([job.to_dict(), audit.entries()])


def test_a_firing_gives_the_kernel_the_value_and_stores_stars(
    job, scheduler_process, client, monkeypatch, project
):
    monkeypatch.setenv("SEC_TEST_DB_PASSWORD", "checked-in-kernel")  # what the notebook compares
    scheduler_process()

    mlops.run_job("load")
    (firing,) = ended("load", 1)

    assert firing.status == "succeeded", firing.error
    run = client.get_run(firing.run_id)
    assert run.data.metrics["password_ok"] == 1.0
    assert run.data.params["db_password"] == "***"
    assert json.loads(run.data.tags["mlops.parameters"])["db_password"] == "***"
    cells = json.loads(open(firing.output_path).read())["cells"]
    tagged = [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    (injected,) = ["".join(c["source"]) for c in tagged]
    assert 'expected = "checked-in-kernel"' in injected  # the plain parameter is there ...
    assert 'db_password = "***"' in injected  # ... the secret only as stars


def test_a_firing_without_the_variable_fails_naming_it(job, scheduler_process, monkeypatch):
    monkeypatch.delenv("SEC_TEST_DB_PASSWORD")
    scheduler_process()

    mlops.run_job("load")
    (firing,) = ended("load", 1)

    assert firing.status == "failed"
    assert "environment variable SEC_TEST_DB_PASSWORD, which is not set" in firing.error


def test_exports_read_the_secret_from_the_environment(job, project):
    dag, _ = mlops.export_job("load", "airflow", project / "airflow")
    (manifest,) = mlops.export_job("load", "k8s", project / "k8s")

    source = dag.read_text()
    assert SECRET not in source and SECRET not in manifest.read_text()
    tree = ast.parse(source)
    assigned = {n.targets[0].id: n.value for n in tree.body if isinstance(n, ast.Assign)}
    secrets = assigned["SECRETS"]
    assert ast.literal_eval(secrets) == {"db_password": "SEC_TEST_DB_PASSWORD"}
    _, cron_job = yaml.safe_load_all(manifest.read_text())
    (container,) = cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    (env,) = container["env"]
    assert env == {
        "name": "SEC_TEST_DB_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "load-secrets", "key": "SEC_TEST_DB_PASSWORD"}},
    }
    command = container["command"]
    assert command[command.index("-r") + 1 : command.index("-r") + 3] == [
        "db_password",
        "$(SEC_TEST_DB_PASSWORD)",
    ]
