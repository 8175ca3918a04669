"""The fairness section of drift monitoring: group shares and fairlearn's gaps on both sides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput


def scored(n: int, share_f: float, unfair: bool, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"usage": rng.normal(size=n), "gender": rng.choice(["f", "m"], n, p=[share_f, 1 - share_f])}
    )
    frame["churned"] = (frame.usage > 0).astype(int)
    frame["predicted"] = frame["churned"]
    if unfair:
        frame.loc[frame.gender == "f", "predicted"] = 0
    return frame


@pytest.fixture(scope="module")
def report():
    reference, current = scored(2000, 0.5, False, 0), scored(2000, 0.2, True, 1)
    return mlops.drift(reference, current, prediction="predicted", target="churned", sensitive="gender")


def test_group_shares_and_gaps_on_both_sides(report):
    section = report.fairness
    shares = {g["group"]: (g["reference_share"], g["current_share"]) for g in section["groups"]}
    assert shares["f"][0] == pytest.approx(0.5, abs=0.03) and shares["f"][1] == pytest.approx(0.2, abs=0.03)
    assert section["max_share_change"] == pytest.approx(abs(shares["f"][1] - shares["f"][0]))
    assert section["reference_gaps"]["demographic_parity_difference"] < 0.05
    assert section["current_gaps"]["equalized_odds_difference"] == pytest.approx(1.0)


def test_the_section_is_logged_as_metrics_shown_and_saved(report):
    metrics = report.metrics()
    assert metrics["drift.fairness.equalized_odds_difference"] == pytest.approx(1.0)
    assert metrics["drift.fairness.max_share_change"] == report.fairness["max_share_change"]
    html = report.to_html()
    assert "Fairness by gender" in html and "data-group='f'" in html
    again = type(report).from_dict(report.to_dict())
    assert again.fairness == report.to_dict()["fairness"]


def test_new_and_vanished_groups_are_named():
    reference = pd.DataFrame({"x": np.arange(100.0), "region": ["a"] * 50 + ["b"] * 50})
    current = pd.DataFrame({"x": np.arange(100.0), "region": ["a"] * 50 + ["c"] * 50})
    section = mlops.drift(reference, current, sensitive="region").fairness
    assert (section["new_groups"], section["gone_groups"]) == (["c"], ["b"])
    assert "reference_gaps" not in section  # no prediction and target: shares only


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sensitive": "age"}, "sensitive column 'age' is not in the reference data"),
        ({"sensitive": "gender", "current": "nan"}, "has 1 missing value(s) in the current data"),
    ],
)
def test_bad_sensitive_columns_are_named(kwargs, message):
    reference = scored(200, 0.5, False, 0)
    current = scored(200, 0.5, False, 1)
    if kwargs.pop("current", None):
        current.loc[0, "gender"] = None
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        mlops.drift(reference, current, **kwargs)


def test_a_profile_reference_cannot_give_a_fairness_section(tmp_path):
    reference = scored(200, 0.5, False, 0)
    path = mlops.drift_profile(reference).save(tmp_path / "ref.npz")
    with pytest.raises(BadInput, match="needs the reference data itself"):
        mlops.drift(path, scored(200, 0.5, False, 1), sensitive="gender")
