"""Validation records: the fact that a notebook version ran top to bottom with every check passing.

A validation (run by :func:`mlops_jupyter.pipelines.validation.validate`) is kept as a row of
the ``validations`` table (who, when, which notebook version and run, the checks and their
values) with its ``validate`` entry in the audit log, written in one transaction. The row
points at the exact notebook text that ran (``snapshot_uri``), so later edits never change
what was validated. Promotions and production jobs ask :func:`row_for_version`.

>>> mlops.validations("notebooks/train.ipynb")[["version", "passed", "user", "created_at"]]
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import config
from ..config import display_path
from ..errors import NotFound
from . import remote, roles

SHORT = 12  # the short form of a notebook version, as tracking shows it


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
        return self.version[:SHORT]

    def to_dict(self) -> dict:
        return asdict(self) | {"created_at": self.created_at.isoformat()}


def record(
    notebook: str,
    version: str,
    run_id: str,
    user: str,
    role: str,
    passed: bool,
    parameters: dict[str, Any],
    checks: list[dict[str, Any]],
    snapshot: str | None,
    error: str | None,
) -> ValidationRecord:
    """The row and its audit entry in one transaction, retried if another writer extended the chain."""
    from sqlalchemy.exc import IntegrityError

    for attempt in range(10):
        try:
            return _store_once(
                notebook, version, run_id, user, role, passed, parameters, checks, snapshot, error
            )
        except IntegrityError:
            if attempt == 9:
                raise
    raise AssertionError("unreachable")


def _rebuilt(answer: dict) -> ValidationRecord:
    return ValidationRecord(**{**answer, "created_at": datetime.fromisoformat(answer["created_at"])})


@remote.governed("validate", rebuild=_rebuilt)
def record_as(
    notebook: str,
    version: str,
    run_id: str,
    passed: bool,
    parameters: dict[str, Any],
    checks: list[dict[str, Any]],
    snapshot: str | None,
    error: str | None,
    *,
    user: str | None = None,
) -> ValidationRecord:
    """:func:`record` as ``user``, whose role is checked where the record is written (in team
    mode, by the governance service, as the caller's token says)."""
    user = user or config.current_user()
    role = roles.require(user, action="validate")
    return record(notebook, version, run_id, user, role, passed, parameters, checks, snapshot, error)


def _store_once(notebook, version, run_id, user, role, passed, parameters, checks, snapshot, error):
    from .. import db
    from ..db.tables import Validation
    from ..masking import mask_values
    from . import audit

    with db.session() as s:
        row = Validation(
            notebook_path=notebook,
            notebook_version=version,
            run_id=run_id,
            user=user,
            passed=passed,
            parameters=json.loads(json.dumps(mask_values(parameters), default=str)),  # secrets as ***
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
            f"notebook:{notebook}@{version[:SHORT]}",
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
    from ..db.tables import Validation

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
    from ..db.tables import Validation

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
    from ..db.tables import Validation

    if not version:
        return None
    q = (
        select(Validation)
        .where(
            or_(
                Validation.notebook_version.startswith(version, autoescape=True),
                Validation.notebook_version == version[:SHORT],
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
