"""mlops-jupyter: experiment tracking, notebook pipelines, model governance and production
jobs without leaving Jupyter.

>>> import mlops_jupyter as mlops
>>> with mlops.track(experiment="churn", params={"max_depth": 6}) as run:
...     mlops.log_metric("auc", 0.93)

Everything is imported lazily: ``%load_ext mlops_jupyter`` and ``import mlops_jupyter``
stay fast because MLflow, papermill, SHAP and plotly load only when first used.
"""

from __future__ import annotations

import importlib
import sys
import types

from ._version import __version__

# public name -> "module:attribute", resolved on first access
_API = {
    # tracking
    "track": "tracking.fluent:track",
    "active_run": "tracking.fluent:active_run",
    "log_param": "tracking.fluent:log_param",
    "log_params": "tracking.fluent:log_params",
    "log_metric": "tracking.fluent:log_metric",
    "log_metrics": "tracking.fluent:log_metrics",
    "set_tag": "tracking.fluent:set_tag",
    "log_artifact": "tracking.fluent:log_artifact",
    "log_model": "tracking.fluent:log_model",
    "check": "tracking.fluent:check",
    "log_kpi": "tracking.kpi:log_kpi",
    "flush": "tracking.fluent:flush",
    "set_experiment": "tracking.fluent:set_experiment",
    "notebook_version": "tracking.notebook:file_version",
    "runs": "tracking.query:runs_frame",
    # explain and drift
    "explain": "explain:explain",
    "drift": "monitoring.drift:drift",
    "drift_profile": "monitoring.profile:drift_profile",
    "load_drift_profile": "monitoring.profile:load_profile",
    # data
    "dataset": "data.datasets:dataset",
    "fingerprint": "data.fingerprint:fingerprint",
    "expect": "data.expectations:expect",
    "fairness": "data.fairness:fairness",
    "lineage": "data.lineage:lineage",
    "dataset_lineage": "data.lineage:dataset_lineage",
    # registry and governance
    "register": "registry.service:register",
    "models": "registry.service:models",
    "model": "registry.service:model",
    "promote": "registry.promotion:promote",
    "rollback": "registry.promotion:rollback",
    "audit": "governance.audit:log",
    "model_card": "registry.card:model_card",
    "model_report": "reports:model_report",
    # pipelines
    "run": "pipelines.launch:run",
    "sweep": "pipelines.launch:sweep",
    "validate": "pipelines.validation:validate",
    "validations": "governance.validations:validations",
    # production jobs
    "schedule": "jobs.service:schedule",
    "jobs": "jobs.service:jobs",
    "job": "jobs.service:job",
    "job_history": "jobs.service:history",
    "run_job": "jobs.service:run_now",
    "pause_job": "jobs.service:pause",
    "resume_job": "jobs.service:resume",
    "update_job": "jobs.service:update",
    "delete_job": "jobs.service:delete",
    "export_job": "jobs.export:export",
    "Scheduler": "jobs.scheduler:Scheduler",
    # errors
    "MlopsError": "errors:MlopsError",
}

__all__ = ["__version__", *_API]


class _Package(types.ModuleType):
    """Keeps public functions that share a subpackage's name (``explain``, ``jobs``).

    Importing ``mlops_jupyter.explain`` makes the import system set the parent's attribute
    ``explain`` to the subpackage, which would hide ``mlops.explain()``; the function wins
    (the subpackage stays importable by its full name).
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    target = _API.get(name)
    if target is None:
        raise AttributeError(f"module 'mlops_jupyter' has no attribute {name!r}")
    module, attribute = target.split(":")
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)


def load_ipython_extension(ipython) -> None:
    """``%load_ext mlops_jupyter``: register the ``%mlops`` / ``%%mlops`` magics."""
    from .magics import register

    register(ipython)


def _jupyter_server_extension_points():
    return [{"module": "mlops_jupyter.server"}]


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "mlops-jupyter"}]
