"""``mlops report``: a model's stakeholder report, served with Voila or written as one HTML file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import click

START_TIMEOUT_S = 180
# our JupyterLab sidebar has no place in a report page (Voila loads every lab extension)
DENYLIST = '--VoilaConfiguration.extension_denylist=["mlops-jupyter"]'


@click.command()
@click.argument("ref", metavar="MODEL[@ALIAS]")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report as one self-contained HTML file (opens offline) instead of serving it.",
)
@click.option("--compare", help="Aliases whose holders are shown side by side, e.g. champion,challenger.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8866, show_default=True, help="0: any free port."
)
@click.option("--ip", default="127.0.0.1", show_default=True, help="The address Voila listens on.")
def report(ref, html_path, compare, port, ip):
    """The report of MODEL@ALIAS (MODEL alone: its champion): served with Voila, or --html FILE."""
    from ..errors import BadInput
    from ..reports import ModelReport, compare_aliases, model_report, parse_ref

    model, alias = parse_ref(ref)
    aliases = compare_aliases(compare) if compare else []
    if html_path is not None:
        if not html_path.parent.is_dir():
            raise BadInput(
                f"cannot write {html_path}: no directory {html_path.parent}",
                "Give a path in an existing directory.",
            )
        page = model_report(ref, compare=aliases or None)
        try:
            page.to_html(html_path)
        except OSError as exc:
            raise BadInput(
                f"cannot write {html_path}: {exc.strerror}", "Give a path you can write."
            ) from None
        size = html_path.stat().st_size / 1e6
        click.echo(f"wrote {html_path} ({size:.1f} MB): the report of {page.title}")
        return
    source = ModelReport(ref, None if alias or not aliases else aliases[0])  # unknown names fail here
    query = {"model": model, "alias": source.alias, **({"compare": ",".join(aliases)} if aliases else {})}
    serve(query, ip, port)


def serve(query: dict[str, str], ip: str, port: int) -> None:
    """Run Voila on the report notebook until interrupted; print the page's URL once it listens."""
    from .. import config
    from ..errors import Unavailable
    from ..reports import READY, TEMPLATE, notebook, template_root

    port = port or _free_port(ip)
    ready = Path(tempfile.mkdtemp(prefix="mlops-report-")) / "ready"
    env = dict(os.environ, MLOPS_HOME=str(config.state_dir(create=False)), **{READY: str(ready)})
    # Voila finds the page's template among the Jupyter data directories
    data_dirs = [str(template_root()), os.environ.get("JUPYTER_PATH")]
    env["JUPYTER_PATH"] = os.pathsep.join(d for d in data_dirs if d)
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebook()),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        DENYLIST,
        f"--template={TEMPLATE}",
        # Kernels started and warmed up (imports, stores opened) before the page is asked for:
        # two, so a second visit right after the first finds one warm too; the one replacing a
        # used kernel starts 5 s later, not to compete with the page being shown.
        "--preheat_kernel=True",
        "--pool_size=2",
        "--VoilaKernelManager.fill_delay=5",
    ]
    # A stop by SIGTERM or a closed terminal's SIGHUP unwinds like Ctrl-C: Voila goes down too.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, lambda number, _frame: sys.exit(128 + number))
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_ready(process, ip, port, ready)
        click.echo(f"report served at http://{ip}:{port}/?{urlencode(query)}")
        click.echo("press Ctrl-C to stop", err=True)
        process.wait()
        if process.returncode:
            raise Unavailable(f"voila stopped with exit code {process.returncode}", _tail(process))
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_ready(process: subprocess.Popen, ip: str, port: int, ready: Path) -> None:
    """Until Voila listens and its preheated kernel has loaded what a report needs."""
    from ..errors import Unavailable

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Unavailable(f"voila could not start on {ip}:{port}", _tail(process))
        if ready.exists():
            try:
                socket.create_connection((ip, port), timeout=1).close()
                return
            except OSError:
                pass
        time.sleep(0.2)  # polling a process we do not control: nothing to wait on
    raise Unavailable(f"the report was not ready on {ip}:{port} within {START_TIMEOUT_S} s", None)


def _tail(process: subprocess.Popen) -> str | None:
    text = process.stderr.read() if process.stderr and process.poll() is not None else ""
    return "\n".join(text.strip().splitlines()[-5:]) or None


def _free_port(ip: str) -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]
