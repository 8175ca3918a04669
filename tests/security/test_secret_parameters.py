"""Secret parameters reach the kernel, and are stored and shown as *** everywhere else.

A real kernel runs the notebook; the MLflow store, the output notebook and the returned
result are read back as a user would.
"""

from __future__ import annotations

import json

import nbformat
import pytest

import mlops_jupyter as mlops
from mlops_jupyter import _testing
from mlops_jupyter.errors import BadInput
from mlops_jupyter.masking import is_secret

# The notebook proves it got the real value without ever printing it.
BODY = """\
import hashlib
import mlops_jupyter as mlops
mlops.log_metric("token_ok", float(hashlib.sha256(api_token.encode()).hexdigest() == expected))
mlops.log_metric("password_length", len(db_password))
mlops.log_param("api_token_again", api_token)
"""
PARAMETERS = 'api_token = ""\ndb_password = ""\nexpected = ""\nbatch = 1\n'


def test_secret_parameters_are_used_by_the_kernel_and_stored_as_stars(project, client):
    import hashlib

    path = _testing.write_notebook(project / "secret.ipynb", [BODY], PARAMETERS)
    token, password = "tok-hunter2-XYZ", "pw-correct-horse"

    result = mlops.run(
        path,
        parameters={
            "api_token": token,
            "db_password": password,
            "expected": hashlib.sha256(token.encode()).hexdigest(),
            "batch": 7,
        },
    )

    # The kernel computed with the real values
    assert result.ok, result.error
    run = client.get_run(result.run_id)
    assert run.data.metrics["token_ok"] == 1.0
    assert run.data.metrics["password_length"] == len(password)
    # Nothing the store keeps holds them: params (also one the notebook logged itself) and tags
    assert run.data.params["api_token"] == "***" and run.data.params["db_password"] == "***"
    assert run.data.params["api_token_again"] == "***" and run.data.params["batch"] == "7"
    assert json.loads(run.data.tags["mlops.parameters"])["api_token"] == "***"
    stored = json.dumps([run.data.params, run.data.tags])
    assert token not in stored and password not in stored
    # The output notebook's injected-parameters cell shows *** and the file holds no secret
    output = result.output_path
    text = open(output).read()
    assert token not in text and password not in text
    nb = nbformat.reads(text, as_version=4)
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'api_token = "***"' in injected.source and "batch = 7" in injected.source
    # and the result handed back shows them masked too
    assert result.parameters["api_token"] == "***" and result.parameters["batch"] == 7


def test_a_validation_record_keeps_secret_parameters_as_stars(project):
    cells = ["assert len(db_password) == 5"]
    path = _testing.write_notebook(project / "check.ipynb", cells, 'db_password = ""')

    record = mlops.validate(path, {"db_password": "abcde"})

    assert record.passed, record.error
    assert record.parameters == {"db_password": "***"}
    assert json.loads(mlops.validations()["parameters"].iloc[0]) == {"db_password": "***"}


def test_names_that_look_secret_and_names_that_do_not(project):
    (project / "mlops.toml").write_text('[secrets]\nwords = ["dsn"]\nparameters = ["connection"]\n')
    looks = ["password", "db_password", "apiKey", "openai_api_key", "auth_token", "dbpassword"]
    looks.append("warehouse_dsn")  # a word from [secrets]
    plain = ["max_tokens", "tokenizer", "keyword", "n_estimators", "learning_rate"]
    assert all(is_secret(name) for name in [*looks, "connection"])
    assert not any(is_secret(name) for name in plain)
    assert is_secret("anything", declared=["anything"])


def test_a_secret_that_does_not_fit_its_type_is_refused_without_quoting_it(project):
    path = _testing.write_notebook(project / "pin.ipynb", ["pass"], "api_key = 0\n")

    with pytest.raises(BadInput) as refused:
        mlops.run(path, parameters={"api_key": "sk-live-abc"})

    assert refused.value.message == "parameter 'api_key' of pin.ipynb expects an int, got ***"
    assert "sk-live" not in str(refused.value)


def test_a_sweep_over_a_secret_parameter_stores_its_points_as_stars(project, client):
    cells = ["import mlops_jupyter as mlops\nmlops.log_metric('password_length', len(db_password))"]
    path = _testing.write_notebook(project / "sweep.ipynb", cells, 'db_password = ""\nbatch = 1\n')
    passwords = ["pw-first-horse", "pw-second-battery!"]

    table = mlops.sweep(path, grid={"db_password": passwords, "batch": [3]}, workers=1, progress=False)

    # Each point ran with its real value
    assert sorted(table["password_length"]) == sorted(len(p) for p in passwords)
    parent = client.get_run(table.attrs["parent_run_id"])
    children = [client.get_run(run_id) for run_id in table["run_id"]]
    # The parent's grid and every child's name, params and tags show *** in their place
    assert parent.data.tags["mlops.sweep.keys"] == "db_password,batch"
    assert [c.info.run_name for c in children] == ["db_password=***, batch=3"] * 2
    assert all(c.data.params["db_password"] == "***" for c in children)
    stored = json.dumps([[r.info.run_name, r.data.params, r.data.tags] for r in [parent, *children]])
    assert not any(p in stored for p in passwords)
    assert list(table["db_password"]) == ["***", "***"]
