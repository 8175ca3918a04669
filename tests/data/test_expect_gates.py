"""A failed data expectation fails validation, and a monitoring job's firing on bad incoming data
(the job store records checks_failed, the condition its alerts fire on)."""

from __future__ import annotations

import time

import pytest
from churn_data import churn_frame, churn_schema

import mlops_jupyter as mlops
from mlops_jupyter import _testing

MONITOR = """\
import pandas as pd
import mlops_jupyter as mlops
batch = pd.read_csv(batch_path)
mlops.expect(batch, schema_path, name="incoming")
"""


@pytest.fixture
def project(mlops_home):
    project = mlops_home.parent
    churn_frame(300).to_csv(project / "good.csv", index=False)
    bad = churn_frame(300, seed=1)
    bad.loc[[4, 8], "tenure"] = 999
    bad.to_csv(project / "bad.csv", index=False)
    (project / "churn.schema.yaml").write_text(churn_schema().to_yaml())
    _testing.write_notebook(
        project / "monitor.ipynb", [MONITOR], 'batch_path = "good.csv"\nschema_path = "churn.schema.yaml"'
    )
    return project


def test_a_failed_expectation_fails_validation_and_says_which(project):
    passed = mlops.validate(project / "monitor.ipynb")
    failed = mlops.validate(project / "monitor.ipynb", {"batch_path": "bad.csv"})
    assert passed.passed
    assert not failed.passed and failed.error == "failed checks: expect.incoming"
    (check,) = failed.checks
    assert check["value"] == "2 failures in 1 column(s): tenure (2)"


def test_a_monitoring_job_on_bad_incoming_data_ends_with_checks_failed(project):
    from mlops_jupyter.jobs.scheduler import Scheduler

    assert mlops.validate(project / "monitor.ipynb").passed
    mlops.schedule(
        project / "monitor.ipynb", None, name="incoming-check", parameters={"batch_path": "bad.csv"}
    )
    scheduler = Scheduler(workers=1, poll=0.2, lease=6.0).start()
    try:
        mlops.run_job("incoming-check")
        deadline = time.monotonic() + 120
        while not (
            ended := [
                f
                for f in mlops.job_history("incoming-check")
                if f.status != "queued" and f.status != "running"
            ]
        ):
            assert time.monotonic() < deadline, "the firing did not end within 120 s"
            time.sleep(0.2)
    finally:
        scheduler.stop()
    (firing,) = ended
    assert firing.status == "checks_failed" and firing.error == "check failed: expect.incoming"
