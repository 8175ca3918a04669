"""The registry's way into MLflow: the shared client, and MLflow's errors in our terms."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import BadInput, Conflict, MlopsError, NotFound, Unavailable


def client():
    from ..tracking import mlflow_store as store

    return store.client()


@contextmanager
def translated(what: str, hint: str | None = None) -> Iterator[None]:
    """Turn an ``MlflowException`` raised while doing ``what`` into our error of the same kind."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except MlopsError:
        raise
    except MlflowException as exc:
        code = exc.error_code
        if code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"):
            raise NotFound(f"{what}: not found", hint) from exc
        if code in ("RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"):
            raise Conflict(f"{what}: already exists", hint) from exc
        if code in ("INVALID_PARAMETER_VALUE", "BAD_REQUEST", "INVALID_STATE"):
            raise BadInput(f"{what}: {exc.message}", hint) from exc
        if code in ("TEMPORARILY_UNAVAILABLE", "ENDPOINT_NOT_FOUND"):
            # Not exc.message: a SQL store's failure quotes its SQL and parameters.
            raise Unavailable(f"{what}: the tracking store did not answer ({code})", hint) from exc
        raise


def model_version(name: str, version: str):
    with translated(f"version {version} of model {name!r}", "`mlops models NAME` lists its versions."):
        return client().get_model_version(name, version)


def registered_model(name: str):
    with translated(f"model {name!r}", "`mlops models` lists the registered models."):
        return client().get_registered_model(name)


def run(run_id: str):
    with translated(f"run {run_id}", "`mlops runs` lists recent runs."):
        return client().get_run(run_id)
