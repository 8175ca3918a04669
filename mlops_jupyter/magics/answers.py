"""How a magic answers a failure: a message, never a traceback.

Our errors show as they are. Anything unexpected shows as the CLI and REST API show it,
``internal error (Type, incident ID)`` and where its traceback was logged; the exception's
text (SQL, its parameters, credentials) stays in the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from IPython.core.error import UsageError


@contextmanager
def answered(command: str) -> Iterator[None]:
    """Turn a failure of ``%mlops command``'s own code into a :class:`UsageError` message."""
    from ..errors import MlopsError

    try:
        yield
    except UsageError:
        raise
    except MlopsError as exc:
        raise UsageError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - the one place a magic's unexpected failure is reported
        raise unexpected(exc, command) from None


def unexpected(exc: Exception, command: str) -> UsageError:
    from ..incidents import log_traceback, new_incident, summary
    from ..services import masked, service_error

    known = service_error(exc)
    if known is not None:
        return UsageError(masked(str(known)))
    incident = new_incident()
    log, problem = log_traceback(exc, f"%mlops {command}", incident)
    where = (
        f"the traceback is in {log}" if log is not None else f"the traceback could not be logged ({problem})"
    )
    return UsageError(f"{summary(exc, incident)}\n  {where}")
