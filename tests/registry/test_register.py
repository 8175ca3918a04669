"""Registering a run's model: linked to its run, notebook version and commit; audited; role-checked."""

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput, Forbidden, NotFound
from mlops_jupyter.governance import audit


def test_registering_links_the_version_to_its_run_notebook_and_commit(registry, client):
    v = mlops.register(registry.runs["strong"], name="churn", description="ten features")

    mv = client.get_model_version("churn", v.version)
    assert mv.run_id == registry.runs["strong"]
    assert mv.source.startswith("models:/m-")  # the run's MLflow 3 logged model
    assert mv.tags["mlops.notebook.version"] == registry.notebook_versions["A"]
    assert mv.tags["mlops.notebook.path"] == "train.ipynb"
    assert len(mv.tags["mlops.git.commit"]) == 40
    assert mv.description == "ten features"
    assert v.metrics["auc"] == pytest.approx(registry.auc["strong"])
    assert v.params == {"features": "10"}
    assert v.validated is True
    # The model loads back from the registry.
    import mlflow.pyfunc

    mlflow.set_tracking_uri(client.tracking_uri)
    mlflow.set_registry_uri(client._registry_uri)
    loaded = mlflow.pyfunc.load_model(f"models:/churn/{v.version}")
    assert loaded.metadata.run_id == registry.runs["strong"]
    (entry,) = audit.entries(model="churn")
    assert entry["action"] == "register" and entry["after"]["version"] == v.version
    assert entry["after"]["run_id"] == registry.runs["strong"]


def test_versions_number_up_and_list_newest_first(registry):
    for label in ("weak", "mid", "strong"):
        mlops.register(registry.runs[label], name="churn")
    detail = mlops.model("churn")
    assert [v.version for v in detail.versions] == ["3", "2", "1"]
    assert [m.name for m in mlops.models().models] == ["churn"]
    assert mlops.models().models[0].latest_version == "3"


def test_a_run_without_a_model_is_refused_and_nothing_is_written(registry, client):
    with pytest.raises(BadInput) as err:
        mlops.register(registry.runs["no_model"], name="churn")
    assert "no model named 'model'" in err.value.message and "log_model" in err.value.detail
    assert client.search_registered_models() == []
    assert audit.entries() == []


def test_unknown_runs_and_bad_names_are_refused(registry):
    with pytest.raises(NotFound):
        mlops.register("0" * 32, name="churn")
    with pytest.raises(BadInput):
        mlops.register(registry.runs["strong"], name="a/b")
    with pytest.raises(BadInput):
        mlops.register("not a run id!", name="churn")


def test_viewers_cannot_register(registry, team, monkeypatch, client):
    monkeypatch.setenv("MLOPS_USER", "carol")
    with pytest.raises(Forbidden) as err:
        mlops.register(registry.runs["strong"], name="churn")
    assert err.value.message == "carol is a viewer: register needs the developer role or higher"
    assert client.search_registered_models() == []
    monkeypatch.setenv("MLOPS_USER", "bob")
    assert mlops.register(registry.runs["strong"], name="churn").registered_by == "bob"
    assert audit.entries()[-1]["role"] == "developer"


def test_register_and_models_magics_in_a_real_shell(registry, shell):
    shell.run_line_magic("mlops", f"register {registry.runs['mid']} --name churn")
    table = shell.run_line_magic("mlops", "models")
    assert "churn" in repr(table) and "<table" in table._repr_html_()
    versions = shell.run_line_magic("mlops", "models churn")
    assert "v1" in repr(versions) and "auc" in repr(versions)
    card = shell.run_line_magic("mlops", "card churn 1")
    assert "<h1>Model card: churn v1</h1>" in card._repr_html_()
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="no model named"):
        shell.run_line_magic("mlops", f"register {registry.runs['no_model']} --name churn")
    with pytest.raises(UsageError, match="--name"):
        shell.run_line_magic("mlops", f"register {registry.runs['mid']}")
