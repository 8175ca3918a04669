"""Lineage through a real pipeline, a registered model and a scheduled job's firing:
data -> notebook version -> run -> model version -> jobs, and back from a dataset's fingerprint."""

from __future__ import annotations

import time

import pandas as pd
import pytest

import mlops_jupyter as mlops
from mlops_jupyter import _testing
from mlops_jupyter.cli import main
from mlops_jupyter.errors import BadInput, NotFound

PREPARE = """\
from churn_data import churn_frame
churn_frame(300).to_csv(train_path, index=False)
"""
TRAIN = """\
import pandas as pd
from sklearn.linear_model import LogisticRegression
import mlops_jupyter as mlops
frame = pd.read_csv(train_path)
mlops.dataset(frame, name="churn-train", source="s3://bucket/churn/2026-11.parquet")
model = LogisticRegression().fit(frame[["tenure", "charges"]], frame["churned"])
mlops.log_model(model)
"""
SCORE = """\
import pandas as pd
import mlops_jupyter as mlops
batch = pd.read_csv(data_path)
mlops.dataset(batch, name="scoring-batch", context="scoring")
mlops.log_param("scored_with", model_uri)
"""
PIPELINE = """
steps:
  prepare:
    notebook: prepare.ipynb
    outputs: {train_path: train.csv}
  train:
    notebook: train.ipynb
    inputs: {train_path: prepare.train_path}
"""


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    """A pipeline trains churn v1 (champion); a scheduled job scores with it on the training file."""
    from pathlib import Path

    from mlops_jupyter.jobs.scheduler import Scheduler

    mp = pytest.MonkeyPatch()
    project = tmp_path_factory.mktemp("lineage") / "project"
    project.mkdir()
    mp.chdir(project)
    for key in ("MLOPS_TRACKING_URI", "MLOPS_JOBS_URL", "MLOPS_USER", "MLOPS_JOURNAL", "MLOPS_RUN_ID"):
        mp.delenv(key, raising=False)
    mp.setenv("MLOPS_HOME", str(_testing.fresh_home(project)))
    mp.setenv("PYTHONPATH", f"{Path(__file__).parent}:{Path(__file__).parents[2]}")
    _testing.write_notebook(project / "prepare.ipynb", [PREPARE], 'train_path = "t.csv"')
    _testing.write_notebook(project / "train.ipynb", [TRAIN], 'train_path = "t.csv"')
    (project / "pipeline.yaml").write_text(PIPELINE)
    result = mlops.run(project / "pipeline.yaml", progress=False)
    train_file = result.steps["prepare"].outputs["train_path"]
    assert mlops.validate(project / "train.ipynb", {"train_path": train_file}).passed
    version = mlops.register(result.steps["train"].run_id, "churn")
    mlops.promote("churn", version.version, "champion", reason="first model")

    _testing.write_notebook(
        project / "score.ipynb", [SCORE], f'data_path = "{train_file}"\nmodel_uri = "models:/churn@champion"'
    )
    assert mlops.validate(project / "score.ipynb").passed
    mlops.schedule(
        project / "score.ipynb",
        None,
        name="daily-scoring",
        parameters={"model_uri": "models:/churn@champion"},
    )
    scheduler = Scheduler(workers=1, poll=0.2, lease=6.0).start()
    try:
        mlops.run_job("daily-scoring")
        firing = wait_until(
            lambda: next((f for f in mlops.job_history("daily-scoring") if f.status == "succeeded"), None),
            120,
            "the scoring firing",
        )
    finally:
        scheduler.stop()
    yield {"result": result, "train_file": train_file, "firing": firing, "project": project}
    _testing.reset_state()
    mp.undo()


def test_a_model_version_traces_back_to_its_data_notebook_and_run_and_on_to_its_jobs(traced):
    found = mlops.lineage("churn@champion")
    train_run = traced["result"].steps["train"].run_id

    assert (found["model"], found["version"], found["aliases"]) == ("churn", "1", ["champion"])
    assert found["run"]["id"] == train_run
    assert found["run"]["notebook"].endswith("train.ipynb")
    assert found["run"]["notebook_version"] == mlops.notebook_version(traced["project"] / "train.ipynb")
    data = {d["name"]: d for d in found["datasets"]}
    frame = pd.read_csv(traced["train_file"])
    assert data["churn-train"]["digest"] == mlops.fingerprint(frame)
    assert (data["churn-train"]["context"], data["churn-train"]["rows"]) == ("training", 300)
    assert data["churn-train"]["source"] == "s3://bucket/churn/2026-11.parquet"
    assert data["train_path"]["digest"] == mlops.fingerprint(traced["train_file"])
    assert data["train_path"]["context"] == "input"
    assert [(j["name"], j["relation"], j["last_status"]) for j in found["jobs"]] == [
        ("daily-scoring", ["scores this model"], "succeeded")
    ]
    assert mlops.lineage("churn/1") == found


def test_a_fingerprint_finds_every_run_version_and_job_firing_that_used_the_data(traced):
    steps = traced["result"].steps
    frame_digest = mlops.fingerprint(pd.read_csv(traced["train_file"]))
    found = mlops.dataset_lineage(frame_digest[:10])

    by_run = {r["id"]: r for r in found["runs"]}
    assert set(found["names"]) == {"churn-train", "scoring-batch"}
    assert steps["train"].run_id in by_run
    firing = by_run[traced["firing"].run_id]
    assert firing["job"]["job"] == "daily-scoring" and firing["datasets"][0]["context"] == "scoring"
    # the pipeline's training, its validation, the score notebook's validation, the job's firing
    assert len(found["runs"]) == 4
    assert found["versions"] == [
        {"model": "churn", "version": "1", "aliases": ["champion"], "run_id": steps["train"].run_id}
    ]
    file_uses = mlops.dataset_lineage(mlops.fingerprint(traced["train_file"]))
    assert {r["id"]: r["datasets"][0]["context"] for r in file_uses["runs"]} == {
        steps["prepare"].run_id: "output",
        steps["train"].run_id: "input",
    }


def test_the_cli_prints_both_directions(traced, capsys):
    main(["lineage", "churn@champion"])
    out = capsys.readouterr().out
    assert out.startswith("churn v1 (champion)")
    assert "churn-train" in out and "daily-scoring" in out and "scores this model" in out
    digest = mlops.fingerprint(pd.read_csv(traced["train_file"]))
    main(["lineage", "--dataset", digest])
    out = capsys.readouterr().out
    assert out.startswith(f"data {digest} (churn-train, scoring-batch)")
    assert "daily-scoring (firing" in out and "champion" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["lineage"], 2, "give a model version or --dataset DIGEST"),
        (["lineage", "churn"], 2, "invalid model version reference 'churn'"),
        (["lineage", "churn@nobody"], 3, "model 'churn' has no alias 'nobody'"),
        (["lineage", "churn/9"], 3, "not found"),
        (["lineage", "--dataset", "xyz"], 2, "invalid dataset fingerprint 'xyz'"),
    ],
)
def test_bad_references_get_one_line_and_the_exit_code_of_their_kind(traced, capsys, args, code, message):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_unused_fingerprint_has_no_lineage(traced):
    assert mlops.dataset_lineage("0123456789abcdef")["runs"] == []
    with pytest.raises(BadInput):
        mlops.lineage("")
    with pytest.raises(NotFound):
        mlops.lineage("nomodel@champion")
