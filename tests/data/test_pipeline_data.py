"""pipeline.yaml `expects:` and `fairness:` gate a real pipeline; declared files become dataset inputs."""

from __future__ import annotations

import pytest
from churn_data import churn_schema

import mlops_jupyter as mlops
from mlops_jupyter import _testing
from mlops_jupyter.errors import BadInput

SCORE = """\
import numpy as np, pandas as pd
rng = np.random.default_rng(0)
n = 400
frame = pd.DataFrame({"customer": np.arange(n), "tenure": rng.integers(1, 72, n),
                      "charges": rng.uniform(10, 120, n).round(2), "gender": rng.choice(["f", "m"], n)})
frame["churned"] = (frame.charges > 70).astype(int)
frame["predicted"] = frame["churned"]
if biased:
    frame.loc[frame.gender == "f", "predicted"] = 0
if broken:
    frame.loc[[2, 3], "charges"] = -5.0
frame.to_csv(scores_path, index=False)
"""
REPORT = """\
import pandas as pd
import pandera.pandas as pa
import mlops_jupyter as mlops
scores = pd.read_csv(scores_path)
mlops.log_metric("rows", len(scores))
mlops.expect(scores, pa.DataFrameSchema({"tenure": pa.Column(int, pa.Check.le(max_tenure))}), name="tenure")
"""
PIPELINE = """
steps:
  score:
    notebook: score.ipynb
    outputs: {scores_path: scores.csv}
    expects: {scores_path: churn.schema.yaml}
    fairness: {data: scores_path, sensitive: gender, label: churned, prediction: predicted, max_gap: 0.2}
  report:
    notebook: report.ipynb
    inputs: {scores_path: score.scores_path}
"""


@pytest.fixture
def pipeline(mlops_home):
    project = mlops_home.parent
    _testing.write_notebook(
        project / "score.ipynb", [SCORE], 'biased = False\nbroken = False\nscores_path = "s.csv"'
    )
    _testing.write_notebook(project / "report.ipynb", [REPORT], 'scores_path = "s.csv"\nmax_tenure = 100')
    (project / "churn.schema.yaml").write_text(churn_schema().to_yaml())
    (project / "pipeline.yaml").write_text(PIPELINE)
    return project / "pipeline.yaml"


def test_good_data_passes_the_gates_and_every_declared_file_is_a_dataset_input(pipeline, client):
    result = mlops.run(pipeline, progress=False)
    assert result.ok, result.rows()

    score = client.get_run(result.steps["score"].run_id)
    report = client.get_run(result.steps["report"].run_id)
    assert score.data.tags["mlops.check.expect.scores_path"] == "passed"
    assert score.data.tags["mlops.check.fairness.demographic_parity_difference"] == "passed"
    assert score.data.metrics["fairness.demographic_parity_difference"] < 0.2
    written = result.steps["score"].outputs["scores_path"]
    (output,) = score.inputs.dataset_inputs
    (read,) = report.inputs.dataset_inputs
    assert output.dataset.digest == read.dataset.digest == mlops.fingerprint(written)
    assert (output.tags[0].value, read.tags[0].value) == ("output", "input")
    assert read.dataset.name == "scores_path"


def test_data_failing_its_schema_or_fairness_fails_the_step_and_stops_what_follows(pipeline, client):
    broken = mlops.run(pipeline, parameters={"score.broken": True}, progress=False, raise_on_error=False)
    biased = mlops.run(pipeline, parameters={"score.biased": True}, progress=False, raise_on_error=False)

    assert broken.steps["score"].status == "FAILED" and broken.steps["report"].run_id is None
    assert broken.steps["score"].error["message"] == (
        "expectations on scores_path failed: 2 failures in 1 column(s): charges (2)"
    )
    assert biased.steps["score"].status == "FAILED"
    assert (
        biased.steps["score"]
        .error["message"]
        .startswith("fairness gate demographic_parity_difference not met")
    )
    run = client.get_run(biased.steps["score"].run_id)
    assert run.info.status == "FAILED"
    assert run.data.tags["mlops.check.fairness.demographic_parity_difference"] == "failed"
    assert run.data.tags["mlops.check.expect.scores_path"] == "passed"


def test_a_notebooks_own_failed_expectation_fails_its_pipeline_step(pipeline, client):
    result = mlops.run(pipeline, parameters={"report.max_tenure": 10}, progress=False, raise_on_error=False)
    report = result.steps["report"]
    assert result.steps["score"].ok and report.status == "FAILED"
    assert report.error["message"].startswith("check expect.tenure failed: ")
    assert client.get_run(report.run_id).data.tags["mlops.check.expect.tenure"] == "failed"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "expects: {scores_path:",
            "expects: {nowhere:",
            "step 'score' expects: 'nowhere' is no input or output",
        ),
        ("churn.schema.yaml", "missing.yaml", "step 'score' expects: no schema file 'missing.yaml'"),
        ("max_gap: 0.2}", "max_gap: 0.2, metrics: [fairest]}", "unknown fairness metric 'fairest'"),
        ("data: scores_path,", "data: elsewhere,", "fairness.data 'elsewhere' is no input or output"),
        ("max_gap: 0.2}", "max_gap: -1}", "max_gap: Input should be greater than or equal to 0"),
    ],
)
def test_a_bad_data_gate_is_refused_before_anything_runs(pipeline, client, old, new, message):
    pipeline.write_text(PIPELINE.replace(old, new))
    with pytest.raises(BadInput) as refused:
        mlops.run(pipeline, progress=False)
    assert message in str(refused.value)
    assert client.search_experiments(filter_string="name != 'Default'") == []
