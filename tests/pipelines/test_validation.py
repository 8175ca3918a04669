"""Validation: a fresh-kernel run whose verdict, checks and notebook snapshot are recorded facts."""

import json

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.cli import main
from mlops_jupyter.errors import BadInput, Forbidden
from mlops_jupyter.governance import audit
from mlops_jupyter.governance.validations import latest, list_validations
from mlops_jupyter.pipelines.validation import materialize
from mlops_jupyter.tracking.notebook import file_version

BODY = (
    "import mlops_jupyter as mlops\nauc = 0.8 + quality / 10\nmlops.log_metric('auc', auc)\n"
    "mlops.check('auc_sane', 0 <= auc <= 1, value=round(auc, 3))"
)


@pytest.fixture
def model_notebook(notebook):
    return notebook("model.ipynb", [BODY], "quality = 1.5")


def test_a_passing_validation_is_recorded_with_checks_audit_and_a_snapshot(
    model_notebook, client, project, capsys
):
    version = file_version(model_notebook)
    main_args = ["validate", "model.ipynb", "-p", "quality", "1.5", "--require", "auc>=0.9"]
    main(main_args)  # returns normally: exit code 0

    out = capsys.readouterr().out
    assert "PASSED" in out and f"model.ipynb@{version[:12]}" in out
    assert "require.auc.ge (0.95 >= 0.9)" in out and "auc_sane (0.95)" in out
    (v,) = list_validations("model.ipynb")
    assert v.passed and v.version == version and v.parameters == {"quality": 1.5}
    assert {c["name"]: (c["passed"], c["source"]) for c in v.checks} == {
        "auc_sane": (True, "notebook"),
        "require.auc.ge": (True, "require"),
    }
    run = client.get_run(v.run_id)
    assert run.data.tags["mlops.validation"] == "passed" and run.info.status == "FINISHED"
    (entry,) = audit.entries(action="validate")
    assert entry["target"] == f"notebook:model.ipynb@{version[:12]}"
    assert entry["after"]["passed"] is True and entry["after"]["run_id"] == v.run_id

    # Editing the notebook afterwards changes neither the record nor its snapshot.
    nb = json.loads(model_notebook.read_text())
    nb["cells"][-1]["source"] = "raise SystemExit('edited')"
    model_notebook.write_text(json.dumps(nb))
    snapshot = materialize(v.id, project / "job")
    assert snapshot.name == "model.ipynb"
    assert file_version(snapshot) == version != file_version(model_notebook)
    assert latest("model.ipynb", version[:12]).id == v.id
    assert latest("model.ipynb", file_version(model_notebook)) is None


def test_a_failed_check_or_threshold_fails_validation_and_exits_nonzero(model_notebook, capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", "model.ipynb", "-p", "quality", "5"])  # auc = 1.3: the notebook's check fails
    assert info.value.code == 1
    assert "did not pass validation: failed checks: auc_sane" in capsys.readouterr().err

    v = mlops.validate("model.ipynb", {"quality": 0.5}, require=["auc>=0.9"])
    assert not v.passed and v.error == "requirement auc>=0.9 not met: 0.85 >= 0.9"
    assert {c["name"]: c["passed"] for c in v.checks} == {"auc_sane": True, "require.auc.ge": False}
    assert [x.passed for x in list_validations("model.ipynb")] == [False, False]
    assert latest("model.ipynb") is None


def test_a_failing_cell_fails_validation_and_the_listing_shows_it(notebook, capsys):
    notebook("broken.ipynb", ["1 / 0"], "x = 1")
    with pytest.raises(SystemExit):
        main(["validate", "broken.ipynb"])
    capsys.readouterr()
    main(["validations"])
    out = capsys.readouterr().out
    assert "broken.ipynb@" in out and "FAILED" in out and "raised ZeroDivisionError" in out
    frame = mlops.validations("broken.ipynb")
    assert list(frame["passed"]) == [False]


def test_bad_input_and_a_viewer_are_refused_before_running(model_notebook, project, client, monkeypatch):
    with pytest.raises(BadInput, match="cannot read the requirement"):
        mlops.validate(model_notebook, require=["auc => 0.9"])
    (project / "mlops.toml").write_text('[roles]\ndefault = "viewer"\n')
    monkeypatch.setenv("MLOPS_USER", "vera")
    with pytest.raises(Forbidden):
        mlops.validate(model_notebook)
    assert list_validations() == []
    assert client.search_runs([e.experiment_id for e in client.search_experiments()]) == []
