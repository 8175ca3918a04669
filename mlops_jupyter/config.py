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
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def _find_upwards(start: Path) -> Path | None:
    for directory in (start.resolve(), *start.resolve().parents):
        candidate = directory / STATE_DIR_NAME
        if candidate.is_dir():
            return candidate
    return None


def project_root() -> Path:
    """The directory that holds the state directory; notebook paths are relative to it."""
    return state_dir(create=False).parent


def tracking_uri() -> str:
    uri = os.environ.get("MLOPS_TRACKING_URI")
    return uri if uri else f"sqlite:///{state_dir() / 'mlflow.db'}"


def is_embedded_store(uri: str | None = None) -> bool:
    return not os.environ.get("MLOPS_TRACKING_URI") if uri is None else uri.startswith("sqlite:///")


def artifact_root() -> str:
    """Where new experiments put their artifacts (a local path or any MLflow artifact URI)."""
    root = os.environ.get("MLOPS_ARTIFACT_ROOT")
    return root if root else str(state_dir() / "artifacts")


def jobs_url() -> str:
    url = os.environ.get("MLOPS_JOBS_URL")
    return url if url else f"sqlite:///{state_dir() / 'jobs.db'}"


def dask_address() -> str | None:
    return os.environ.get("MLOPS_DASK_ADDRESS") or None


def project_config_path() -> Path:
    explicit = os.environ.get("MLOPS_CONFIG")
    return Path(explicit).expanduser() if explicit else project_root() / PROJECT_CONFIG_NAME


def project_config() -> dict:
    """The parsed ``mlops.toml`` (empty when there is none)."""
    import tomllib

    from .errors import BadInput

    path = project_config_path()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path} is not valid TOML: {exc}", "Fix the file or remove it.") from exc


def current_user() -> str:
    """The user for the CLI and magics; REST calls use the server's authenticated identity."""
    return os.environ.get("MLOPS_USER") or getpass.getuser()


def default_experiment() -> str:
    return os.environ.get("MLOPS_EXPERIMENT") or "Default"
