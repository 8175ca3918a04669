"""A papermill engine that runs a notebook on a kernel it is handed, and loses nothing.

papermill's own nbclient engine already passes ``km=`` through to nbclient, which then
uses that (pre-started) kernel instead of starting one. This engine adds three things:

- a *prelude*: code run silently in the kernel before the first cell (the run's
  ``MLOPS_*`` environment and working directory, which a pre-started kernel could not
  have been given at start);
- *secrets*: code run silently right after the injected-parameters cell, which gives the
  kernel the secret parameters' values while that cell, as saved, shows them as ``***``;
- the client's channels are closed afterwards (nbclient leaves them open when it does not
  own the kernel);
- a kernel that dies or a cell past its timeout becomes an error output on the cell that
  was running, so papermill's own error handling marks the notebook (the red banner) and
  raises :class:`papermill.PapermillExecutionError` naming that cell, as for any failure.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

NAME = "mlops"
# nbclient logs what we report ourselves (a timeout, a dead kernel) as errors: keep them out
# of the terminal unless the application configures logging.
logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


def prelude(env: dict[str, str | None], cwd: str | None) -> str:
    """Python that gives an already started kernel a run's environment (None: unset) and directory."""
    values = {k: v for k, v in env.items() if v is not None}
    unset = [k for k, v in env.items() if v is None]
    # repr, not JSON: JSON escapes a non-BMP character (an emoji) as two surrogates, which
    # Python source reads as two lone, unencodable surrogates.
    lines = ["import os as _mlops_os", f"_mlops_os.environ.update({values!r})"]
    lines += [f"_mlops_os.environ.pop({key!r}, None)" for key in unset]
    if cwd:
        lines.append(f"_mlops_os.chdir({cwd!r})")
    lines.append("del _mlops_os")  # the notebook's namespace stays a fresh kernel's (%who, dir())
    return "\n".join(lines)


class MlopsEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        prelude=None,
        secrets=None,
        input_label=None,
        **kwargs,
    ):
        # The same argument handling as papermill's NBClientEngine.
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        if input_label:  # the notebook the user ran, not the temporary copy papermill read
            nb_man.nb.metadata.papermill["input_path"] = input_label
        client = PapermillNotebookClient(nb_man, **final_kwargs)
        if prelude:
            client.on_notebook_start = _prelude_hook(client, prelude)
        if secrets:
            client.on_cell_executed = _secrets_hook(client, secrets)
        try:
            return client.execute()
        except DeadKernelError as exc:
            _fail_running_cell(
                nb_man,
                "DeadKernelError",
                f"the kernel died while running this cell ({_death(client) or exc})",
            )
            return nb_man.nb
        except CellTimeoutError:
            timeout = final_kwargs.get("timeout")
            _fail_running_cell(
                nb_man, "CellTimeoutError", f"the cell ran longer than the cell timeout of {timeout} s"
            )
            return nb_man.nb
        finally:
            if client.kc is not None and not client.owns_km:
                client.kc.stop_channels()
            _cancel_leftover_tasks()


def _death(client) -> str | None:
    """How the kernel process ended: spawned, its Popen says; forked, its zygote does."""
    provisioner = getattr(client.km, "provisioner", None)
    code = getattr(getattr(provisioner, "process", None), "returncode", None)
    if code is None:
        code = getattr(provisioner, "exit_code", None)
    if not code:
        return None
    if code > 0:
        return f"it exited with code {code}"
    try:
        return f"it was killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"it was killed by signal {-code}"


def _cancel_leftover_tasks() -> None:
    """A timeout or a dead kernel leaves nbclient's polling tasks on this thread's loop."""
    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    if loop.is_running():
        return
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def _prelude_hook(client, code: str):
    async def run(notebook=None, **_):
        reply = await client.kc.execute(code, silent=True, store_history=False, reply=True, timeout=30)
        if reply["content"].get("status") != "ok":
            content = reply["content"]
            raise RuntimeError(
                f"could not prepare the kernel: {content.get('ename')}: {content.get('evalue')}"
            )

    return run


def _secrets_hook(client, code: str):
    async def run(cell=None, **_):
        if cell is not None and "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            await _prelude_hook(client, code)()

    return run


def secrets_code(values: dict) -> str:
    """Python that assigns the secret parameters (run silently: never part of the notebook)."""
    return "\n".join(f"{name} = {value!r}" for name, value in values.items())


def _fail_running_cell(nb_man, ename: str, evalue: str) -> None:
    """Record the failure on the cell that was running, as papermill does for a cell error."""
    running = None
    for cell in nb_man.nb.cells:
        if cell.get("metadata", {}).get("papermill", {}).get("start_time"):
            running = cell
    if running is None:  # died before the first cell: blame the first code cell
        running = next((c for c in nb_man.nb.cells if c.cell_type == "code"), None)
        if running is None:
            return
    running.setdefault("outputs", []).append(
        new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
    )
    nb_man.cell_exception(running)


papermill_engines.register(NAME, MlopsEngine)
