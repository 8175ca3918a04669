"""Notebook versions: a content hash that ignores everything but the code and prose.

The version of a notebook is the sha256 of its normalized content, the cell types and
sources only; outputs, execution counts and metadata are left out, so re-running a
notebook never changes its version while editing one character does. The short form
(12 hex characters) is what tags and the UI show.

Plain ``json`` is used instead of nbformat on purpose: nbformat's import builds a JSON
schema checker that costs seconds, and this runs on the tracking path.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..errors import BadInput, NotFound

SHORT = 12


def read_notebook_json(path: str | os.PathLike) -> dict:
    """The notebook's JSON, with errors that say what is wrong with the file."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"notebook not found: {path}", "Give the path of an existing .ipynb file.")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path} is not a valid notebook: {exc}", "A notebook is a .ipynb JSON file.") from exc
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise BadInput(
            f"{path} is not a valid notebook: it has no list of cells", "A notebook is a .ipynb JSON file."
        )
    return nb


def normalized_cells(nb: dict) -> list[list[str]]:
    return [[cell.get("cell_type", ""), _text(cell.get("source", ""))] for cell in nb.get("cells", [])]


def version_of(nb: dict) -> str:
    """Full sha256 version of a notebook given as its JSON dict."""
    canonical = json.dumps(normalized_cells(nb), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_version(path: str | os.PathLike) -> str:
    """Full sha256 version of the notebook file at ``path``."""
    return version_of(read_notebook_json(path))


def short(version: str) -> str:
    return version[:SHORT]


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def current_notebook_path(user_ns: dict | None = None) -> Path | None:
    """The notebook this kernel is running, when it can be known.

    In order: the path our pipeline executor announces, papermill's injected input path,
    the session path jupyter_server gives its kernels (``__session__``), VS Code's variable.
    """
    user_ns = user_ns or {}
    candidates = (
        os.environ.get("MLOPS_NOTEBOOK_PATH"),
        user_ns.get("PAPERMILL_INPUT_PATH"),
        user_ns.get("__session__"),
        os.environ.get("JPY_SESSION_NAME"),
        user_ns.get("__vsc_ipynb_file__"),
    )
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.endswith(".ipynb"):
            path = Path(candidate)
            if path.is_file():
                return path.resolve()
    return None
