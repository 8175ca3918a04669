"""A model with a history to report on, written for real: versions, promotions, KPIs, a logged
explanation, monitoring runs and an audit trail.

Built once per session on top of the registry seed (tests/registry/seed.py); the report only
reads, so tests share it. ``churn``: v1 (weak), v2 (mid), v3 (strong); champion went v1 -> v3
(rule ``auc >= champion``), challenger is v2. v3's run carries a logged SHAP explanation; v2's
does not (its report computes one on the logged sample). Six monitoring runs of ``churn`` log a
drift share (the last finds drift and logs its drift report: income drifted) and the KPI
``cost_saved_eur``. v3's run logged its training data (``TRAINING``, a name and source with
HTML in them); v1's did not. ``quiet`` is a model with one version and no monitoring run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from support import registry_seed

MODEL, QUIET = "churn", "quiet"
TRAINING = {"name": "churn <train> & co", "source": "s3://bucket/churn/<2026-11>.parquet", "rows": 569}
SHARES = [0.0, 0.05, 0.1, 0.1, 0.2, 0.5]


@dataclass
class Store:
    project: Path
    home: Path
    monitoring_runs: list[str]


def build(base: Path, seed) -> Store:
    import numpy as np
    import pandas as pd

    import mlops_jupyter as mlops
    from mlops_jupyter import _testing

    project = base / "project"
    project.mkdir(parents=True)
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("MLOPS_")}
    try:
        home = _testing.fresh_home(project)
        os.environ["MLOPS_USER"] = "root"
        (project / "mlops.toml").write_text('[roles]\ndefault = "viewer"\nroot = "admin"\n')
        registry_seed().install(seed, home)
        # MLflow caches each run's artifact store by run id, process-wide: the copies' runs
        # have the seed's ids, and their artifacts must go to the copy.
        from mlflow.tracking._tracking_service import utils as tracking_utils

        tracking_utils._artifact_repos_cache.clear()
        runs = seed.runs
        v1 = mlops.register(runs["weak"], MODEL, description="one feature").version
        v2 = mlops.register(runs["mid"], MODEL).version
        v3 = mlops.register(runs["strong"], MODEL, description="ten features, standardized").version
        mlops.register(runs["weak"], QUIET)
        mlops.promote(QUIET, 1, "champion", reason="the only one")
        mlops.promote(MODEL, v1, "champion", reason="first model")
        mlops.promote(MODEL, v3, "champion", require=["auc>=champion"], reason="better AUC on the test split")
        mlops.promote(MODEL, v2, "challenger", reason="a smaller model to try")
        _log_explanation(mlops, MODEL, v3, runs["strong"])
        _log_training_data(mlops, runs["strong"])
        monitoring = []
        rng = np.random.default_rng(0)
        for i, share in enumerate(SHARES):
            with mlops.track(
                experiment="monitoring", params={"model": MODEL, "alias": "champion"}, autolog=False
            ) as run:
                reference = pd.DataFrame({"age": rng.normal(size=300), "income": rng.normal(size=300)})
                current = reference.assign(income=reference.income + (3.0 if share >= 0.5 else 0.0))
                report = mlops.drift(reference, current)
                if i == len(SHARES) - 1:
                    report.log()  # drift.share 0.5: income drifted, age did not
                else:
                    mlops.log_metric("drift_share", share)
                mlops.check("no_drift", share < 0.5, value=share)
                mlops.log_kpi("cost_saved_eur", 1000.0 * (i + 1), unit="EUR", higher_is_better=True)
            monitoring.append(run.run_id)
        assert mlops.flush(60)
        _testing.reset_state()
        return Store(project, home, monitoring)
    finally:
        for key in [k for k in os.environ if k.startswith("MLOPS_")]:
            del os.environ[key]
        os.environ.update(saved)
        _testing.reset_state()


def _log_explanation(mlops, model: str, version: str, run_id: str) -> None:
    import mlflow
    from sklearn.datasets import load_breast_cancer

    from mlops_jupyter.tracking import mlflow_store as store

    store.load_mlflow()
    uri = store.client().tracking_uri
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    native = mlflow.sklearn.load_model(f"models:/{model}/{version}")
    data = load_breast_cancer(as_frame=True).frame.drop(columns="target")
    mlops.explain(native, data.iloc[:, registry_seed().FEATURES["strong"]].to_numpy(), max_rows=200).log(
        run_id=run_id
    )


def _log_training_data(mlops, run_id: str) -> None:
    """Log the breast cancer frame as a dataset input of ``run_id``, as a tracked cell would."""
    from mlflow.entities import Dataset, DatasetInput, InputTag
    from sklearn.datasets import load_breast_cancer

    from mlops_jupyter.tracking import mlflow_store as store

    frame = load_breast_cancer(as_frame=True).frame
    found = mlops.dataset(frame, name=TRAINING["name"], source=TRAINING["source"], log=False)
    assert found.rows == TRAINING["rows"]
    logged = found.to_input()
    entity = Dataset(
        logged["name"], logged["digest"], logged["source_type"], logged["source"], profile=logged["profile"]
    )
    store.client().log_inputs(
        run_id, datasets=[DatasetInput(entity, [InputTag("mlflow.data.context", "training")])]
    )


def load(base: Path) -> Store:
    """Build the seed and this store under ``base`` (once per process)."""
    if str(base) not in _built:
        seed = registry_seed().get(base / "registry-seed")
        _built[str(base)] = build(base / "reports", seed)
    return _built[str(base)]


_built: dict[str, Store] = {}
