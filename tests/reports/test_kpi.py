"""mlops.log_kpi: a metric plus its unit and direction, written for real to MLflow."""

from __future__ import annotations

import pytest

import mlops_jupyter as mlops


def test_a_kpi_is_a_metric_with_its_unit_and_direction(mlops_home, client):
    with mlops.track(experiment="churn", autolog=False) as run:
        mlops.log_kpi("cost_saved_eur", 1.2e6, unit="EUR", higher_is_better=True)
        mlops.log_kpi("churned customers", 412, unit="customers", higher_is_better=False)
    assert mlops.flush(60)
    data = client.get_run(run.run_id).data
    assert data.metrics["cost_saved_eur"] == 1.2e6
    assert data.metrics["churned customers"] == 412
    assert data.tags["mlops.kpi.cost_saved_eur.unit"] == "EUR"
    assert data.tags["mlops.kpi.cost_saved_eur.higher_is_better"] == "true"
    assert data.tags["mlops.kpi.churned customers.higher_is_better"] == "false"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", 1.0), "invalid KPI name"),
        (("saved", "a lot"), "needs a finite number"),
        (("saved", float("nan")), "needs a finite number"),
        (("saved", 1.0, "x" * 41), "invalid unit"),
        (("saved", 1.0, "EUR", "yes"), "higher_is_better must be True or False"),
    ],
)
def test_bad_kpis_are_refused_and_write_nothing(mlops_home, client, args, message):
    with mlops.track(experiment="churn", autolog=False) as run:
        with pytest.raises(mlops.MlopsError, match=message):
            mlops.log_kpi(*args)
    assert mlops.flush(60)
    data = client.get_run(run.run_id).data
    assert not data.metrics
    assert not [t for t in data.tags if t.startswith("mlops.kpi.")]


def test_a_kpi_outside_a_run_says_where_to_log_it(mlops_home):
    with pytest.raises(mlops.MlopsError, match="no active run"):
        mlops.log_kpi("cost_saved_eur", 1.0, unit="EUR")
