"""MLflow autologging into our runs, attached only once an autologged framework is imported."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .run import Run

# Frameworks MLflow autologging patches; autologging attaches only once one is imported.
AUTOLOG_FRAMEWORKS = ("sklearn", "xgboost", "lightgbm", "statsmodels", "torch", "tensorflow", "keras")
_autolog_enabled = False
# Between tracked runs autologging is held paused: MLflow would otherwise start a run of its
# own for every fit in an untracked cell.
_paused = None


def wanted() -> bool:
    return any(name in sys.modules for name in AUTOLOG_FRAMEWORKS)


def attach(run: Run) -> None:
    """Make ``run`` MLflow's active run so framework autologging logs into it.

    This waits for the run to exist, so it only happens when an autologged framework
    is imported in the kernel; plain cells stay asynchronous.
    """
    global _autolog_enabled
    run_id = run.run_id
    if run_id is None:
        return  # tracking failed; the cell still runs and the failure is shown
    from .mlflow_store import client, load_mlflow

    client()  # points MLflow's own defaults at our store
    mlflow = load_mlflow()
    if not _autolog_enabled:
        mlflow.autolog(
            log_models=False,
            log_datasets=False,
            log_input_examples=False,
            log_model_signatures=False,
            silent=True,
            exclusive=False,
        )
        _autolog_enabled = True
    _resume()
    mlflow.start_run(run_id=run_id, nested=bool(run.parent))
    run._autologging = True


def detach(status: str) -> None:
    """End MLflow's active run; once none is left, pause autologging until the next tracked run."""
    import mlflow

    mlflow.end_run(status=status)
    if mlflow.active_run() is None:
        _pause()


def _pause() -> None:
    global _paused
    if _paused is None:
        from mlflow.utils.autologging_utils import disable_autologging

        _paused = disable_autologging()
        _paused.__enter__()


def _resume() -> None:
    global _paused
    if _paused is not None:
        _paused.__exit__(None, None, None)
        _paused = None
