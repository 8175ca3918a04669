"""mlops.expect with real pandera: failures per column with counts and rows, recorded on the run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput


def by_column_and_check(report):
    return {(f.column, f.check): f for f in report.failures}


def test_valid_data_passes(churn, schema):
    report = mlops.expect(churn, schema)
    assert report.passed and report.failures == []
    assert report.summary == "600 rows meet every expectation"


def test_each_failing_column_and_check_is_listed_with_count_and_rows(churn, schema):
    bad = churn.copy()
    bad.loc[[3, 7], "charges"] = np.nan
    bad.loc[[5, 6, 9], "tenure"] = 500
    bad.loc[10, "customer"] = 11  # now 11 appears twice
    bad = bad.drop(columns=["gender"])
    report = mlops.expect(bad, schema)

    assert not report.passed
    found = by_column_and_check(report)
    assert found[("tenure", "in_range(0, 120)")].count == 3
    assert found[("tenure", "in_range(0, 120)")].rows == [5, 6, 9]
    assert found[("tenure", "in_range(0, 120)")].values == [500, 500, 500]
    assert found[("charges", "not_nullable")].count == 2 and found[("charges", "not_nullable")].rows == [3, 7]
    assert found[("customer", "field_uniqueness")].rows == [10, 11]
    assert found[("gender", "column_in_dataframe")].count == 1
    assert report.summary.startswith("8 failures in 4 column(s)")


def test_wrong_dtypes_are_failures_of_the_column_not_crashes(churn, schema):
    bad = churn.astype({"tenure": str})
    report = mlops.expect(bad, schema)
    assert any(f.column == "tenure" and "dtype" in f.check for f in report.failures)


def test_an_empty_frame_with_the_right_columns_passes(churn, schema):
    report = mlops.expect(churn.iloc[:0], schema)
    assert report.passed and report.rows == 0


def test_a_yaml_schema_file_is_accepted(tmp_path, churn, schema):
    path = tmp_path / "churn.schema.yaml"
    path.write_text(schema.to_yaml())
    bad = churn.copy()
    bad.loc[0, "gender"] = "?"
    report = mlops.expect(bad, path)
    assert [(f.column, f.count, f.values) for f in report.failures] == [("gender", 1, ["?"])]


@pytest.mark.parametrize(
    ("data", "schema_of", "message"),
    [
        ([1, 2], lambda s, p: s, "checks a pandas DataFrame, got list"),
        (pd.Series([1]), lambda s, p: s, "got Series. Use series.to_frame()"),
        (None, lambda s, p: {"x": int}, "expected a pandera schema, got dict"),
        (None, lambda s, p: p / "missing.yaml", "no schema file at"),
        (None, lambda s, p: p / "broken.yaml", "is not a pandera schema"),
    ],
)
def test_bad_arguments_are_named(tmp_path, churn, schema, data, schema_of, message):
    (tmp_path / "broken.yaml").write_text("columns: [this is: not a schema")
    with pytest.raises(BadInput, match=message):
        mlops.expect(churn if data is None else data, schema_of(schema, tmp_path))


@pytest.mark.usefixtures("mlops_home")
def test_in_a_run_the_outcome_is_a_check_and_the_report_an_artifact(client, churn, schema):
    bad = churn.copy()
    bad.loc[[1, 2], "charges"] = -1.0
    with mlops.track(experiment="checks") as run:
        mlops.expect(churn, schema, name="train")
        mlops.expect(bad, schema, name="incoming")
    mlops.flush()

    tags = client.get_run(run.run_id).data.tags
    assert tags["mlops.check.expect.train"] == "passed"
    assert tags["mlops.check.expect.incoming"] == "failed"
    assert tags["mlops.check.expect.incoming.value"] == "2 failures in 1 column(s): charges (2)"
    saved = json.loads(open(client.download_artifacts(run.run_id, "expectations/incoming.json")).read())
    assert saved["failures"] == [
        {
            "column": "charges",
            "check": "greater_than_or_equal_to(0)",
            "count": 2,
            "rows": [1, 2],
            "values": [-1.0, -1.0],
        }
    ]


def test_the_report_renders_the_failures_table(churn, schema):
    bad = churn.copy()
    bad.loc[4, "churned"] = 7
    html = mlops.expect(bad, schema)._repr_html_()
    assert "Expectations churn: failed" in html
    assert "<td>churned</td><td>isin([0, 1])</td><td>1</td><td>4</td><td>7</td>" in html
