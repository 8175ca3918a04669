"""Export a job to run elsewhere: an Airflow DAG (papermill operator) or a Kubernetes CronJob.

Both carry the job's pinned, validated notebook (written beside the DAG, or in a ConfigMap),
its parameters, cron schedule and time zone, retries and timeout, so the exported job runs
exactly what the embedded scheduler would.

>>> mlops.export_job("daily-scoring", "airflow", "export/")
[PosixPath('export/daily-scoring/daily_scoring_dag.py'),
 PosixPath('export/daily-scoring/daily-scoring-3f9a1c2b7d4e.ipynb')]
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .. import db
from ..errors import BadInput
from . import cron

TARGETS = ("airflow", "k8s")


def export(
    name: str, target: str, output: str | Path = "export", *, image: str = "mlops-jupyter:latest"
) -> list[Path]:
    """Write the export of job ``name`` for ``target`` into ``output/<name>/``; returns the files."""
    from .queries import find_job

    if target not in TARGETS:
        raise BadInput(f"unknown export target {target!r}", f"Use one of: {', '.join(TARGETS)}.")
    with db.session() as s:
        job = find_job(s, name)
        s.expunge(job)
    if job.cron and cron.Schedule.parse(job.cron, job.timezone).has_seconds:
        raise BadInput(
            f"job {name} fires on a seconds schedule ({job.cron}), which {target} cannot express",
            "Airflow and Kubernetes take five-field cron expressions: `mlops job update --cron` first.",
        )
    folder = Path(output) / job.name
    if target == "airflow":
        files = {
            folder / f"{re.sub(r'[^0-9A-Za-z_]', '_', job.name)}_dag.py": airflow_dag(job),
            folder / notebook_file(job): job.source,
        }
    else:
        files = {folder / "cronjob.yaml": k8s_manifest(job, image)}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(
            f"cannot write the export into {folder}: {exc.strerror}",
            "Give an output directory you can write (-o DIR).",
        ) from None
    return list(files)


def notebook_file(job) -> str:
    return f"{job.name}-{job.notebook_version[:12]}.ipynb"


def _cron(job) -> str | None:
    return cron.Schedule.parse(job.cron, job.timezone).cron if job.cron else None


def airflow_dag(job) -> str:
    """The DAG's Python source (Airflow 2.4+: ``schedule=``, the papermill provider's operator)."""
    args = [f'    "retries": {job.retries!r},']
    if job.retries:
        args.append(f'    "retry_delay": timedelta(seconds={job.retry_delay!r}),')
        args.append('    "retry_exponential_backoff": True,')
    if job.timeout:
        args.append(f'    "execution_timeout": timedelta(seconds={job.timeout!r}),')
    # catchup=False: after downtime Airflow runs the latest missed interval once (our catch-up).
    missed = (
        "the latest missed interval runs once (catch-up)"
        if job.missed == "catch-up"
        else "skip: Airflow still runs the latest missed interval once; add a freshness check if that matters"
    )
    title = f"Airflow DAG of the mlops job {job.name!r}, exported by `mlops export {job.name} --to airflow`."
    about = (
        f"{title}\n\nRuns {job.notebook} at notebook version {job.notebook_version[:12]} "
        f"(validation {job.validation_id}),\nthe snapshot written beside this file, "
        f"with Airflow's papermill operator.\nMissed runs: {missed}.\n"
    )
    return f"""{_docstring(about)}

import os
from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.providers.papermill.operators.papermill import PapermillOperator

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOK_FILE = {notebook_file(job)!r}
NOTEBOOK_VERSION = {job.notebook_version!r}
PARAMETERS = {json.loads(json.dumps(job.parameters))!r}
# Secret parameters: read from these environment variables where Airflow runs, never stored here.
SECRETS = {dict(job.secret_env or {})!r}

default_args = {{
{chr(10).join(args)}
}}

with DAG(
    dag_id={job.name!r},
    schedule={_cron(job)!r},
    start_date=pendulum.datetime({cron.utc(job.created_at).year}, 1, 1, tz={job.timezone!r}),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["mlops", "job"],
) as dag:
    run_notebook = PapermillOperator(
        task_id="run_notebook",
        input_nb=os.path.join(HERE, NOTEBOOK_FILE),
        output_nb=os.path.join(HERE, "output", {job.name!r} + "-{{{{ ts_nodash }}}}.ipynb"),
        parameters={{**PARAMETERS, **{{name: os.environ[var] for name, var in SECRETS.items()}}}},
        kernel_name={job.kernel_name!r},{_airflow_language(job)}
    )
"""


def _docstring(text: str) -> str:
    """A docstring literal of ``text``: user values (a notebook's file name) cannot end it."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r")
    return f'"""{escaped}"""'


def _language(job) -> str | None:
    from ..pipelines.notebooks import missing_language

    return missing_language(job.source, job.kernel_name or "python3")


def _airflow_language(job) -> str:
    language = _language(job)
    return f"\n        language_name={language!r}," if language else ""


def k8s_name(name: str) -> str:
    """A DNS-1123 name (lowercase letters, digits, '-'), short enough for a CronJob's pods."""
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return (slug[:52].rstrip("-")) or "mlops-job"


def _secret_env(name: str, secret_env: dict[str, str]) -> list[dict]:
    """The container's secret variables, from the Secret ``<name>-secrets`` the cluster holds."""
    return [
        {"name": var, "valueFrom": {"secretKeyRef": {"name": f"{name}-secrets", "key": var}}}
        for var in secret_env.values()
    ]


def k8s_manifest(job, image: str) -> str:
    """A ConfigMap holding the pinned notebook and a CronJob that runs it with papermill."""
    import yaml

    name = k8s_name(job.name)
    labels = {"app.kubernetes.io/managed-by": "mlops-jupyter", "mlops-jupyter/job": name}
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"{name}-notebook", "labels": labels},
        "data": {"notebook.ipynb": job.source},
    }
    command = [
        "papermill",
        "/mlops/notebook/notebook.ipynb",
        "/mlops/output/output.ipynb",
        "--kernel",
        job.kernel_name or "python3",
    ]
    language = _language(job)
    if language:  # a notebook that names none: papermill needs one for its parameters cell
        command += ["--language", language]
    if job.parameters:
        command += ["--parameters_yaml", json.dumps(job.parameters)]  # JSON is YAML: types survive
    secret_env = dict(job.secret_env or {})
    for param, variable in secret_env.items():  # Kubernetes expands $(VAR) from the container's env
        command += ["-r", param, f"$({variable})"]
    job_spec: dict = {
        "backoffLimit": job.retries,
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "restartPolicy": "Never",
                "containers": [
                    {
                        "name": "notebook",
                        "image": image,
                        "command": command,
                        **({"env": _secret_env(name, secret_env)} if secret_env else {}),
                        "volumeMounts": [
                            {"name": "notebook", "mountPath": "/mlops/notebook", "readOnly": True},
                            {"name": "output", "mountPath": "/mlops/output"},
                        ],
                    }
                ],
                "volumes": [
                    {"name": "notebook", "configMap": {"name": f"{name}-notebook"}},
                    {"name": "output", "emptyDir": {}},
                ],
            },
        },
    }
    if job.timeout:
        job_spec["activeDeadlineSeconds"] = int(job.timeout)
    spec: dict = {
        "schedule": _cron(job) or "0 0 31 2 *",  # an on-demand job: a date that never comes
        "timeZone": job.timezone,
        "concurrencyPolicy": "Forbid",
        "suspend": bool(job.paused or not job.cron),
        "jobTemplate": {"spec": job_spec},
    }
    if job.missed == "skip":
        # Kubernetes starts one missed run after downtime unless it is this late: skip those.
        spec["startingDeadlineSeconds"] = 60
    cron_job = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {
                "mlops-jupyter/notebook": job.notebook,
                "mlops-jupyter/notebook-version": job.notebook_version,
                "mlops-jupyter/validation": str(job.validation_id),
            },
        },
        "spec": spec,
    }
    return yaml.safe_dump_all([config_map, cron_job], sort_keys=False, width=120)
