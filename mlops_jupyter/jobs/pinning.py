"""Only validated notebook versions go to production, and a job keeps the exact text it was given.

A job stores the notebook's source as it was validated (the validation's snapshot, not the
editable file), so editing or deleting the file never changes what production runs; moving
a job to a newer version is an explicit, audited update.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput, GateRefused
from ..governance.validations import row_for_version
from ..tracking.notebook import short, version_of


@dataclass
class Pinned:
    notebook: str  # display path
    path: str  # absolute path: the kernel's working directory is its folder
    version: str  # full sha256
    source: str
    kernel_name: str
    validation_id: int
    validated_by: str
    validation_run: str

    def typed(self, parameters: dict) -> dict:
        """``parameters`` checked against the pinned text's parameters cell (unknown names refused)."""
        from ..pipelines import parameters as params_mod

        declared = params_mod.declared_parameters(self.source)
        return params_mod.coerce_all(declared, dict(parameters or {}), self.notebook)


def pin(path: str | Path, version: str | None = None, kernel: str | None = None) -> Pinned:
    """The validated snapshot of ``path`` (its current version, or ``version``), or GateRefused.

    ``kernel``: the kernel the job runs on (default: the notebook's, else ``python3``)."""
    from ..pipelines.notebooks import Notebook

    nb = Notebook.load(path, kernel)
    current = version_of(json.loads(nb.source))
    wanted = (version or current).strip().lower()
    if len(wanted) < 7 or any(c not in "0123456789abcdef" for c in wanted):
        raise BadInput(
            f"invalid notebook version {version!r}", "Give at least 7 hex characters, e.g. 3f9a1c2b7d4e."
        )
    row = row_for_version(wanted)
    how = (
        f"Validate it first: `mlops validate {nb.display}` (with the job's -p parameters and any "
        "--require thresholds), then schedule again."
    )
    if row is None:
        raise GateRefused(f"notebook version {short(wanted)} of {nb.display} has not been validated", how)
    if not row.passed:
        raise GateRefused(
            f"notebook version {short(wanted)} of {nb.display} failed its validation "
            f"(run {row.run_id}): {row.error or 'a check failed'}",
            how,
        )
    source = snapshot_text(row.id)
    full = version_of(json.loads(source))
    named = (json.loads(source).get("metadata", {}).get("kernelspec") or {}).get("name")
    kernel = kernel or named or "python3"
    return Pinned(nb.display, nb.path, full, source, kernel, row.id, row.user, row.run_id)


def snapshot_text(validation_id: int) -> str:
    """The exact notebook text a validation ran, from its stored snapshot (checked against its version)."""
    import os
    import tempfile

    from ..pipelines.validation import materialize

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no bar on every schedule

    with tempfile.TemporaryDirectory(prefix="mlops-pin-") as tmp:
        return materialize(validation_id, tmp).read_text(encoding="utf-8")
