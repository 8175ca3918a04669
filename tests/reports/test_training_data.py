"""The summary names the data the shown version was trained on, read with its run, escaped in HTML."""

from __future__ import annotations

import html

import mlops_jupyter as mlops
from mlops_jupyter.reports import sections as S


def test_the_summary_shows_the_dataset_the_versions_run_logged(reported, store_module):
    store = store_module
    report = mlops.model_report("churn@champion")
    (data,) = report.summary.data
    assert (data.name, data.context, data.rows) == (
        store.TRAINING["name"],
        "training",
        store.TRAINING["rows"],
    )
    assert data.source == store.TRAINING["source"] and len(data.digest) > 12
    page = report.to_html()
    assert html.escape(store.TRAINING["name"]) in page and store.TRAINING["name"] not in page
    assert html.escape(store.TRAINING["source"]) in page and store.TRAINING["source"] not in page
    assert f">{data.digest[:12]}</code>" in page and ">569<" in page


def test_a_version_whose_run_logged_no_dataset_says_not_available(reported):
    report = mlops.model_report("quiet@champion")
    data = report.summary.data
    assert isinstance(data, S.Unavailable)
    assert data.reason == f"no dataset logged for run {report.summary.run_id}"
    assert f"not available: no dataset logged for run {report.summary.run_id}" in report.to_html()
