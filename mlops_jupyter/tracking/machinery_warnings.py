"""Warnings raised inside our own or MLflow's machinery stay off the user's screen.

Autologging, signature inference and the libraries they call warn about things the user
did not write (scikit-learn's "y_pred renamed" from MLflow's metric computation, MLflow's
deprecations). Such a warning goes to ``.mlops/logs/warnings.log`` and to the run it
happened in (``warnings/cell.txt`` while the cell runs, ``warnings/tracking.txt`` while the
writer logs the run); a warning from the user's own code shows as usual.

A warning comes from the machinery when, walking the stack from where it was raised, a
frame of ``mlflow`` or ``mlops_jupyter`` comes before any frame of the user's code.
"""

from __future__ import annotations

import sys
import threading
import time
import warnings
from collections.abc import Callable
from types import FrameType

from .. import config

_MACHINERY = ("mlflow", "mlops_jupyter")
_captured: dict[int, list[str]] = {}  # thread id -> warnings captured since the last take()
_show: Callable[..., None] = warnings.showwarning  # the showwarning ours wraps (set on install)


def install() -> None:
    """Route machinery warnings (again, if something replaced the hook since)."""
    global _show
    if warnings.showwarning is not _showwarning:
        _show, warnings.showwarning = warnings.showwarning, _showwarning


def take() -> str:
    """The warnings this thread captured since the last call, as text."""
    return "".join(_captured.pop(threading.get_ident(), []))


def _showwarning(message, category, filename, lineno, file=None, line=None):
    if not _from_machinery():
        return _show(message, category, filename, lineno, file, line)
    text = warnings.formatwarning(message, category, filename, lineno, line)
    _captured.setdefault(threading.get_ident(), []).append(text)
    try:
        path = config.state_dir() / "logs" / "warnings.log"
        path.parent.mkdir(exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {text}")
    except OSError:
        pass  # the run still gets it


def _from_machinery() -> bool:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__") or ""
        if name == "__main__":  # the notebook's (or script's) own code
            return False
        if name.split(".")[0] in _MACHINERY and name not in _DELIVERY:
            return True
        frame = frame.f_back
    return False


# Frames that only deliver a warning (MLflow's autologging wraps showwarning too).
_DELIVERY = {__name__, "warnings", "mlflow.utils.autologging_utils.logging_and_warnings"}
