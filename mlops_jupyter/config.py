"""Where state lives and which services to talk to.

The state directory is found like git finds ``.git``: ``MLOPS_HOME`` if set, else the
nearest ``.mlops/`` walking up from the working directory, else ``./.mlops/`` (created
on first use). Everything else derives from it unless an environment variable says
otherwise:

==========================  =========================================  ====================
setting                     embedded default                           override
==========================  =========================================  ====================
tracking + registry         ``sqlite:///<state>/mlflow.db``            ``MLOPS_TRACKING_URI``
artifacts                   ``<state>/artifacts/``                     ``MLOPS_ARTIFACT_ROOT``
job store                   ``sqlite:///<state>/jobs.db``              ``MLOPS_JOBS_URL``
Dask scheduler              none (local worker processes)              ``MLOPS_DASK_ADDRESS``
project config (roles ...)  ``<project>/mlops.toml``                   ``MLOPS_CONFIG``
user                        the OS user                                ``MLOPS_USER``
==========================  =========================================  ====================

Nothing here is cached: every call reads the environment, so a test or a kernel that
changes ``MLOPS_HOME`` sees the change at once.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

STATE_DIR_NAME = ".mlops"
PROJECT_CONFIG_NAME = "mlops.toml"


def state_dir(create: bool = True) -> Path:
    """The ``.mlops/`` directory of the current project."""
    home = os.environ.get("MLOPS_HOME")
    if home:
        path = Path(home).expanduser().resolve()
    else:
        path = _find_upwards(Path.cwd()) or Path.cwd().resolve() / STATE_DIR_NAME
    if create and not path.is_dir():
        _make_state_dir(path, "MLOPS_HOME" if home else "the state directory")
    return path


def _make_state_dir(path: Path, what: str) -> None:
    from .errors import BadInput

    if path.exists():
        raise BadInput(f"{what} {path} is not a directory", "Point MLOPS_HOME at a directory (or unset it).")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(
            f"{what} {path} cannot be created: {exc.strerror}",
            "Point MLOPS_HOME at a directory you can write (or unset it).",
        ) from None


def _find_upwards(start: Path) -> Path | None:
    for directory in (start.resolve(), *start.resolve().parents):
        candidate = directory / STATE_DIR_NAME
        if candidate.is_dir():
            return candidate
    return None


def project_root() -> Path:
    """The directory that holds the state directory; notebook paths are relative to it."""
    return state_dir(create=False).parent


def display_path(path: Path) -> str:
    """``path`` relative to the project root when inside it, else absolute."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(project_root().resolve()))
    except ValueError:
        return str(path)


# MLflow's tracking and registry stores; a plain path is a local file store.
TRACKING_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql", "http", "https", "file", "databricks")
# SQLAlchemy dialects the mlops database runs on (an optional +driver may follow).
JOBS_DIALECTS = ("sqlite", "postgresql", "mysql", "mssql")


def tracking_uri() -> str:
    uri = os.environ.get("MLOPS_TRACKING_URI")
    if not uri:
        return f"sqlite:///{state_dir() / 'mlflow.db'}"
    _check_scheme("MLOPS_TRACKING_URI", uri, TRACKING_SCHEMES, plain_path_ok=True)
    return uri


def is_embedded_store(uri: str | None = None) -> bool:
    return not os.environ.get("MLOPS_TRACKING_URI") if uri is None else uri.startswith("sqlite:///")


def artifact_root() -> str:
    """Where new experiments put their artifacts (a local path or any MLflow artifact URI)."""
    root = os.environ.get("MLOPS_ARTIFACT_ROOT")
    return root if root else str(state_dir() / "artifacts")


def jobs_url() -> str:
    url = os.environ.get("MLOPS_JOBS_URL")
    if not url:
        return f"sqlite:///{state_dir() / 'jobs.db'}"
    _check_scheme("MLOPS_JOBS_URL", url, JOBS_DIALECTS)
    return url


def _check_scheme(variable: str, uri: str, accepted: tuple[str, ...], plain_path_ok: bool = False) -> None:
    """Refuse a URI whose scheme no store understands, before any library fails on it."""
    from .errors import BadInput

    scheme, sep, _ = uri.partition("://")
    dialect = scheme.split("+", 1)[0].lower()
    if sep and dialect in accepted:
        return
    if plain_path_ok and not sep and ":" not in uri.split("/", 1)[0]:
        return
    shown = f"{scheme}://..." if sep else (uri if len(uri) <= 80 else uri[:80] + "...")  # no credentials
    raise BadInput(
        f"{variable}={shown} is not a URI mlops-jupyter can use",
        f"Accepted schemes: {', '.join(accepted)} (e.g. {accepted[0]}://...); "
        "unset it for the embedded store.",
    )


def dask_address() -> str | None:
    return os.environ.get("MLOPS_DASK_ADDRESS") or None


def project_config_path() -> Path:
    explicit = os.environ.get("MLOPS_CONFIG")
    return Path(explicit).expanduser() if explicit else project_root() / PROJECT_CONFIG_NAME


def project_config() -> dict:
    """The parsed ``mlops.toml`` (empty when the project has none).

    A file that is named (``MLOPS_CONFIG``) or present but cannot be read fails closed: it may
    hold the ``[roles]`` table, and reading it as empty would make everyone admin.
    """
    import tomllib

    from .errors import BadInput

    path = project_config_path()
    if not path.exists() and not os.environ.get("MLOPS_CONFIG"):
        return {}
    accepted = "Fix the file, or point MLOPS_CONFIG at a readable mlops.toml (or unset it)."
    if not path.is_file():
        problem = "does not exist" if not path.exists() else "is not a file"
        raise BadInput(f"project config {path} {problem}", accepted)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"project config {path} cannot be read: {exc.strerror}", accepted) from None
    except UnicodeDecodeError:
        raise BadInput(f"project config {path} is not UTF-8 text", accepted) from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path} is not valid TOML: {exc}", "Fix the file or remove it.") from exc


def current_user() -> str:
    """The user for the CLI and magics; REST calls use the server's authenticated identity."""
    return os.environ.get("MLOPS_USER") or getpass.getuser()


def default_experiment() -> str:
    return os.environ.get("MLOPS_EXPERIMENT") or "Default"
