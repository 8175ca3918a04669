"""What a job firing can lead to: a retrained model registered as ``challenger``.

A retraining job (``--register MODEL``) registers the model its run logged as a new version
of MODEL and asks the promotion gate to point the ``challenger`` alias at it. The gate decides
(validated notebook, the model's stored rules for ``challenger``, the role of whoever scheduled
or last changed the job: they act for it, and the audit log names them);
``champion`` is never touched here: that stays a person's promotion through the gate.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)
ALIAS = "challenger"


def register_challenger(job, run_id: str) -> str:
    """Register ``run_id``'s model and try to move ``challenger`` to it; a note for the history."""
    from ..errors import MlopsError
    from ..registry import promotion, service

    actor = job.changed_by or job.created_by
    why = f"retrained by job {job.name}, last changed by {actor}"
    try:
        version = service.register(run_id, job.register_model, description=why, user=actor)
    except MlopsError as exc:
        return f"could not register the model of run {run_id} as {job.register_model}: {exc.message}"
    note = f"registered {job.register_model} v{version.version}"
    try:
        promotion.promote(
            job.register_model,
            version.version,
            to=ALIAS,
            user=actor,
            reason=f"{why} (run {run_id})",
        )
    except MlopsError as exc:
        return f"{note}; {ALIAS} not moved: {exc.message}"
    return f"{note}; {ALIAS} -> v{version.version} through the promotion gate"
