"""A model version's data and lineage in the sidebar's model detail, and the data in its run's
detail, in a real JupyterLab: data -> run -> version -> jobs, drawn from what a tracked run, the
registry and the job store hold."""

from __future__ import annotations

import json

import pytest

MODEL = "churn-lineage"


def write_notebook(path, cells) -> None:
    nb = {
        "cells": [
            {
                "id": f"c{i}",
                "cell_type": "code",
                "metadata": {"tags": tags},
                "source": src,
                "outputs": [],
                "execution_count": None,
            }
            for i, (src, tags) in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def traced(lab_server, tracking):
    """v1 trained on a fingerprinted frame; a job that scores with the champion."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    frame = load_breast_cancer(as_frame=True).frame.iloc[:, [0, 1, -1]]
    score = lab_server.project / "score.ipynb"
    write_notebook(
        score, [('model_uri = "models:/x@champion"\n', ["parameters"]), ("import mlops_jupyter\n", [])]
    )
    with tracking() as mlops:
        with mlops.track(
            experiment="lineage", notebook=str(lab_server.project / "train.ipynb"), autolog=False
        ) as run:
            train = mlops.dataset(frame, name="cancer-train", source="s3://bucket/cancer.parquet")
            model = LogisticRegression(max_iter=500).fit(frame.iloc[:, :2], frame["target"])
            mlops.log_model(model, sample=frame.iloc[:3, :2])
        mlops.flush()
        mlops.register(run.run_id, MODEL)
        assert mlops.validate(score).passed
        mlops.schedule(
            score, None, name="cancer-scoring", parameters={"model_uri": f"models:/{MODEL}@champion"}
        )
    return {"run": run.run_id, "digest": train.digest}


@pytest.mark.browser
def test_the_model_detail_draws_data_run_version_and_jobs(open_sidebar, traced):
    from playwright.sync_api import expect

    sidebar = open_sidebar()
    tab = sidebar.get_by_role("tab", name="Models")
    tab.click()
    sidebar.locator(f'.mlops-Model[data-model="{MODEL}"]').click()
    card = sidebar.locator('.mlops-ModelDetail .mlops-Version-card[data-version="1"]')
    panel = card.locator(".mlops-Lineage")
    expect(panel.locator(".mlops-Lineage-graph")).to_have_count(0)  # loaded when opened

    panel.locator("summary").click()

    graph = panel.locator(".mlops-Lineage-graph")
    data = graph.locator('[data-column="data"] .mlops-Lineage-dataset')
    expect(data).to_have_count(1)
    expect(data).to_contain_text("cancer-train")
    expect(data).to_contain_text("training · 569 rows")
    expect(data).to_contain_text(traced["digest"][:12])
    expect(data).to_have_attribute(
        "title", f"cancer-train: fingerprint {traced['digest']}, from s3://bucket/cancer.parquet"
    )
    expect(graph.locator('[data-column="run"]')).to_contain_text(traced["run"][:12])
    expect(graph.locator('[data-column="run"]')).to_contain_text("train.ipynb")
    expect(graph.locator('[data-column="version"]')).to_contain_text("v1")
    job = graph.locator('[data-column="jobs"] .mlops-Lineage-job')
    expect(job).to_contain_text("cancer-scoring")
    expect(job).to_contain_text("scores this model")
    expect(graph.locator(".mlops-Lineage-arrow")).to_have_count(3)

    # The run the version came from shows the same data in its own detail
    card.locator('tr[data-key="Run"] button').click()
    data = sidebar.locator('.mlops-RunDetail tr[data-key="Data"] .mlops-Dataset')
    expect(data).to_have_count(1)
    expect(data).to_have_text(f"cancer-train (training) {traced['digest'][:12]}")
    expect(data).to_have_attribute("data-digest", traced["digest"])
