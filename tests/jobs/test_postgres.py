"""The job store on a real PostgreSQL server: migrations, governed changes, and two schedulers."""

from __future__ import annotations

import time

import mlops_jupyter as mlops
from mlops_jupyter import db

from .conftest import ended, history, wait_for
from .test_scheduler import chaos, trace


def test_the_store_migrates_and_keeps_jobs_on_postgresql(postgres_store, validated):
    from sqlalchemy import inspect

    assert db.engine().dialect.name == "postgresql"
    tables = set(inspect(db.engine()).get_table_names())
    assert {"jobs", "job_runs", "job_schedulers", "job_changes", "validations", "audit_log"} <= tables

    path = validated("nb.ipynb")
    info = mlops.schedule(path, "30 2 * * *", tz="Europe/Berlin", name="nightly", parameters={"x": 3})
    assert info.next_fire_local.endswith(("02:30:00+01:00", "02:30:00+02:00", "03:00:00+02:00"))
    mlops.pause_job("nightly")
    mlops.update_job("nightly", retries=2, reason="flaky source")
    assert [e["action"] for e in mlops.audit(limit=10) if e["target"] == "job:nightly"] == [
        "schedule",
        "pause",
        "update",
    ]
    from mlops_jupyter.governance.audit import verify

    assert verify() == []


def test_two_schedulers_share_a_postgresql_store_without_doubling_and_recover_a_killed_one(
    postgres_store, validated, scheduler_process, project
):
    path = chaos(validated)
    first, second = scheduler_process("--lease", "5"), scheduler_process("--lease", "5")
    for n in range(2):
        mlops.schedule(path, "* * * * * *", name=f"pg-{n}", parameters={"mode": "ok"})
    time.sleep(6)
    for n in range(2):
        mlops.pause_job(f"pg-{n}")
    wait_for(lambda: not any(f.status == "running" for n in range(2) for f in history(f"pg-{n}")), 60)
    firings = [f for n in range(2) for f in history(f"pg-{n}")]
    keys = [(f.job, f.scheduled_time, f.attempt) for f in firings]
    assert len(keys) == len(set(keys)) >= 4
    runs = [run for _, run in trace(project, "ok")]
    assert sorted(runs) == sorted(f.run_id for f in firings if f.status == "succeeded")

    # SIGKILL the scheduler running a slow firing: the survivor fails it and retries it.
    mlops.schedule(
        path,
        None,
        name="pg-slow",
        parameters={"mode": "slow-once", "pause": 120.0},
        retries=1,
        retry_delay="1s",
    )
    second.kill()
    mlops.run_job("pg-slow")
    # Killed once the kernel sleeps in the slow cell: killed a cell earlier, the retry would sleep.
    wait_for(lambda: (project / "trace" / "slow-once.done").exists(), 60, what="the slow cell to start")
    first.kill()
    scheduler_process("--lease", "5")
    failed, retried = ended("pg-slow", 2, timeout=120)
    assert failed.status == "failed" and "stopped before it ended" in failed.error
    assert retried.status == "succeeded" and retried.attempt == 2
