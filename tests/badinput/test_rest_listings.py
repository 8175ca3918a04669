"""What the API lists must stay strict JSON (no NaN or Infinity), or the sidebar cannot read it."""

from __future__ import annotations

import json

import pytest

import mlops_jupyter as mlops


@pytest.fixture
def jp_root_dir(fresh_project):
    return fresh_project


def strict(body: bytes):
    return json.loads(body, parse_constant=lambda name: pytest.fail(f"{name} in the answer"))


async def test_a_nan_metric_never_breaks_a_run_listing(fresh_project, jp_fetch):
    with mlops.track(experiment="nan", params={"x": float("nan")}) as run:
        mlops.log_metric("auc", float("nan"))
        mlops.log_metric("loss", 0.5)
    mlops.flush()

    listing = strict((await jp_fetch("mlops", "api", "runs")).body)
    detail = strict((await jp_fetch("mlops", "api", "runs", run.run_id)).body)

    assert [r["run_id"] for r in listing["runs"]] == [run.run_id]
    assert (detail["metrics"]["auc"], detail["metrics"]["loss"]) == (None, 0.5)
