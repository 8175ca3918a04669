"""A pool of pre-started kernels: every run gets a fresh one, none waits for start-up.

Kernels listen on the IPC transport, each on its own files in the pool's directory, so
parallel kernels never race for TCP ports (papermill issue #511). A kernel is used for
one run and then killed; a replacement starts in the background as soon as one is taken.

Two ways to start a kernel:

- ``spawn``: ``python -m ipykernel_launcher`` as Jupyter does (``AsyncKernelManager``);
- ``fork``: forked from a :class:`~.zygote.Zygote` that has already imported ipykernel and
  the notebook's heavy libraries, through :class:`ForkProvisioner`, a jupyter_client
  kernel provisioner; the kernel manager, connection files and nbclient are unchanged.

All kernel managers live on one event loop thread owned by the pool; nbclient talks to a
kernel from the thread that runs its notebook, with its own client.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import queue
import shutil
import signal
import tempfile
import threading
import uuid

from jupyter_client import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from ..errors import BadInput, Unavailable
from .zygote import Zygote, exit_status

log = logging.getLogger(__name__)
# nbclient passes this when it starts kernels itself: no shared history file to lock.
KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]
MODES = ("spawn", "fork")


class ForkProvisioner(LocalProvisioner):
    """Launches the kernel by asking a zygote to fork it; everything else is by pid."""

    zygote: Zygote | None = None
    _conn = None
    _exit: int | None = None
    _buffer: bytearray

    @property
    def has_process(self) -> bool:
        return self.pid is not None and self._conn is not None

    async def launch_kernel(self, cmd: list[str], **kwargs):
        if cmd[1:3] != ["-m", "ipykernel_launcher"]:
            raise Unavailable(f"a forked kernel must be an ipykernel; this kernel spec runs {cmd[:3]}")
        env = kwargs.get("env") or dict(os.environ)
        self.cwd = kwargs.get("cwd") or os.getcwd()
        self._buffer = bytearray()
        assert self.zygote is not None  # the pool gives its provisioners the zygote before any launch
        self.pid, self._conn = self.zygote.spawn(cmd[3:], env, str(self.cwd))
        self.pgid = self.pid  # the child called setsid()
        return self.connection_info

    @property
    def exit_code(self) -> int | None:
        """How the kernel ended (negative: the signal that killed it), once the zygote said so."""
        return self._exit

    async def poll(self) -> int | None:
        if self._conn is None:
            return self._exit if self._exit is not None else 0
        if self._exit is None:
            self._exit = exit_status(self._conn, self._buffer)
        return self._exit

    async def wait(self) -> int | None:
        while await self.poll() is None:
            await asyncio.sleep(0.02)
        self._close()
        return self._exit

    async def send_signal(self, signum: int) -> None:
        if self.pid is None or self.pgid is None or self._exit is not None:
            return
        try:
            os.killpg(self.pgid, signum)
        except ProcessLookupError:
            pass

    async def kill(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGTERM)

    async def cleanup(self, restart: bool = False) -> None:
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class KernelPool:
    """``size`` kernels started ahead of need; ``acquire`` hands one out, ``release`` kills it."""

    def __init__(
        self,
        size: int,
        mode: str = "spawn",
        preload: tuple[str, ...] = (),
        kernel_name: str = "python3",
        env: dict[str, str] | None = None,
        prestart: int | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.size = max(1, size)
        self.mode = mode
        self.kernel_name = kernel_name
        self.env = dict(env or os.environ)
        self.dir = tempfile.mkdtemp(prefix="mlops-kernels-")  # short: Unix socket paths are limited
        self._ready: queue.Queue = queue.Queue()
        self._live: set[AsyncKernelManager] = set()
        # kernel -> future of its shutdown
        self._stopping: dict[AsyncKernelManager, concurrent.futures.Future] = {}
        self._starting: set = set()
        self._closed = False
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mlops-kernels", daemon=True)
        self._thread.start()
        self.zygote = Zygote(preload, self.env) if mode == "fork" else None
        self._fork_ok: asyncio.Task | None = None
        for _ in range(self.size if prestart is None else min(prestart, self.size)):
            self._start_one()

    # -- public ------------------------------------------------------------------------

    def acquire(self, timeout: float = 120, replace: bool = True) -> AsyncKernelManager:
        """A started kernel that nobody has used; with ``replace``, its replacement starts now."""
        try:
            found = self._ready.get(timeout=timeout)
        except queue.Empty:
            raise Unavailable(f"no kernel started within {timeout:.0f} s") from None
        if isinstance(found, BaseException):
            raise Unavailable(f"a kernel could not be started: {found}") from found
        if replace and not self._closed:
            self._start_one()
        return found

    def ensure(self, needed: int) -> None:
        """Start kernels until ``needed`` are ready or starting (a caller that knows its queue)."""
        with self._lock:
            missing = needed - self._ready.qsize() - len(self._starting)
        for _ in range(max(0, missing)):
            self._start_one()

    def release(self, km: AsyncKernelManager, wait: bool = False) -> None:
        """Kill a used kernel (in the background unless ``wait``)."""
        future = self._stop_soon(km)
        if wait:
            future.result(30)

    def _stop_soon(self, km: AsyncKernelManager):
        with self._lock:
            found = self._stopping.get(km)
            if found is None:
                found = self._stopping[km] = asyncio.run_coroutine_threadsafe(self._stop(km), self._loop)
            return found

    def kill(self, km: AsyncKernelManager) -> None:
        """Kill one kernel now, in use or not: the run using it fails at once."""
        try:
            self._call(km.provisioner.kill() if km.provisioner else asyncio.sleep(0), 10)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def kill_all(self) -> None:
        """Kill every kernel now, in use or not (Ctrl-C): the runs using them fail at once."""
        with self._lock:
            live = list(self._live)
        for km in live:
            try:
                self._call(km.provisioner.kill() if km.provisioner else asyncio.sleep(0), 10)
            except Exception:  # noqa: BLE001 - already gone
                pass

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            starting = list(self._starting)
        concurrent.futures.wait(starting, timeout=60)  # a kernel half started cannot be stopped cleanly
        with self._lock:
            live = list(self._live)
        for km in live:
            self._stop_soon(km)
        with self._lock:
            futures = list(self._stopping.values())  # including kernels released just before
        for future in futures:
            try:
                future.result(30)
            except Exception:  # noqa: BLE001 - best effort at shutdown
                pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if self.zygote is not None:
            self.zygote.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- on the pool's loop ------------------------------------------------------------

    def _call(self, coro, timeout: float | None = None):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _zygote_ready(self, zygote: Zygote) -> bool:
        try:
            zygote.wait_ready()
            return True
        except Unavailable as exc:
            log.warning("%s; starting kernels the ordinary way", exc)
            return False

    def _start_one(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        with self._lock:
            self._starting.add(future)
        future.add_done_callback(self._started)

    def _started(self, future) -> None:
        with self._lock:
            self._starting.discard(future)
        try:
            km = future.result()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever acquires next
            self._ready.put(exc)
            return
        if self._closed:
            self.release(km)
        else:
            self._ready.put(km)

    async def _start(self) -> AsyncKernelManager:
        kernel_id = uuid.uuid4().hex[:12]
        base = os.path.join(self.dir, f"k-{kernel_id}")
        km = AsyncKernelManager(
            kernel_name=self.kernel_name,
            transport="ipc",
            ip=f"{base}-ipc",
            connection_file=f"{base}.json",
            kernel_id=kernel_id,
        )
        if await self._fork_available():
            provisioner = ForkProvisioner(kernel_id=kernel_id, kernel_spec=km.kernel_spec, parent=km)
            provisioner.zygote = self.zygote
            km.provisioner = provisioner
        with self._lock:
            self._live.add(km)
        try:
            await km.start_kernel(extra_arguments=list(KERNEL_ARGS), env=self.env, cwd=self.dir)
        except BaseException:
            with self._lock:
                self._live.discard(km)
            raise
        return km

    async def _fork_available(self) -> bool:
        if self.zygote is None:
            return False
        if self._fork_ok is None:  # the first start waits for the zygote, the others share it
            self._fork_ok = asyncio.ensure_future(asyncio.to_thread(self._zygote_ready, self.zygote))
        return await self._fork_ok and self.zygote.alive

    async def _stop(self, km: AsyncKernelManager) -> None:
        try:
            if km.has_kernel:
                await km.shutdown_kernel(now=True)
            else:
                await km.cleanup_resources()
        except Exception as exc:  # noqa: BLE001 - a kernel that is already gone
            log.debug("stopping kernel %s: %s", km.kernel_id, exc)
        finally:
            with self._lock:
                self._live.discard(km)
                self._stopping.pop(km, None)


# -- which kernel a notebook runs on -------------------------------------------------------

# What a notebook that names no kernel runs on: the ipykernel of this environment.
DEFAULT_KERNEL = "python3"


def installed_kernels() -> dict[str, dict]:
    """Kernel specs Jupyter finds here, by name: ``{"python3": {"display_name", "language", ...}}``."""
    from jupyter_client.kernelspec import KernelSpecManager

    return {name: found["spec"] for name, found in sorted(KernelSpecManager().get_all_specs().items())}


def kernel_language(name: str, named_by: str | None = None) -> str:
    """The language of the installed kernel ``name``; BadInput listing the installed ones if none."""
    specs = installed_kernels()
    if name in specs:
        return specs[name].get("language") or "python"
    listed = ", ".join(f"{n} ({s.get('display_name', n)})" for n, s in specs.items()) or "none"
    raise BadInput(
        f"no kernel named {name!r} is installed" + (f" (named by {named_by})" if named_by else ""),
        f"Installed kernels: {listed}. Choose one with -k/--kernel NAME (kernel= in Python); "
        "`jupyter kernelspec list` shows them.",
    )
