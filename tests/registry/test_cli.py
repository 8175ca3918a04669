"""The registry from the `mlops` command: output people read and exit codes scripts check."""

import pytest

from mlops_jupyter.cli import main


def run(capsys, *argv, code=None):
    if code is None:
        main(list(argv))
    else:
        with pytest.raises(SystemExit) as exit_:
            main(list(argv))
        assert exit_.value.code == code
    return capsys.readouterr()


def registry_acc(registry) -> str:
    from mlops_jupyter.registry.mlflow_client import run

    return f"{run(registry.runs['strong']).data.metrics['accuracy']:.4g}"


def test_register_promote_refuse_and_roll_back(registry, capsys):
    out = run(capsys, "register", registry.runs["mid"], "--name", "churn").out
    assert out == f"registered churn v1 from run {registry.runs['mid']}\n"
    run(capsys, "register", registry.runs["weak"], "--name", "churn")
    run(capsys, "register", registry.runs["strong"], "--name", "churn")

    out = run(
        capsys, "promote", "churn", "1", "--to", "champion", "--require", "auc>=champion", "--reason", "first"
    ).out
    assert "ok  validated" in out and "promoted churn@champion: no version -> v1" in out

    err = run(capsys, "promote", "churn", "2", "--to", "champion", code=5).err
    assert "error: promotion of churn v2 to 'champion' refused: rule auc>=champion failed" in err

    run(capsys, "promote", "churn", "3", "--to", "champion", "--reason", "beats v1 on Q3 data")
    out = run(capsys, "models").out
    assert (
        "churn" in out
        and f"champion=v3 (accuracy {registry_acc(registry)}, auc {registry.auc['strong']:.4g})" in out
    )
    out = run(capsys, "models", "churn").out
    assert "rules: champion: auc>=champion" in out and "v3       champion" in out

    assert (
        "rolled back churn@champion: v3 -> v1" in run(capsys, "rollback", "churn", "--reason", "latency").out
    )
    err = run(capsys, "promote", "churn", "2", "--to", "v2", code=2).err
    assert "reserved by MLflow" in err


def test_rules_are_shown_added_and_removed(registry, capsys):
    run(capsys, "register", registry.runs["mid"], "--name", "churn")
    assert "no metric rules" in run(capsys, "rules", "churn").out
    out = run(capsys, "rules", "churn", "--add", "auc >= 0.9", "--add", "accuracy>=champion-0.01").out
    assert "churn@champion: auc>=0.9, accuracy>=champion-0.01" in out
    out = run(capsys, "rules", "churn", "--remove", "auc>=0.9").out
    assert "churn@champion: accuracy>=champion-0.01" in out
    assert "invalid rule" in run(capsys, "rules", "churn", "--add", "auc ~ 1", code=2).err
    assert "not found" in run(capsys, "rules", "nope", code=3).err


def test_roles_are_enforced_on_the_command_line(registry, team, monkeypatch, capsys):
    monkeypatch.setenv("MLOPS_USER", "carol")
    err = run(capsys, "register", registry.runs["mid"], "--name", "churn", code=4).err
    assert "carol is a viewer: register needs the developer role" in err
    monkeypatch.setenv("MLOPS_USER", "bob")
    run(capsys, "register", registry.runs["mid"], "--name", "churn")
    monkeypatch.setenv("MLOPS_USER", "alice")
    run(capsys, "rules", "churn", "--add", "auc>=0.9")
    err = run(capsys, "rules", "churn", "--remove", "auc>=0.9", code=4).err
    assert "alice is an approver: remove rule needs the admin role" in err
