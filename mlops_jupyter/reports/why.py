"""The "why" section: the SHAP explanation logged for the version, or one computed on its logged sample."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

from . import sections as S
from .readings import quiet_downloads

ARTIFACT = "explain/explanation.json"


def why(report) -> S.Why | S.Unavailable:
    from mlflow.exceptions import MlflowException

    from ..explain import Explanation, explain
    from ..registry.mlflow_client import client

    held = report.holder()
    if held is None or not held.run_id:
        return S.Unavailable(f"v{report.version} has no source run to read an explanation from")
    run = report.runs.get(held.run_id)
    logged = run is not None and any(p.startswith("explain") for p in _artifact_dirs(held.run_id))
    if logged:
        with tempfile.TemporaryDirectory() as tmp, quiet_downloads():
            try:
                path = client().download_artifacts(held.run_id, ARTIFACT, tmp)
            except (MlflowException, OSError):
                path = None
            if path is not None:
                exp = Explanation.from_dict(json.loads(Path(path).read_text()))
                return S.Why(exp, False, f"The SHAP explanation logged with v{report.version}'s run.")
    loaded = _model_and_sample(report.model, report.version)
    if isinstance(loaded, S.Unavailable):
        return loaded
    model, sample = loaded
    with warnings.catch_warnings():  # a model fitted on an array warns about the example's column names
        warnings.simplefilter("ignore", UserWarning)
        exp = explain(model, sample)
    return S.Why(
        exp,
        True,
        f"No explanation was logged for v{report.version}: computed now on the {len(sample):,} sample "
        "rows logged with the model.",
    )


def _artifact_dirs(run_id: str) -> list[str]:
    from ..registry.mlflow_client import client

    return [f.path for f in client().list_artifacts(run_id)]


def _model_and_sample(model: str, version: str):
    """The version's native model and the input example logged with it."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from ..tracking import mlflow_store as store

    store.load_mlflow()
    uri = f"models:/{model}/{version}"
    tracking = store.client().tracking_uri
    mlflow.set_tracking_uri(tracking)
    mlflow.set_registry_uri(tracking)
    try:
        with tempfile.TemporaryDirectory() as tmp, quiet_downloads():
            local = mlflow.artifacts.download_artifacts(uri, dst_path=tmp)
            meta = mlflow.models.Model.load(local)
            sample = meta.load_input_example(local)
            if "sklearn" not in meta.flavors:
                return S.Unavailable(
                    f"no explanation was logged for v{version}, and its model ({', '.join(meta.flavors)}) "
                    "is not one this page can explain without one"
                )
            native = mlflow.sklearn.load_model(local)
    except (MlflowException, OSError) as exc:
        return S.Unavailable(
            f"no explanation was logged for v{version}, and its model could not be read: {exc}"
        )
    if sample is None:
        return S.Unavailable(
            f"no explanation was logged for v{version} and no sample rows were logged with its model "
            "(log one with explanation.log(run_id=...), or log the model with sample=...)"
        )
    return native, sample
