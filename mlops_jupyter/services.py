"""The services we reach over the network, as users may see them.

Three things every face needs: a URI with its credentials masked (``masked``, from
:mod:`.masking`, which owns what is secret and how it is shown), a quick check that a
server accepts connections at all (a dead one fails in seconds, not after MLflow's retries,
which for a SQL store last minutes), and the one mapping of "could not connect" or "answers
only with errors" to :class:`Unavailable`. Nothing heavy is imported here: driver exceptions
are only looked for once their modules are loaded.
"""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlsplit

from .errors import Forbidden, MlopsError, Unavailable, shorten
from .masking import masked

__all__ = ["check_reachable", "masked", "service_error"]

DEFAULT_PORTS = {"http": 80, "https": 443, "postgresql": 5432, "mysql": 3306, "mssql": 1433}
CONNECT_TIMEOUT = 3.0


def check_reachable(uri: str, service: str, variable: str) -> None:
    """Raise :class:`Unavailable` at once when the server behind ``uri`` accepts no connection.

    Only network URIs are checked (HTTP, PostgreSQL, MySQL, SQL Server); a URI reached through
    a proxy is left to the proxy.
    """
    parts = urlsplit(uri)
    scheme = parts.scheme.split("+", 1)[0].lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or _proxied(scheme, parts.hostname):
        return
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        return  # a malformed port: the client library names it better than we can
    try:
        socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise _unavailable(service, uri, variable, f"cannot be reached ({_reason(exc)})") from None


def service_error(exc: BaseException) -> MlopsError | None:
    """Our error when ``exc`` (or what caused it) says a service cannot be used, else None.

    Mostly :class:`Unavailable`; a tracking server's own refusal is :class:`Forbidden`.

    The CLI and REST error handlers ask this before calling an error "internal".
    """
    for link in _chain(exc):
        url = _http_connection_failure(link)
        if url is not None:
            return _http_unavailable(url, link)
        if _sql_connect_failure(link):
            return _sql_unavailable(exc, link)
        refused = _tracking_server_refusal(link)
        if refused is not None:
            return refused
    return None


def _tracking_server_refusal(link: BaseException) -> MlopsError | None:
    """A tracking server that answered, but not as one we can use: wrong address or credentials."""
    mlflow_exceptions = sys.modules.get("mlflow.exceptions")
    if not mlflow_exceptions or not isinstance(link, mlflow_exceptions.MlflowException):
        return None
    from . import config

    uri = masked(_configured(config.tracking_uri) or "")
    check = "Check MLOPS_TRACKING_URI (and MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD)."
    if link.error_code == "ENDPOINT_NOT_FOUND":  # MLflow itself answers RESOURCE_DOES_NOT_EXIST
        return Unavailable(f"{uri} does not answer as an MLflow tracking server (HTTP 404)", check)
    if link.error_code == "UNAUTHENTICATED":
        return Unavailable(f"the tracking server at {uri} did not accept our credentials (HTTP 401)", check)
    if link.error_code == "PERMISSION_DENIED":
        return Forbidden(f"the tracking server at {uri} refused: {shorten(masked(link.message))}")
    return None


def _http_connection_failure(link: BaseException) -> str | None:
    """The URL a requests/urllib3 connection failure was for ("" when unknown), else None."""
    requests_exceptions = sys.modules.get("requests.exceptions")
    if requests_exceptions and isinstance(
        link, (requests_exceptions.ConnectionError, requests_exceptions.RetryError)
    ):
        request = getattr(link, "request", None)
        return getattr(request, "url", None) or ""
    urllib3_exceptions = sys.modules.get("urllib3.exceptions")
    if urllib3_exceptions and isinstance(
        link, (urllib3_exceptions.NewConnectionError, urllib3_exceptions.MaxRetryError)
    ):
        pool = getattr(link, "pool", None) or getattr(link, "conn", None)
        host, port = getattr(pool, "host", None), getattr(pool, "port", None)
        return f"{getattr(pool, 'scheme', 'http')}://{host}:{port}" if host else ""
    return None


def _http_unavailable(url: str, link: BaseException) -> Unavailable:
    from . import config

    failing = _error_answers(link)
    state = f"answers only with errors ({failing})" if failing else f"cannot be reached ({_reason(link)})"
    tracking = _configured(config.tracking_uri)
    origin = _origin(url) or _origin(tracking or "")
    if tracking and _origin(tracking) == origin:
        return _unavailable("the tracking server", tracking, "MLOPS_TRACKING_URI", state)
    return Unavailable(
        f"{masked(origin) or 'a server'} {state}",
        "Check that the server is running and that its address is right.",
    )


def _error_answers(link: BaseException) -> str | None:
    """What the server kept answering when retries ran out on error statuses (HTTP 5xx)."""
    urllib3_exceptions = sys.modules.get("urllib3.exceptions")
    for cause in _chain(link):
        if urllib3_exceptions and isinstance(cause, urllib3_exceptions.MaxRetryError):
            if isinstance(cause.reason, urllib3_exceptions.ResponseError):
                return str(cause.reason)
    return None


def _sql_connect_failure(link: BaseException) -> bool:
    """A SQLAlchemy error raised while connecting (it has no statement), not by a query."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    return bool(
        sqlalchemy_exc
        and isinstance(link, (sqlalchemy_exc.OperationalError, sqlalchemy_exc.InterfaceError))
        and link.statement is None
    )


def _sql_unavailable(exc: BaseException, link: BaseException) -> Unavailable:
    from . import config

    state = f"cannot be reached ({_reason(getattr(link, 'orig', None) or link)})"
    # MLflow's own SQL store talks to the tracking database; everything else is the mlops database.
    if _raised_inside(exc, "mlflow"):
        uri = _configured(config.tracking_uri)
        return _unavailable("the tracking store", uri or "", "MLOPS_TRACKING_URI", state)
    return _unavailable("the mlops database", _configured(config.jobs_url) or "", "MLOPS_JOBS_URL", state)


def _unavailable(service: str, uri: str, variable: str, state: str) -> Unavailable:
    where = f" at {masked(uri)}" if uri else ""
    return Unavailable(
        f"{service}{where} {state}",
        f"Check that it is running and that {variable} points at it "
        f"(unset {variable} for the embedded store).",
    )


def _reason(exc: BaseException) -> str:
    """A short, credential-free reason: the innermost OS error when there is one."""
    for link in _chain(exc):
        if isinstance(link, socket.gaierror):
            return "unknown host"
        if isinstance(link, (TimeoutError, socket.timeout)):
            return "no answer in time"
        if isinstance(link, ConnectionRefusedError):
            return "connection refused"
        if isinstance(link, OSError) and link.strerror:
            return link.strerror.lower()
    # Driver errors (psycopg, ...) say it in their first line; nothing after it is needed.
    first = masked(str(exc).strip().splitlines()[0]) if str(exc).strip() else type(exc).__name__
    if "refused" in first.lower():
        return "connection refused"
    return first if len(first) <= 200 else first[:200] + "..."


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _raised_inside(exc: BaseException, package: str) -> bool:
    for link in _chain(exc):
        tb = link.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_globals.get("__name__", "")
            if name == package or name.startswith(package + "."):
                return True
            tb = tb.tb_next
    return False


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _configured(getter) -> str | None:
    try:
        return getter()
    except Exception:  # noqa: BLE001 - a broken setting must not hide the error being reported
        return None


def _proxied(scheme: str, host: str) -> bool:
    if scheme not in ("http", "https"):
        return False
    import urllib.request

    return scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(host)
