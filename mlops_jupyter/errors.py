"""One error root for every face.

Each error class has a ``code``; ``STATUS`` maps the code to the HTTP status the REST API
answers and the exit code the CLI returns, so that mapping lives in exactly one place.
"""

from __future__ import annotations

# code -> (HTTP status, CLI exit code)
STATUS: dict[str, tuple[int, int]] = {
    "error": (500, 1),
    "execution_failed": (422, 1),
    "bad_input": (400, 2),
    "not_found": (404, 3),
    "forbidden": (403, 4),
    "conflict": (409, 5),
    "gate_refused": (409, 5),
    "unavailable": (503, 6),
}


QUOTE_LIMIT = 200


def shorten(text, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was.

    Whatever an error quotes from input goes through this, so a megabyte value is never echoed:
    ``shorten("x" * 1000, 5) == "xxxxx... (1000 characters)"``.
    """
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class MlopsError(Exception):
    """Root of every error mlops-jupyter raises on purpose.

    ``message`` is one line saying what went wrong; ``detail`` says what is accepted
    or what to do next.
    """

    code = "error"

    def __init__(self, message: str, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail

    @property
    def http_status(self) -> int:
        return STATUS[self.code][0]

    @property
    def exit_code(self) -> int:
        return STATUS[self.code][1]

    def to_dict(self) -> dict:
        return {"error": self.message, "detail": self.detail, "code": self.code}

    def __str__(self) -> str:
        return f"{self.message}\n{self.detail}" if self.detail else self.message


class BadInput(MlopsError):
    """The caller asked for something malformed; nothing was written."""

    code = "bad_input"


class NotFound(MlopsError):
    code = "not_found"


class Forbidden(MlopsError):
    """The caller's role does not allow the action."""

    code = "forbidden"


class Conflict(MlopsError):
    code = "conflict"


class GateRefused(Conflict):
    """A promotion (or schedule) gate refused; ``detail`` names the failed rule."""

    code = "gate_refused"


class Unavailable(MlopsError):
    """A service we depend on (tracking store, Dask scheduler, ...) cannot be reached."""

    code = "unavailable"


def missing_extra(extra: str, feature: str, exc: ImportError) -> Unavailable:
    """The error for ``feature`` when the optional dependency it imports is not installed."""
    module = exc.name or str(exc)
    return Unavailable(
        f"{feature} needs the optional dependency {module!r}, which is not installed",
        f'Install it with: pip install "mlops-jupyter[{extra}]"',
    )


class ExecutionFailed(MlopsError):
    """A notebook failed while executing; carries where it broke, like papermill does."""

    code = "execution_failed"

    def __init__(
        self,
        message: str,
        detail: str | None = None,
        *,
        cell_index: int | None = None,
        ename: str | None = None,
        evalue: str | None = None,
        traceback: str | None = None,
        run_id: str | None = None,
        output_path: str | None = None,
    ):
        super().__init__(message, detail)
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback
        self.run_id = run_id
        self.output_path = output_path

    def to_dict(self) -> dict:
        return super().to_dict() | {
            "cell_index": self.cell_index,
            "ename": self.ename,
            "evalue": self.evalue,
            "run_id": self.run_id,
            "output_path": self.output_path,
        }
