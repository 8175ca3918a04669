"""Helpers for tests: a fresh state directory and a clean process state, for real."""

from __future__ import annotations

import os
from pathlib import Path


def reset_state() -> None:
    """Forget cached clients, engines, queues and runs (after switching state directories)."""
    from . import db
    from .tracking import fluent, queue
    from .tracking import mlflow_store as store

    if queue._queue is not None:
        queue._queue.close()
    queue._queue = None
    fluent._sink = None
    fluent._sink_key = None
    fluent._stack.clear()
    fluent._session_experiment = None
    store._clients.clear()
    store._experiment_ids.clear()
    db.reset_engines()


def fresh_home(path: str | os.PathLike) -> Path:
    """Point ``MLOPS_HOME`` at ``path/.mlops`` with a new, migrated MLflow store (a copy)."""
    from .tracking.mlflow_store import ensure_sqlite_store

    home = Path(path) / ".mlops"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["MLOPS_HOME"] = str(home)
    ensure_sqlite_store(home / "mlflow.db", str(home / "artifacts"))
    reset_state()
    return home


def write_notebook(
    path: Path, cells: list[str], parameters: str | None = None, markdown: str | None = None
) -> Path:
    """Write a notebook: an optional markdown cell, a cell tagged ``parameters``, then ``cells``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    if markdown:
        nb.cells.append(nbformat.v4.new_markdown_cell(markdown))
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(nbformat.v4.new_code_cell(src) for src in cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path
