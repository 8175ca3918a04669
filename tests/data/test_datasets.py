"""mlops.dataset and `%%mlops track --data`: dataset inputs of real runs in a real MLflow store."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput


@pytest.fixture
def churn() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "tenure": rng.integers(1, 72, 400),
            "charges": rng.normal(70, 20, 400),
            "plan": rng.choice(["basic", "pro"], 400, p=[0.7, 0.3]),
        }
    )


def inputs_of(client, run_id):
    return client.get_run(run_id).inputs.dataset_inputs


@pytest.mark.usefixtures("mlops_home")
def test_a_dataset_in_a_run_is_an_mlflow_input_with_digest_schema_profile_and_source(client, churn):
    with mlops.track(experiment="churn") as run:
        train = mlops.dataset(churn, name="churn-train", source="s3://bucket/churn/2026-11.parquet")
    mlops.flush()

    (logged,) = inputs_of(client, run.run_id)
    assert logged.dataset.name == "churn-train"
    assert logged.dataset.digest == train.digest == mlops.fingerprint(churn.copy())
    assert logged.dataset.source_type == "s3"
    assert json.loads(logged.dataset.source) == {"uri": "s3://bucket/churn/2026-11.parquet"}
    schema = json.loads(logged.dataset.schema)["columns"]
    assert [c["name"] for c in schema] == ["tenure", "charges", "plan"]
    profile = json.loads(logged.dataset.profile)
    assert profile["rows"] == 400
    assert profile["columns"]["tenure"]["min"] >= 1 and profile["columns"]["tenure"]["max"] < 72
    assert profile["columns"]["plan"]["top"]["basic"] == (churn["plan"] == "basic").sum()
    assert {t.key: t.value for t in logged.tags} == {"mlflow.data.context": "training"}


@pytest.mark.usefixtures("mlops_home")
def test_outside_a_run_a_dataset_is_described_and_logged_later(client, churn):
    described = mlops.dataset(churn.iloc[:100], name="sample", context="evaluation")
    assert described.rows == 100 and described.source is None
    with pytest.raises(BadInput, match="no active run"):
        described.log()
    with mlops.track(experiment="later") as run:
        described.log()
    mlops.flush()
    (logged,) = inputs_of(client, run.run_id)
    assert logged.dataset.digest == described.digest
    assert logged.tags[0].value == "evaluation"


def test_a_large_frame_is_profiled_on_a_sample_and_says_so():
    frame = pd.DataFrame({"x": np.arange(250_000, dtype=float)})
    described = mlops.dataset(frame, log=False)
    assert described.profile["rows"] == 250_000 and described.profile["sampled_rows"] == 100_000
    assert described.name == f"dataset-{described.digest[:8]}"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"context": "prod"}, "unknown dataset context 'prod'"),
        ({"name": ""}, "invalid dataset name"),
        ({"source": 42}, "source must be a URI or path, got int"),
    ],
)
def test_bad_dataset_arguments_are_named(churn, kwargs, message):
    with pytest.raises(BadInput, match=message):
        mlops.dataset(churn, log=False, **kwargs)


def test_track_data_logs_the_frames_the_cell_reads(shell, client, churn):
    shell.user_ns |= {"train": churn, "test": churn.iloc[:50]}
    result = shell.run_cell("%%mlops track -e churn --data train,test\nrows = len(train) + len(test)")
    mlops.flush()
    assert result.success
    exp = client.get_experiment_by_name("churn")
    (run,) = client.search_runs([exp.experiment_id], "tags.`mlops.kind` = 'cell'")
    logged = {i.dataset.name: i.dataset.digest for i in run.inputs.dataset_inputs}
    assert logged == {"train": mlops.fingerprint(churn), "test": mlops.fingerprint(churn.iloc[:50])}
    found = client.search_runs([exp.experiment_id], f"datasets.digest = '{logged['test']}'")
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_track_data_naming_an_unknown_or_unhashable_variable_runs_nothing(shell, client):
    shell.user_ns["settings"] = {"a": 1}
    for line, message in [("--data nowhere", "'nowhere', which is not defined"), ("--data settings", "dict")]:
        result = shell.run_cell(f"%%mlops track -e bad {line}\nran = True")
        assert message in str(result.error_in_exec) and "the cell was not run" in str(result.error_in_exec)
    assert "ran" not in shell.user_ns
    assert client.get_experiment_by_name("bad") is None


def test_odd_frames_are_described_not_refused():
    mixed = pd.DataFrame({"code": [1, "a", 2.5, None], "x": [1.0, np.nan, np.nan, 4.0]})
    described = mlops.dataset(mixed, log=False)
    assert described.profile["columns"]["code"]["kind"] == "mixed"
    assert "mixes value types" in described.profile["columns"]["code"]["note"]
    assert described.profile["columns"]["x"]["missing"] == 2
    empty = mlops.dataset(mixed.iloc[:0], log=False)
    assert empty.rows == 0 and empty.digest != described.digest


def test_without_the_data_extra_each_feature_names_it(tmp_path):
    import os
    import subprocess
    import sys

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import importlib.abc, sys\n"
        "class Blocked(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('xxhash', 'pandera', 'fairlearn'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Blocked())\n"
    )
    code = (
        "import pandas as pd, mlops_jupyter as mlops\n"
        "df = pd.DataFrame({'a': [1, 0], 'g': ['x', 'y']})\n"
        "for call in (lambda: mlops.fingerprint(df), lambda: mlops.expect(df, 'schema.yaml'),\n"
        "             lambda: mlops.fairness(y=df.a, y_pred=df.a, sensitive=df.g)):\n"
        "    try:\n"
        "        call()\n"
        "    except mlops.MlopsError as exc:\n"
        "        print(exc.message, '|', exc.detail)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 3, out.stderr
    for line, feature in zip(
        lines, ("dataset fingerprints", "data expectations", "fairness reports"), strict=True
    ):
        assert line.startswith(f"{feature} needs the optional dependency")
        assert line.endswith('Install it with: pip install "mlops-jupyter[data]"')
