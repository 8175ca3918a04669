"""The report's data, gathered from a real registry, runs, jobs and audit log."""

from __future__ import annotations

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.reports import sections as S


def test_the_champion_report_answers_every_section(reported):
    report = mlops.model_report("churn@champion")
    s = report.summary
    assert (s.model, s.alias, s.version) == ("churn", "champion", "3")
    assert s.promoted_by == "root" and s.reason == "better AUC on the test split"
    assert s.validated is True and s.notebook_path == "train.ipynb"
    assert s.last_verdict == "drift detected: 50% of the input columns drifted"

    q = report.quality
    assert [p.version for p in q.points] == ["1", "2", "3"]
    assert q.points[0].held == ["champion"] and q.points[2].held == ["champion"]
    assert "auc" in q.metrics and q.points[2].metrics["auc"] > q.points[0].metrics["auc"]
    ((rule, held, detail),) = [(r.rule, r.passed, r.detail) for r in q.rules]
    assert (rule, held) == ("auc>=champion", True)
    assert "champion (v1) has" in detail  # compared with the holder v3 replaced

    (kpi,) = report.kpis
    assert (kpi.name, kpi.unit, kpi.higher_is_better) == ("cost_saved_eur", "EUR", True)
    assert [p.value for p in kpi.points] == [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0]

    assert report.why.computed is False
    assert report.why.explanation.n_rows == 200

    drift = report.health.drift
    assert [round(p.share, 2) for p in drift] == [0.0, 0.05, 0.1, 0.1, 0.2, 0.5]
    assert [p.drifted for p in drift] == [False] * 5 + [True]
    assert report.health.drifted_columns == ["income"]
    assert isinstance(report.health.jobs, S.Unavailable)

    actions = [(e["action"], e["target"]) for e in report.history.entries]
    assert actions[0] == ("promote", "model:churn@challenger")
    assert ("promote", "model:churn@champion") in actions and ("register", "model:churn") in actions
    assert all(e["target"].startswith("model:churn") for e in report.history.entries)
    assert report.history.chain_intact is True


def test_a_version_without_a_logged_explanation_is_explained_on_its_logged_sample(reported):
    why = mlops.model_report("churn@challenger").why
    assert why.computed is True
    assert "computed now on the 3 sample rows" in why.note
    exp = why.explanation
    total = exp.values[:, :, 0].sum(axis=1) + exp.base_values[:, 0]
    assert exp.n_rows == 3 and total.shape == (3,)


def test_a_model_without_monitoring_runs_says_why_health_is_not_available(reported):
    report = mlops.model_report("quiet")
    assert report.alias == "champion"
    assert isinstance(report.health.drift, S.Unavailable)
    assert "no monitoring run of quiet" in report.health.drift.reason
    assert isinstance(report.kpis, S.Unavailable)
    assert report.summary.last_verdict is None


def test_compare_puts_the_holders_side_by_side(reported):
    report = mlops.model_report("churn", compare="champion,challenger")
    champion, challenger = report.comparison
    assert (champion.alias, champion.version, challenger.alias, challenger.version) == (
        "champion",
        "3",
        "challenger",
        "2",
    )
    assert champion.metrics["auc"] > challenger.metrics["auc"]


@pytest.mark.parametrize(
    ("ref", "compare", "message"),
    [
        ("churn@nobody", None, "model 'churn' has no alias 'nobody'"),
        ("nosuch@champion", None, "model 'nosuch': not found"),
        ("", None, "invalid model reference"),
        ("churn", "champion", "--compare needs two or more aliases"),
        ("churn", "champion,gone", "model 'churn' has no alias 'gone'"),
    ],
)
def test_bad_references_are_named(reported, ref, compare, message):
    with pytest.raises(mlops.MlopsError, match=message):
        mlops.model_report(ref, compare=compare)


def test_the_report_writes_nothing(reported):
    import hashlib
    import sqlite3
    from contextlib import closing

    def counts() -> dict:
        out = {}
        for name, tables in (
            ("mlflow.db", ("runs", "metrics", "tags", "model_versions", "registered_model_aliases")),
            ("jobs.db", ("audit_log", "promotion_rules", "validations")),
        ):
            with closing(sqlite3.connect(reported.home / name)) as conn:
                for t in tables:
                    rows = conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                    out[t] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out

    before = counts()
    mlops.model_report("churn@champion").to_html()
    mlops.model_report("churn@challenger")
    assert counts() == before
