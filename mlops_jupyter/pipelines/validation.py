"""Validation: the gate between a notebook and production, recorded as a fact.

``validate`` runs the notebook from the top in a fresh kernel (spawned, not forked: the
same start a production job gets). It passes only if no cell fails, every
``mlops.check`` in the notebook passed and every declared threshold holds. Pass or fail,
it writes a row to the ``validations`` table (who, when, which notebook version and run,
the checks and their values) and an ``validate`` entry to the audit log, in one
transaction. The exact notebook text that ran is stored once per version in the
``mlops-notebook-versions`` experiment; the row points at it (``snapshot_uri``), so
later edits never change what was validated, and :func:`materialize` gives it back.

>>> v = mlops.validate("notebooks/train.ipynb", {"max_depth": 6}, require=["auc>=0.9"])
>>> v.passed, v.version[:12], v.run_id
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import config
from ..errors import BadInput, Conflict, NotFound
from ..tracking.notebook import short
from . import requirements
from .executors import make_executor
from .notebooks import Notebook, output_dir
from .runner import check_timeout, merged_parameters, wait_all


@dataclass
class ValidationRecord:
    id: int
    notebook: str
    version: str
    run_id: str
    user: str
    created_at: datetime
    passed: bool
    parameters: dict[str, Any]
    checks: list[dict[str, Any]]
    snapshot_uri: str | None
    error: str | None = None
    output_path: str | None = None

    @property
    def short_version(self) -> str:
        return self.version[:12]

    def to_dict(self) -> dict:
        return asdict(self) | {"created_at": self.created_at.isoformat()}


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
) -> ValidationRecord:
    """Execute ``notebook`` from the top in a fresh kernel and record whether it passed."""
    from ..registry import roles

    nb = Notebook.load(notebook, kernel)
    typed = nb.typed(merged_parameters(param_file, parameters))
    required = requirements.parse_all(require)
    check_timeout(cell_timeout)
    user = config.current_user()
    role = roles.require(user, action="validate")  # a viewer is refused before anything runs
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
    checks = [
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
    row = _store(nb.display, version, run_id, user, role, passed, typed, checks, snapshot, error)
    _tag_run(factory, run_id, row)
    row.output_path = result.output_path
    return row


def _store(*args) -> ValidationRecord:
    """The row and its audit entry in one transaction, retried if another writer extended the chain."""
    from sqlalchemy.exc import IntegrityError

    for attempt in range(10):
        try:
            return _store_once(*args)
        except IntegrityError:
            if attempt == 9:
                raise
    raise AssertionError("unreachable")


def _store_once(notebook, version, run_id, user, role, passed, parameters, checks, snapshot, error):
    from .. import db
    from ..orm import Validation
    from ..registry import audit
    from ..tracking.notebook import short

    with db.session() as s:
        row = Validation(
            notebook_path=notebook,
            notebook_version=version,
            run_id=run_id,
            user=user,
            passed=passed,
            parameters=json.loads(json.dumps(parameters, default=str)),
            checks=checks,
            snapshot_uri=snapshot,
            error=error,
        )
        s.add(row)
        s.flush()
        audit.record(
            user,
            role,
            "validate",
            f"notebook:{notebook}@{short(version)}",
            after={
                "validation": row.id,
                "passed": passed,
                "run_id": run_id,
                "version": version,
                "checks": {c["name"]: c["passed"] for c in checks},
            },
            reason=error,
            session=s,
        )
        return _record(row)


def _tag_run(factory, run_id: str, row: ValidationRecord) -> None:
    from ..tracking.writer import _retry

    _retry(factory.client.set_tag, run_id, "mlops.validation", "passed" if row.passed else "failed")
    _retry(factory.client.set_tag, run_id, "mlops.validation.id", str(row.id))


def _record(row) -> ValidationRecord:
    return ValidationRecord(
        id=row.id,
        notebook=row.notebook_path,
        version=row.notebook_version,
        run_id=row.run_id,
        user=row.user,
        created_at=row.created_at,
        passed=row.passed,
        parameters=row.parameters,
        checks=row.checks,
        snapshot_uri=row.snapshot_uri,
        error=row.error,
    )


def list_validations(
    notebook: str | Path | None = None,
    *,
    version: str | None = None,
    passed: bool | None = None,
    limit: int = 100,
) -> list[ValidationRecord]:
    """Validations, newest first, optionally of one notebook (and version prefix)."""
    from sqlalchemy import select

    from .. import db
    from ..orm import Validation
    from ..tracking.writer import display_path

    query = select(Validation).order_by(Validation.created_at.desc(), Validation.id.desc()).limit(limit)
    if notebook is not None:
        query = query.where(Validation.notebook_path == display_path(Path(notebook)))
    if version:
        query = query.where(Validation.notebook_version.startswith(version, autoescape=True))
    if passed is not None:
        query = query.where(Validation.passed == passed)
    with db.session() as s:
        return [_record(row) for row in s.execute(query).scalars()]


def validations(notebook: str | Path | None = None, limit: int = 100):
    """Validations as a DataFrame, newest first.

    >>> mlops.validations("notebooks/train.ipynb")[["version", "passed", "user", "created_at"]]
    """
    import pandas as pd

    rows = []
    for v in list_validations(notebook, limit=limit):
        rows.append(
            {
                "id": v.id,
                "notebook": v.notebook,
                "version": v.short_version,
                "passed": v.passed,
                "user": v.user,
                "created_at": v.created_at,
                "run_id": v.run_id,
                "checks": ", ".join(f"{c['name']}={'ok' if c['passed'] else 'FAILED'}" for c in v.checks),
                "parameters": json.dumps(v.parameters),
                "error": v.error,
                "snapshot_uri": v.snapshot_uri,
            }
        )
    return pd.DataFrame(rows)


def get(validation_id: int) -> ValidationRecord:
    from .. import db
    from ..orm import Validation

    with db.session() as s:
        row = s.get(Validation, validation_id)
        if row is None:
            raise NotFound(f"no validation {validation_id}", "`mlops validations` lists them.")
        return _record(row)


def latest(notebook: str | Path, version: str | None = None) -> ValidationRecord | None:
    """The newest *passing* validation of ``notebook`` (of ``version``, a full or short hash)."""
    found = list_validations(notebook, version=version, passed=True, limit=1)
    return found[0] if found else None


def row_for_version(version: str | None, *, session=None):
    """The validation row that speaks for a notebook version (full hash or a prefix of it):
    the newest passing one, else the newest failed one; None if it was never validated.

    The promotion gate and job pinning both ask this; pass ``session`` to read inside their
    transaction.
    """
    from sqlalchemy import or_, select

    from .. import db
    from ..orm import Validation

    if not version:
        return None
    q = (
        select(Validation)
        .where(
            or_(
                Validation.notebook_version.startswith(version, autoescape=True),
                Validation.notebook_version == short(version),
            )
        )
        .order_by(Validation.passed.desc(), Validation.created_at.desc(), Validation.id.desc())
        .limit(1)
    )
    if session is not None:
        return session.execute(q).scalar()
    with db.session() as s:
        found = s.execute(q).scalar()
        if found is not None:
            s.expunge(found)
        return found


def materialize(validation: int | ValidationRecord, dest: str | Path) -> Path:
    """Write the exact notebook a validation ran to ``dest`` (a directory); return its path.

    Production jobs run from this copy, never from the editable file. The content is
    checked against the validated version, so a tampered store is an error, not a job.
    """
    from ..tracking import store
    from ..tracking.notebook import version_of

    record = get(validation) if isinstance(validation, int) else validation
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


def require_validated(notebook: str | Path, version: str) -> ValidationRecord:
    """The passing validation of ``version`` or a clear error (for jobs and promotions)."""
    found = latest(notebook, version)
    if found is None:
        raise BadInput(
            f"version {version[:12]} of {notebook} has not passed validation",
            f"Run `mlops validate {notebook}` first.",
        )
    return found
