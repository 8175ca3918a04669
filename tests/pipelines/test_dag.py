"""pipeline.yaml DAGs: outputs passed downstream, parallel branches, failures, --resume, bad specs."""

import json
import shutil
from datetime import datetime

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.cli import main
from mlops_jupyter.errors import BadInput, NotFound

from .conftest import REPO, all_runs, runs_of

WRITE = "import pathlib, time\ntime.sleep(pause)\npathlib.Path(out_path).write_text(text)"
READ = (
    "import pathlib\nimport mlops_jupyter as mlops\ntext = pathlib.Path(in_path).read_text()\n"
    "mlops.log_metric('length', len(text))\nif fail: raise RuntimeError('step failed on purpose')"
)
PIPELINE = """
name: toy
steps:
  source:
    notebook: write.ipynb
    parameters: {text: hello}
    outputs: {out_path: source.txt}
  left:
    notebook: read.ipynb
    inputs: {in_path: source.out_path}
    parameters: {pause: 1.5}
  right:
    notebook: read.ipynb
    inputs: {in_path: source.out_path}
    parameters: {pause: 1.5}
  final:
    notebook: read.ipynb
    depends_on: [left, right]
    inputs: {in_path: source.out_path}
"""


@pytest.fixture
def toy(notebook, project):
    notebook("write.ipynb", [WRITE], 'text = "x"\npause = 0.0\nout_path = "out.txt"')
    notebook(
        "read.ipynb",
        ["import time\ntime.sleep(pause)", READ],
        'in_path = "in.txt"\nfail = False\npause = 0.0',
    )
    (project / "pipeline.yaml").write_text(PIPELINE)
    return project / "pipeline.yaml"


def _times(result, step):
    meta = json.loads(open(result.steps[step].output_path).read())["metadata"]["papermill"]
    return datetime.fromisoformat(meta["start_time"]), datetime.fromisoformat(meta["end_time"])


def test_steps_get_upstream_outputs_as_paths_and_independent_steps_run_in_parallel(toy, client):
    result = mlops.run(toy, workers=2, progress=False)

    assert result.ok and list(result.steps) == ["source", "left", "right", "final"]
    source_out = result.steps["source"].outputs["out_path"]
    assert open(source_out).read() == "hello"
    assert all(result.steps[s].metrics == {"length": 5.0} for s in ("left", "right", "final"))
    assert client.get_run(result.steps["left"].run_id).data.params["in_path"] == source_out
    left, right = _times(result, "left"), _times(result, "right")
    assert left[0] < right[1] and right[0] < left[1], "left and right should overlap"
    assert _times(result, "final")[0] >= max(left[1], right[1])
    parent = client.get_run(result.parent_run_id)
    assert parent.data.tags["mlops.kind"] == "pipeline-dag" and parent.info.status == "FINISHED"
    children = runs_of(client, filter_string=f"tags.`mlflow.parentRunId` = '{result.parent_run_id}'")
    assert sorted(r.data.tags["mlops.pipeline.step"] for r in children) == [
        "final",
        "left",
        "right",
        "source",
    ]
    # The declared output is kept as an artifact of the step that wrote it.
    assert [a.path for a in client.list_artifacts(result.steps["source"].run_id, "outputs/out_path")] == [
        "outputs/out_path/source.txt"
    ]


def test_a_failing_step_stops_only_its_dependents_and_resume_reruns_only_what_changed(
    toy, project, client, capsys
):
    with pytest.raises(SystemExit) as info:
        main(["run", str(toy), "-p", "left.fail", "true", "-p", "left.pause", "0", "-p", "right.pause", "0"])
    assert info.value.code == 1
    out, err = capsys.readouterr()
    assert "step left failed: cell 3" in err and "raised RuntimeError: step failed on purpose" in err
    assert "not run: final" in err
    rows = {
        line.split()[0]: line.split()[1]
        for line in out.splitlines()
        if line and not line.startswith((" ", "pipeline run"))  # indented lines are the errors
    }
    assert rows == {"source": "FINISHED", "left": "FAILED", "right": "FINISHED", "final": "UPSTREAM_FAILED"}
    failed_run = next(r for r in runs_of(client) if r.data.tags.get("mlops.pipeline.step") == "left")
    assert failed_run.info.status == "FAILED" and failed_run.data.tags["mlops.output"]

    # Fixed: with --resume the successes stand, the failed step and its dependent run.
    again = mlops.run(toy, {"left.pause": 0, "right.pause": 0}, resume=True, progress=False)
    assert again.ok and set(again.reused) == {"source", "right"}
    assert (
        again.steps["source"].run_id
        == [r for r in runs_of(client) if r.data.tags.get("mlops.pipeline.step") == "source"][-1].info.run_id
    )

    # Nothing changed: everything is reused and no new step run is made.
    before = len(runs_of(client))
    third = mlops.run(toy, {"left.pause": 0, "right.pause": 0}, resume=True, progress=False)
    assert set(third.reused) == {"source", "left", "right", "final"}
    assert len(runs_of(client)) == before + 1  # only the pipeline's own run

    # A new parameter upstream changes the output's content: everything downstream re-runs.
    fourth = mlops.run(
        toy, {"source.text": "hello world", "left.pause": 0, "right.pause": 0}, resume=True, progress=False
    )
    assert fourth.reused == {}
    assert fourth.steps["final"].metrics == {"length": 11.0}

    # An edit to one notebook re-runs the steps that use it, not the others.
    shutil.copy(project / "read.ipynb", project / "read-copy.ipynb")
    nb = json.loads((project / "read.ipynb").read_text())
    nb["cells"][-1]["source"] += "\nmlops.log_metric('edited', 1)"
    (project / "read.ipynb").write_text(json.dumps(nb))
    fifth = mlops.run(
        toy, {"source.text": "hello world", "left.pause": 0, "right.pause": 0}, resume=True, progress=False
    )
    assert set(fifth.reused) == {"source"}
    assert fifth.steps["final"].metrics == {"length": 11.0, "edited": 1.0}


def test_the_example_pipeline_runs(project, client):
    for name in ("pipeline.yaml", "prepare.ipynb", "profile.ipynb", "train.ipynb", "evaluate.ipynb"):
        shutil.copy(REPO / "notebooks" / name, project / name)
    result = mlops.run(project / "pipeline.yaml", progress=False)
    assert result.ok, result.rows()
    assert result.steps["train"].metrics["auc"] > 0.9
    assert result.steps["train"].checks["require.auc.ge"] is True
    assert result.steps["evaluate"].metrics["full_auc"] > 0.9
    assert client.get_experiment_by_name("breast-cancer") is not None


@pytest.mark.parametrize(
    "spec, error, message",
    [
        (
            "steps:\n  a: {notebook: read.ipynb, depends_on: [b]}\n"
            "  b: {notebook: read.ipynb, depends_on: [a]}\n",
            BadInput,
            "the steps form a cycle: a -> b -> a",
        ),
        ("steps:\n  a: {notebook: nowhere.ipynb}\n", NotFound, "step 'a': notebook not found"),
        ("steps:\n  a: {notebook: read.ipynb, dependz: [b]}\n", BadInput, "unknown key 'steps.a.dependz'"),
        ("stepz: {}\n", BadInput, "unknown key 'stepz'"),
        (
            "steps:\n  a: {notebook: read.ipynb, inputs: {in_path: b.out}}\n",
            BadInput,
            "names no step's output",
        ),
        (
            "steps:\n  a: {notebook: read.ipynb, parameters: {depth: 3}}\n",
            BadInput,
            "has no parameter 'depth'",
        ),
        ("steps:\n  a: {notebook: read.ipynb, depends_on: [zz]}\n", BadInput, "depends on unknown step 'zz'"),
        (
            "steps:\n  a: {notebook: read.ipynb, require: ['auc ~ 3']}\n",
            BadInput,
            "cannot read the requirement",
        ),
        ("steps: [1, 2\n", BadInput, "is not valid YAML"),
    ],
)
def test_a_bad_pipeline_is_refused_before_anything_runs(toy, project, client, spec, error, message):
    (project / "bad.yaml").write_text(spec)
    with pytest.raises(error) as info:
        mlops.run(project / "bad.yaml")
    assert message in str(info.value)
    assert all_runs(client) == []
