"""Running a validation: the gate between a notebook and production.

``validate`` runs the notebook from the top in a fresh kernel (spawned, not forked: the
same start a production job gets). It passes only if no cell fails, every
``mlops.check`` in the notebook passed and every declared threshold holds. Pass or fail,
it is recorded (:mod:`mlops_jupyter.governance.validations`: the row and its audit entry)
and the run is tagged with the outcome. The exact notebook text that ran is stored once per
version in the ``mlops-notebook-versions`` experiment; the record points at it, so later
edits never change what was validated, and :func:`materialize` gives it back.

>>> v = mlops.validate("notebooks/train.ipynb", {"max_depth": 6}, require=["auc>=0.9"])
>>> v.passed, v.version[:12], v.run_id
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import config
from ..errors import Conflict, NotFound
from ..governance import remote, roles, validations
from . import requirements
from .executors import make_executor
from .inputs import check_timeout, merged_parameters
from .launch import wait_all
from .notebooks import Notebook, output_dir


def validate(
    notebook: str | Path,
    parameters: dict[str, Any] | None = None,
    *,
    param_file: str | Path | None = None,
    require: list[str] | tuple[str, ...] = (),
    experiment: str | None = None,
    executor: str | None = None,
    address: str | None = None,
    cell_timeout: float | None = None,
    kernel: str | None = None,
    progress: bool | None = False,
) -> validations.ValidationRecord:
    """Execute ``notebook`` from the top in a fresh kernel and record whether it passed."""
    nb = Notebook.load(notebook, kernel)
    typed = nb.typed(merged_parameters(param_file, parameters))
    required = requirements.parse_all(require)
    check_timeout(cell_timeout)
    user = config.current_user()
    if remote.service_url() is None:  # in team mode the service checks the role when it records
        roles.require(user, action="validate")  # a viewer is refused before anything runs
    with make_executor(
        executor, workers=1, address=address, kernels="spawn", kernel_name=nb.kernel_name, expected_steps=1
    ) as ex:
        from .recording import RunFactory

        factory = RunFactory(experiment or config.default_experiment())
        context = factory.context(nb.path, nb.source)
        run_id = factory.create(
            f"validate {nb.stem}",
            {**context, "mlops.kind": "validation", "mlops.executor": ex.name},
            params=typed,
        )
        step = nb.step(
            nb.display,
            typed,
            run_id,
            output_dir(run_id),
            factory,
            cell_timeout=cell_timeout,
            requires=[str(r) for r in required],
        )
        (result,) = wait_all(ex, [step], factory, progress=progress, label=f"validate {nb.stem}")

    version = context["mlops.notebook.version"]
    snapshot = f"runs:/{context['mlops.notebook.version_run']}/notebook/{Path(nb.path).name}"
    checks: list[dict[str, Any]] = [
        {
            "name": name,
            "passed": passed,
            "value": result.check_values.get(name),
            "source": "require" if name.startswith("require.") else "notebook",
        }
        for name, passed in result.checks.items()
    ]
    failed_checks = [c["name"] for c in checks if not c["passed"]]
    passed = result.ok and not failed_checks
    error = None
    if not result.ok:
        error = (result.error or {}).get("message") or result.status.lower()
    elif failed_checks:
        error = f"failed checks: {', '.join(failed_checks)}"
    row = validations.record_as(
        nb.display, version, run_id, passed, typed, checks, snapshot, error, user=user
    )
    _tag_run(factory, run_id, row)
    row.output_path = result.output_path
    return row


def _tag_run(factory, run_id: str, row: validations.ValidationRecord) -> None:
    from ..tracking.retry import retry as _retry

    _retry(factory.client.set_tag, run_id, "mlops.validation", "passed" if row.passed else "failed")
    _retry(factory.client.set_tag, run_id, "mlops.validation.id", str(row.id))


def materialize(validation: int | validations.ValidationRecord, dest: str | Path) -> Path:
    """Write the exact notebook a validation ran to ``dest`` (a directory); return its path.

    Production jobs run from this copy, never from the editable file. The content is
    checked against the validated version, so a tampered store is an error, not a job.
    """
    from ..tracking import mlflow_store as store
    from ..tracking.notebook import version_of

    record = validations.get(validation) if isinstance(validation, int) else validation
    if not record.snapshot_uri:
        raise NotFound(f"validation {record.id} has no snapshot", None)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    run_id, _, artifact = record.snapshot_uri[len("runs:/") :].partition("/")
    local = Path(store.client().download_artifacts(run_id, artifact, str(dest)))
    found = version_of(json.loads(local.read_text(encoding="utf-8")))
    if found != record.version:
        raise Conflict(
            f"the stored snapshot of {record.notebook} is version {found[:12]}, "
            f"not the validated {record.short_version}",
            "The artifact store was changed after validation; validate again.",
        )
    return local
