"""A saved explanation.json / report.json is data: markup in its fields never reaches a page as markup.

Real results are made, saved, edited as someone with write access to the artifacts could, loaded
back and rendered as the HTML page and as the widgets' HTML.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import mlops_jupyter as mlops
from mlops_jupyter.explain.result import Explanation
from mlops_jupyter.monitoring.report import DriftReport

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(2)</script>"


class Tags(HTMLParser):
    """The elements a browser would build, and the text of each script."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def assert_inert(page: str) -> None:
    found = Tags(page)
    assert "img" not in found.tags
    assert not any(script.strip().startswith("alert") for script in found.scripts)


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({IMG: rng.normal(0, 1, 300), SCRIPT: rng.choice(["a", "b"], 300)})
    cur = pd.DataFrame({IMG: rng.normal(1, 1, 300), SCRIPT: rng.choice(["a", "b", "c"], 300)})
    return ref, cur


def test_a_drift_report_with_markup_in_every_text_field_renders_inert(frames, tmp_path):
    # Given a saved drift report whose text fields were edited to hold markup
    report = mlops.drift(*frames)
    data = json.loads(report.to_json())
    for column in data["columns"]:
        column.update(test=IMG, role=SCRIPT, reason=IMG)
    data["columns"][0]["kind"] = IMG  # the numeric column: still drawn as a histogram
    data["columns"][0]["drifted"] = None
    data["columns"][1]["role"] = "target"
    (tmp_path / "report.json").write_text(json.dumps(data))

    # When it is loaded back and rendered
    loaded = DriftReport.load(tmp_path / "report.json")

    # Then the page and the widget's verdict and table hold the text, escaped
    assert_inert(loaded.to_html())
    widget = loaded.widget()
    for html in (widget.verdict.value, widget.table.value):
        assert_inert(html)
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_an_explanation_with_markup_in_its_names_renders_inert(tmp_path):
    from sklearn.linear_model import LogisticRegression

    # Given a real explanation, saved, then edited
    rng = np.random.default_rng(1)
    X = pd.DataFrame({IMG: rng.normal(size=120), SCRIPT: rng.normal(size=120)})
    y = (X[IMG] + X[SCRIPT] > 0).astype(int)
    exp = mlops.explain(LogisticRegression().fit(X, y), X, max_rows=60)
    data = exp.to_dict()
    data.update(explainer=IMG, output=SCRIPT, model=IMG, classes=[IMG] * len(data["classes"]))
    (tmp_path / "explanation.json").write_text(json.dumps(data))

    # When it is loaded back and rendered
    loaded = Explanation.load(tmp_path / "explanation.json")

    # Then neither the page nor the widget's header carries live markup
    assert_inert(loaded.to_html())
    header = loaded.widget().header.value
    assert_inert(header)
    assert "&lt;img src=x onerror=alert(1)&gt;" in header
