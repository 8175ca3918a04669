"""Model cards: lineage, metrics against the champion, validation, SHAP, drift and history."""

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.cli import main


@pytest.fixture
def promoted(registry):
    mlops.register(registry.runs["mid"], name="churn", description="three features")
    mlops.register(registry.runs["strong"], name="churn", description="ten features")
    mlops.promote("churn", 1, to="champion", reason="baseline")
    return registry


def test_the_card_says_where_a_version_came_from_and_how_it_compares(promoted):
    card = mlops.model_card("churn", 2)
    md = card.markdown()
    assert md.startswith("# Model card: churn v2\n")
    assert "This version: ten features" in md
    assert f"| run | {promoted.runs['strong']} |" in md
    assert f"| notebook version | {promoted.notebook_versions['A']} |" in md
    assert "| mlops.data.fingerprint | sha256:load_breast_cancer:test-split-0 |" in md
    assert "| features | 10 |" in md
    auc_row = next(line for line in md.splitlines() if line.startswith("| auc |"))
    delta = promoted.auc["strong"] - promoted.auc["mid"]
    assert f"| {promoted.auc['strong']:.6g} | {promoted.auc['mid']:.6g} | {delta:+.4g} |" in auc_row
    assert "## Metrics against champion" in md and "champion (v1)" in md
    assert "Validated: notebook version" in md and "validated by ci" in md
    shap_rows = md.split("## Top features (SHAP)")[1].split("##")[0]
    assert shap_rows.count("\n| mean_") == 10
    assert "drift.share_of_drifted_features" in md and "drift/baseline.json" in md
    assert "| register |" in md and card.facts["validated"] is True


def test_the_card_records_promotions_of_this_version(promoted):
    mlops.promote("churn", 2, to="champion", reason="beats v1")
    card = mlops.model_card("churn")  # the champion's card by default
    assert card.version == "2"
    assert [e["action"] for e in card.facts["history"]] == ["register", "promote"]
    assert "| promote | champion | v1 → v2 | root (admin) | beats v1 |" in card.markdown().replace(
        "root", "root"
    )


def test_html_is_escaped_and_written_by_the_cli(promoted, tmp_path, capsys, client):
    client.update_registered_model("churn", description="<script>alert(1)</script> churn")
    out = tmp_path / "card.html"
    main(["card", "churn", "2", "--html", str(out)])
    page = out.read_text()
    assert page.startswith("<!doctype html>") and "&lt;script&gt;" in page and "<script>" not in page
    main(["card", "churn", "1"])
    assert "# Model card: churn v1" in capsys.readouterr().out


def test_a_version_not_made_from_a_validated_notebook_says_so(registry):
    mlops.register(registry.runs["never_validated"], name="churn")
    md = mlops.model_card("churn", 1).markdown()
    assert "Not validated: notebook version" in md and "No version holds 'champion' yet." in md
