"""The arguments every way of running a notebook takes, checked before a kernel starts."""

from __future__ import annotations

import math
import os
from typing import Any

from ..errors import BadInput
from . import parameters as params_mod


def merged_parameters(param_file, parameters: dict[str, Any] | None) -> dict[str, Any]:
    """A parameter file's values, overridden by explicit ones."""
    values = params_mod.load_param_file(param_file) if param_file else {}
    return {**values, **mapping(parameters, "parameters", "{'max_depth': 6}")}


def mapping(value, what: str, example: str) -> dict:
    """``value`` if it is a dict with text keys (None: empty); a clear error for anything else."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        got = f"{type(value).__name__} {params_mod.shorten(value)}"
        raise BadInput(
            f"{what} must be a mapping of names to values, got {got}",
            f"e.g. {what}={example}",
        )
    return value


def target_path(target, what: str = "the notebook") -> str:
    if not isinstance(target, (str, os.PathLike)) or not str(target).strip():
        raise BadInput(
            f"{what} must be a path, got {params_mod.shorten(target)}", 'e.g. "notebooks/train.ipynb"'
        )
    return str(target)


def check_timeout(cell_timeout: float | None) -> None:
    if cell_timeout is not None and not 0 < cell_timeout < math.inf:
        raise BadInput(f"--cell-timeout must be a positive number of seconds, got {cell_timeout}", None)
