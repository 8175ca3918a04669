"""What a run needs to be reproduced: the git state of its code and the Python environment."""

from __future__ import annotations

import functools
import hashlib
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GitState:
    commit: str
    branch: str | None
    dirty: bool


def git_state(directory: str | Path) -> GitState | None:
    """Commit, branch and dirty flag of the repository holding ``directory`` (one git call).

    Dirty means tracked files differ from the commit; untracked files do not count.
    """
    directory = Path(directory)
    if not directory.is_dir():
        directory = directory.parent
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    commit, branch, dirty = None, None, False
    for line in status.splitlines():
        if line.startswith("# branch.oid "):
            commit = line.split()[2]
        elif line.startswith("# branch.head "):
            branch = line.split(maxsplit=2)[2]
        elif not line.startswith("#"):
            dirty = True
    if not commit or commit == "(initial)":
        return None
    return GitState(commit, None if branch == "(detached)" else branch, dirty)


@dataclass(frozen=True)
class Environment:
    python: str
    platform: str
    requirements: str  # one "name==version" per line, sorted

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.requirements.encode()).hexdigest()[:12]


@functools.cache
def environment() -> Environment:
    """The interpreter and installed packages, taken once per process (i.e. per kernel)."""
    from importlib.metadata import distributions

    pins = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            pins[name.lower()] = f"{name}=={dist.version}"
    return Environment(
        python=platform.python_version(),
        platform=f"{platform.system()}-{platform.machine()}",
        requirements="\n".join(pins[k] for k in sorted(pins)) + "\n",
    )
