"""Exports parsed, not string-matched: the DAG compiled and walked, the manifest read as YAML."""

from __future__ import annotations

import ast
import json

import pytest
import yaml

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput
from mlops_jupyter.tracking.notebook import version_of

from .conftest import mlops_cli


def _call(tree, name):
    return next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == name)


def _kw(call, name):
    return next(k.value for k in call.keywords if k.arg == name)


@pytest.fixture
def job(validated):
    path = validated("score.ipynb", parameters='x = 1\nlabel = "a"\n')
    return mlops.schedule(
        path,
        "0 6 * * mon-fri",
        tz="Europe/Berlin",
        name="daily-scoring",
        parameters={"x": 5, "label": "b"},
        retries=2,
        retry_delay="90s",
        timeout="30m",
    )


def test_airflow_dag_runs_the_pinned_notebook_with_papermill_on_the_same_schedule(job, project):
    out = mlops_cli("export", "daily-scoring", "--to", "airflow", "-o", "exported", cwd=project)
    assert out.returncode == 0, out.stderr
    dag_path, notebook_path = (project / line for line in out.stdout.split())
    source = dag_path.read_text()
    compile(source, str(dag_path), "exec")  # valid Python, Airflow or not
    tree = ast.parse(source)

    imports = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert ("airflow.providers.papermill.operators.papermill", "PapermillOperator") in imports
    dag = _call(tree, "DAG")
    assert ast.literal_eval(_kw(dag, "schedule")) == "0 6 * * mon-fri"
    assert ast.literal_eval(_kw(dag, "dag_id")) == "daily-scoring"
    assert ast.literal_eval(_kw(dag, "catchup")) is False
    assert ast.literal_eval(_kw(_kw(dag, "start_date"), "tz")) == "Europe/Berlin"
    task = _call(tree, "PapermillOperator")
    assert ast.literal_eval(_kw(task, "task_id")) == "run_notebook"
    wanted = ("PARAMETERS", "NOTEBOOK_FILE", "NOTEBOOK_VERSION")
    constants = {
        t.id: ast.literal_eval(n.value)
        for n in tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name) and t.id in wanted
    }
    assert constants["PARAMETERS"] == {"x": 5, "label": "b"}
    assert (dag_path.parent / constants["NOTEBOOK_FILE"]) == notebook_path
    assert (
        version_of(json.loads(notebook_path.read_text()))
        == job.notebook_version
        == constants["NOTEBOOK_VERSION"]
    )
    args = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "default_args")
    retries = next(v for k, v in zip(args.keys, args.values, strict=True) if ast.literal_eval(k) == "retries")
    assert ast.literal_eval(retries) == 2


def test_k8s_cronjob_carries_schedule_time_zone_notebook_and_limits(job, project):
    (manifest,) = mlops.export_job("daily-scoring", "k8s", project / "k8s")
    config_map, cron_job = yaml.safe_load_all(manifest.read_text())
    assert config_map["kind"] == "ConfigMap"
    assert version_of(json.loads(config_map["data"]["notebook.ipynb"])) == job.notebook_version
    assert cron_job["apiVersion"] == "batch/v1" and cron_job["kind"] == "CronJob"
    assert cron_job["metadata"]["name"] == "daily-scoring"
    spec = cron_job["spec"]
    assert spec["schedule"] == "0 6 * * mon-fri" and spec["timeZone"] == "Europe/Berlin"
    assert spec["concurrencyPolicy"] == "Forbid" and spec["suspend"] is False
    job_spec = spec["jobTemplate"]["spec"]
    assert job_spec["backoffLimit"] == 2 and job_spec["activeDeadlineSeconds"] == 1800
    (container,) = job_spec["template"]["spec"]["containers"]
    command = container["command"]
    assert command[0] == "papermill"
    assert json.loads(command[command.index("--parameters_yaml") + 1]) == {"x": 5, "label": "b"}
    volumes = {v["name"]: v for v in job_spec["template"]["spec"]["volumes"]}
    assert volumes["notebook"]["configMap"]["name"] == config_map["metadata"]["name"]


def test_exports_that_cannot_be_expressed_are_refused(validated, project):
    path = validated("fast.ipynb")
    mlops.schedule(path, "*/5 * * * * *", name="fast")
    with pytest.raises(BadInput) as err:
        mlops.export_job("fast", "airflow", project / "out")
    assert "seconds schedule" in err.value.message
    out = mlops_cli("export", "fast", "--to", "cron", cwd=project)
    assert out.returncode == 2 and "cron" in out.stderr
    out = mlops_cli("export", "missing", "--to", "k8s", cwd=project)
    assert out.returncode == 3 and "no job named 'missing'" in out.stderr
