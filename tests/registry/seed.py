"""A small, real registry for tests, built once per test session and copied into each test.

Real scikit-learn models trained on ``load_breast_cancer``, tracked through ``mlops.track``
from a real notebook file in a git repository, logged as MLflow 3 logged models. What
``mlops validate`` would write is written to the validations table directly, since that
command belongs to the pipelines.

Runs (``Seed.runs``):

- ``weak``, ``mid``, ``strong``: notebook version A (validated), AUC weak < mid < strong;
  ``strong`` also carries SHAP and drift metrics, a drift artifact and a data fingerprint.
- ``failed_validation``: notebook version B, whose validation failed.
- ``never_validated``: notebook version C, never validated.
- ``no_model``: notebook version A, no model logged.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

FEATURES = {"weak": [0], "mid": [0, 1, 4], "strong": list(range(10))}
MLFLOW_PATH_COLUMNS = (
    ("experiments", "artifact_location"),
    ("runs", "artifact_uri"),
    ("logged_models", "artifact_location"),
    ("model_versions", "storage_location"),
)
_built: dict[str, Seed] = {}


@dataclass
class Seed:
    project: Path
    runs: dict[str, str]
    auc: dict[str, float]
    notebook_versions: dict[str, str]


def notebook(code: str) -> dict:
    return {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": code, "outputs": [], "execution_count": None}
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def get(base: Path) -> Seed:
    """The seed under ``base`` (built on first use in this process)."""
    key = str(base)
    if key not in _built:
        _built[key] = build(base)
    return _built[key]


def build(base: Path) -> Seed:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import mlops_jupyter as mlops
    from mlops_jupyter import _testing, db
    from mlops_jupyter.db.tables import Validation
    from mlops_jupyter.tracking.notebook import file_version

    project = base / "project"
    project.mkdir(parents=True)
    previous_home, previous_cwd = os.environ.get("MLOPS_HOME"), os.getcwd()
    os.chdir(project)
    try:
        home = _testing.fresh_home(project)
        nb_path = project / "train.ipynb"
        git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
        subprocess.run(["git", "init", "-q"], cwd=project, check=True)

        def notebook_version(code: str) -> str:
            nb_path.write_text(json.dumps(notebook(code)))
            subprocess.run([*git, "add", "train.ipynb"], cwd=project, check=True)
            subprocess.run([*git, "commit", "-qm", code], cwd=project, check=True)
            return file_version(nb_path)

        data = load_breast_cancer()
        x_train, x_test, y_train, y_test = train_test_split(
            data.data, data.target, test_size=0.3, random_state=0, stratify=data.target
        )
        runs, auc, versions = {}, {}, {}

        def train(label: str, features: list[int], *, with_model: bool = True, extras=None) -> None:
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
            model.fit(x_train[:, features], y_train)
            score = float(roc_auc_score(y_test, model.predict_proba(x_test[:, features])[:, 1]))
            with mlops.track(
                experiment="churn",
                name=label,
                params={"features": len(features)},
                notebook=str(nb_path),
                autolog=False,
            ) as run:
                mlops.log_metric("auc", score)
                mlops.log_metric("accuracy", float(model.score(x_test[:, features], y_test)))
                if with_model:
                    mlops.log_model(model, sample=x_test[:3, features])
                if extras:
                    extras(model, features)
            mlops.flush()
            runs[label], auc[label] = run.run_id, score

        def explain_and_drift(model, features):
            # Linear SHAP values: coefficient times the standardized feature, averaged in absolute value.
            scaler, clf = model[0], model[1]
            z = scaler.transform(x_test[:, features])
            for i, f in enumerate(features):
                name = data.feature_names[f].replace(" ", "_")
                mlops.log_metric(f"shap.{name}", float(abs(clf.coef_[0][i] * z[:, i]).mean()))
            mlops.log_metric("drift.share_of_drifted_features", 0.0)
            mlops.log_metric("drift.n_features", float(len(features)))
            baseline = base / "baseline.json"
            baseline.write_text(json.dumps({"mean": z.mean(axis=0).tolist()}))
            mlops.log_artifact(str(baseline), "drift")
            mlops.set_tag("mlops.data.fingerprint", "sha256:load_breast_cancer:test-split-0")

        versions["A"] = notebook_version("auc = train(features)")
        train("weak", FEATURES["weak"])
        train("mid", FEATURES["mid"])
        train("strong", FEATURES["strong"], extras=explain_and_drift)
        train("no_model", FEATURES["weak"], with_model=False)
        versions["B"] = notebook_version("auc = train(features)  # B")
        train("failed_validation", FEATURES["strong"])
        versions["C"] = notebook_version("auc = train(features)  # C")
        train("never_validated", FEATURES["strong"])
        assert auc["weak"] < auc["mid"] < auc["strong"], auc

        with db.session() as s:
            s.add(
                Validation(
                    notebook_path="train.ipynb",
                    notebook_version=versions["A"],
                    run_id=runs["mid"],
                    user="ci",
                    passed=True,
                    parameters={"features": 3},
                    checks=[{"name": "auc", "passed": True, "value": auc["mid"], "source": "check"}],
                )
            )
            s.add(
                Validation(
                    notebook_path="train.ipynb",
                    notebook_version=versions["B"],
                    run_id=runs["failed_validation"],
                    user="ci",
                    passed=False,
                    parameters={},
                    checks=[{"name": "auc", "passed": False, "value": 0.5, "source": "check"}],
                    error="check auc failed",
                )
            )
        _testing.reset_state()
        for name in ("mlflow.db", "jobs.db"):
            with closing(sqlite3.connect(home / name)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        os.chdir(previous_cwd)
        if previous_home is None:
            os.environ.pop("MLOPS_HOME", None)
        else:
            os.environ["MLOPS_HOME"] = previous_home
    return Seed(project, runs, auc, versions)


def install(seed: Seed, home: Path) -> None:
    """Copy the seed's stores into the state directory ``home``, pointing artifacts at the copy."""
    from mlops_jupyter import _testing

    _testing.reset_state()
    source = seed.project / ".mlops"
    for name in ("mlflow.db", "jobs.db"):
        for suffix in ("", "-wal", "-shm"):
            target = home / (name + suffix)
            if target.exists():
                target.unlink()
        shutil.copyfile(source / name, home / name)
    if (home / "artifacts").exists():
        shutil.rmtree(home / "artifacts")
    shutil.copytree(source / "artifacts", home / "artifacts")
    old, new = source.resolve().as_uri(), home.resolve().as_uri()
    old_path, new_path = str(source.resolve()), str(home.resolve())
    with closing(sqlite3.connect(home / "mlflow.db")) as conn:
        for table, column in MLFLOW_PATH_COLUMNS:
            try:
                conn.execute(
                    f"UPDATE {table} SET {column} = replace(replace({column}, ?, ?), ?, ?)",
                    (old, new, old_path, new_path),
                )
            except sqlite3.OperationalError:  # a column this MLflow version does not have
                pass
        conn.commit()
    _testing.reset_state()
