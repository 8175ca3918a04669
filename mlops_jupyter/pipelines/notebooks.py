"""A notebook made ready to run: read once, parameters declared, imports known."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config
from ..config import display_path
from . import parameters as params_mod
from .step import Step


@dataclass
class Notebook:
    display: str  # path relative to the project, as tags and messages show it
    path: str  # absolute
    source: str  # the exact text that will run
    declared: dict[str, params_mod.Declared] | None
    kernel_name: str
    language: str | None = None  # None: the notebook's metadata says
    kernel_note: str | None = None  # why this kernel, when the notebook did not say

    @classmethod
    def load(cls, path: str | os.PathLike, kernel: str | None = None) -> Notebook:
        """Read a notebook and pick its kernel: ``kernel``, else the notebook's, else ``python3``.

        The kernel must be installed (BadInput listing those that are, before anything runs).
        """
        from .kernel_pool import DEFAULT_KERNEL, kernel_language

        source = params_mod.read_source(path)
        display = display_path(Path(path))
        metadata = json.loads(source).get("metadata", {})
        named = (metadata.get("kernelspec") or {}).get("name")
        note = None
        language: str | None
        kernel_chosen = bool(kernel)  # then its language writes the parameters cell
        if kernel:
            language = kernel_language(kernel)
        elif named:
            kernel, language = named, kernel_language(named, named_by=f"the kernelspec of {display}")
        else:
            kernel, language = DEFAULT_KERNEL, kernel_language(DEFAULT_KERNEL)
            note = (
                f"{display} names no kernel; it runs on {kernel}, the kernel of this environment "
                "(-k/--kernel chooses another)"
            )
            print(f"mlops: {note}", file=sys.stderr)
        if named and not kernel_chosen and notebook_language(metadata):
            language = None  # papermill reads the notebook's own, as it would without us
        declared = params_mod.declared_parameters(source, kernel, language)
        return cls(display, str(Path(path).resolve()), source, declared, kernel, language, note)

    @classmethod
    def pinned(cls, display: str, path: str, source: str, kernel: str) -> Notebook:
        """A stored notebook text (a job's snapshot) that runs on ``kernel``, known to be chosen."""
        language = missing_language(source, kernel)
        declared = params_mod.declared_parameters(source, kernel, language)
        return cls(display, path, source, declared, kernel, language)

    @property
    def stem(self) -> str:
        return Path(self.path).stem

    def typed(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` checked against the parameters cell and converted to their types."""
        return params_mod.coerce_all(self.declared, values, self.display)

    def imports(self) -> tuple[str, ...]:
        """Installed modules the notebook imports (preloaded into a forking kernel zygote)."""
        return imported_modules(json.loads(self.source))

    def step(
        self, name: str, parameters: dict[str, Any], run_id: str | None, output_dir: Path, factory=None, **kw
    ) -> Step:
        kw["tags"] = {"mlops.kernel": self.kernel_name, **kw.get("tags", {})}
        if self.kernel_note:
            kw["tags"]["mlops.kernel.note"] = self.kernel_note
        if factory is not None and run_id:
            kw.setdefault("artifact_uri", factory.artifact_uris.get(run_id))
            kw.setdefault("experiment", factory.experiment)
        return Step(
            name=name,
            notebook=self.display,
            notebook_path=self.path,
            source=self.source,
            output_path=str(output_dir / f"{self.stem}.ipynb"),
            parameters=parameters,
            run_id=run_id,
            settings=settings(),
            kernel_name=self.kernel_name,
            language=self.language,
            **kw,
        )


def notebook_language(metadata: dict) -> str | None:
    """The language a notebook names, where papermill looks for it."""
    return (metadata.get("language_info") or {}).get("name") or (metadata.get("kernelspec") or {}).get(
        "language"
    )


def missing_language(source: str, kernel: str) -> str | None:
    """The language papermill must be told (the kernel's) when the notebook names none, else None."""
    if notebook_language(json.loads(source).get("metadata", {})):
        return None
    from .kernel_pool import installed_kernels

    return (installed_kernels().get(kernel) or {}).get("language") or "python"


def settings() -> dict[str, str]:
    """Where to record, for a kernel or a worker that may not share our environment."""
    values = {"MLOPS_HOME": str(config.state_dir()), "MLOPS_USER": config.current_user()}
    for key in ("MLOPS_TRACKING_URI", "MLOPS_ARTIFACT_ROOT", "MLOPS_JOBS_URL"):
        if os.environ.get(key):
            values[key] = os.environ[key]
    return values


def output_dir(run_id: str | None) -> Path:
    import uuid

    return config.state_dir() / "outputs" / (run_id or f"untracked-{uuid.uuid4().hex[:12]}")


def imported_modules(nb: dict) -> tuple[str, ...]:
    """Dotted names of installed (not local) modules imported at the top level of code cells."""
    names: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        text = (
            "".join(cell.get("source", ""))
            if isinstance(cell.get("source"), list)
            else cell.get("source", "")
        )
        # IPython magics and shell lines are not Python: drop them before parsing.
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    seen = []
    for name in names:
        if (
            name not in seen
            and name.split(".")[0] not in NOT_PRELOADED
            and name not in NOT_PRELOADED
            and _installed(name)
        ):
            seen.append(name)
    return tuple(seen[:MAX_PRELOAD])


# Modules that bind to a display or start machinery at import: each kernel imports its own.
NOT_PRELOADED = {"matplotlib.pyplot", "pylab", "tkinter", "PyQt5", "PyQt6", "PySide6", "torch", "tensorflow"}
MAX_PRELOAD = 30


def _installed(name: str) -> bool:
    """A module from site-packages or the standard library, never one from the project."""
    top = name.split(".")[0]
    if top in sys.builtin_module_names:
        return False
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    origin = (spec.origin or "") if spec else ""
    return bool(spec) and ("site-packages" in origin or "dist-packages" in origin)
