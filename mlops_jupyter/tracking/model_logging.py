"""Logging a model object with the MLflow flavor that fits it."""

from __future__ import annotations

import logging

from ..errors import BadInput

# top-level package of the model's class -> MLflow flavor module
FLAVORS = {
    "sklearn": "mlflow.sklearn",
    "xgboost": "mlflow.xgboost",
    "lightgbm": "mlflow.lightgbm",
    "torch": "mlflow.pytorch",
    "statsmodels": "mlflow.statsmodels",
}


def flavor_of(model) -> str:
    """The MLflow flavor module for ``model``; a clear error when none fits."""
    package = type(model).__module__.split(".")[0]
    flavor = FLAVORS.get(package)
    # Pipelines and meta-estimators from other packages still follow the sklearn API.
    if flavor is None and all(hasattr(model, m) for m in ("fit", "predict", "get_params")):
        flavor = "mlflow.sklearn"
    if flavor == "mlflow.sklearn":
        _check_fitted(model)
    if flavor is not None:
        return flavor
    raise BadInput(
        f"cannot log a model of type {type(model).__module__}.{type(model).__name__}",
        f"Supported: objects from {', '.join(sorted(FLAVORS))}, or any estimator with the scikit-learn API.",
    )


def _check_fitted(model) -> None:
    """An unfitted estimator logs fine and fails only when someone loads it to predict."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError:
        raise BadInput(
            f"the model {type(model).__name__} is not fitted",
            "Call its fit() before logging it (or name the fitted model in --model).",
        ) from None
    except TypeError:
        pass  # not an estimator scikit-learn can inspect: nothing to check


EXAMPLE_ROWS = 100


def log_model(model, run_id: str, name: str = "model", sample=None):
    """Log ``model`` into run ``run_id``; the signature is inferred from ``sample`` when given."""
    import importlib

    flavor = importlib.import_module(flavor_of(model))
    signature = None
    kwargs = {}
    if sample is not None:
        signature = infer_signature(model, sample)
        # a few rows kept with the model: what a report explains when no explanation was logged
        kwargs["input_example"] = sample[:EXAMPLE_ROWS]
    if flavor.__name__ == "mlflow.sklearn":
        # MLflow 3 defaults to skops, which refuses tree models without a trusted-type list.
        kwargs["serialization_format"] = "cloudpickle"
    logging.getLogger("mlflow.sklearn").setLevel(logging.ERROR)  # the pickle-format warning
    requirements = None
    if hasattr(flavor, "get_default_pip_requirements"):
        # Explicit requirements skip MLflow's slow subprocess-based inference.
        requirements = flavor.get_default_pip_requirements()
    import inspect

    if "run_id" not in inspect.signature(flavor.log_model).parameters:
        # MLflow 3.4: a flavor logs into the active run only; Model.log takes the run and
        # hands the model to the flavor's save_model under that function's first parameter.
        from mlflow.models import Model

        kwargs[next(iter(inspect.signature(flavor.save_model).parameters))] = model
        return Model.log(
            artifact_path=None,
            name=name,
            flavor=flavor,
            run_id=run_id,
            signature=signature,
            pip_requirements=requirements,
            **kwargs,
        )
    return flavor.log_model(
        model,  # every flavor takes the model first
        name=name,
        run_id=run_id,
        signature=signature,
        pip_requirements=requirements,
        **kwargs,
    )


def infer_signature(model, sample):
    """A signature from a few input rows and the model's predictions on them."""
    from mlflow.models import infer_signature as mlflow_infer

    try:
        return mlflow_infer(sample, model.predict(sample))
    except Exception:  # noqa: BLE001 - a model that cannot predict on the sample: log it without a signature
        try:
            return mlflow_infer(sample)
        except Exception:  # noqa: BLE001 - nor describe the sample: no signature at all
            return None
