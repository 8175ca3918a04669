"""Where steps run: local kernels from a pool, or Dask workers; one interface for both.

>>> with make_executor("local", workers=2) as ex:
...     futures = ex.map(steps)
...     results = [f.result() for f in futures]

``submit`` returns a :class:`concurrent.futures.Future` that resolves to a
:class:`~.step.StepResult` once the step is executed *and* recorded. Locally, recording
happens on the executor's own writer thread, so the next notebook starts while the last
one is still being written to MLflow.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import uuid
from abc import ABC, abstractmethod
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

from .. import config
from ..errors import BadInput, Unavailable, missing_extra
from ..tracking.clock import now_ms
from .execute import execute, record
from .step import Execution, Step, StepResult

if TYPE_CHECKING:
    from jupyter_client import AsyncKernelManager

log = logging.getLogger(__name__)
EXECUTORS = ("local", "dask")
_DASK_ADDRESS = re.compile(r"^((tcp|tls|ws|wss|ucx)://)?(\[[0-9a-fA-F:]+\]|[\w.\-]+):\d{1,5}/?$")


def wait_first(futures) -> set[Future]:
    """The futures that are done, waiting until at least one is.

    Waits in short slices: Python runs a Ctrl-C handler in the main thread only, and when the
    signal lands on another thread a main thread asleep on a lock without a timeout never sees it.
    """
    while True:
        done, _ = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
        if done:
            return done


class Executor(ABC):
    """Runs steps; subclasses say where."""

    name = "executor"
    workers = 1

    @abstractmethod
    def submit(self, step: Step) -> Future:
        """Start ``step``; the future gives its :class:`StepResult`."""

    def map(self, steps) -> list[Future]:
        return [self.submit(step) for step in steps]

    def cancel(self) -> None:  # noqa: B027 - an optional hook: nothing to stop by default
        """Stop what is running and everything queued (Ctrl-C); their runs end KILLED."""

    def shutdown(self) -> None:  # noqa: B027 - an optional hook: nothing to release by default
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


class LocalExecutor(Executor):
    """Notebooks on this machine, at most ``workers`` at once, each on a fresh pooled kernel."""

    name = "local"

    def __init__(
        self,
        workers: int | None = None,
        kernels: str = "spawn",
        preload: tuple[str, ...] = (),
        kernel_name: str = "python3",
        expected_steps: int | None = None,
    ):
        """``expected_steps`` known (a sweep, a DAG): start exactly the kernels they need.
        Unknown (a scheduler): keep ``workers`` kernels started ahead of need, always."""
        from .kernel_pool import KernelPool

        # Twice the cores by default: a small notebook's kernel waits on messages as much as it computes.
        self.workers = max(1, workers or 2 * (os.cpu_count() or 1))
        self.kernels = kernels
        self._exact = expected_steps is not None
        self._queued = 0  # submitted, not yet holding a kernel
        self._queue_lock = threading.Lock()
        self.pool = KernelPool(
            self.workers, mode=kernels, preload=preload, kernel_name=kernel_name, prestart=expected_steps
        )
        self._runners = ThreadPoolExecutor(self.workers, thread_name_prefix="mlops-step")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="mlops-record")
        self._cancelled = threading.Event()
        self._kernels: dict[int, AsyncKernelManager] = {}  # id(step) -> the kernel running it

    def submit(self, step: Step) -> Future:
        outer: Future = Future()
        if self._exact and self._pooled(step):
            with self._queue_lock:
                self._queued += 1
                queued = self._queued
            self.pool.ensure(min(queued, self.workers))
        self._runners.submit(self._run, step, outer)
        return outer

    def _pooled(self, step: Step) -> bool:
        return (step.kernel_name or "python3") == self.pool.kernel_name

    def kill(self, step: Step) -> bool:
        """Kill the kernel running ``step`` (a job past its timeout); the step ends FAILED at once."""
        km = self._kernels.get(id(step))
        if km is None:
            return False
        self.pool.kill(km)
        return True

    def _run(self, step: Step, outer: Future) -> None:
        try:
            if self._cancelled.is_set():
                execution = Execution(
                    "KILLED", now_ms(), now_ms(), None, {"message": "cancelled before it started"}
                )
            else:
                execution = self._execute(step)
            self._writer.submit(self._record, step, execution, outer)
        except BaseException as exc:  # noqa: BLE001 - reported through the future
            outer.set_exception(exc)

    def _execute(self, step: Step) -> Execution:
        try:
            km = None
            if self._pooled(step):
                km = self.pool.acquire(replace=not self._exact)
                if self._exact:
                    with self._queue_lock:
                        self._queued -= 1
                        waiting = self._queued
                    # One kernel per step still queued, up to one per worker: none left over.
                    self.pool.ensure(min(waiting, self.workers))
        except Exception as exc:  # noqa: BLE001 - the run is recorded FAILED with the reason
            return Execution(
                "FAILED",
                now_ms(),
                now_ms(),
                None,
                {"message": str(exc), "ename": type(exc).__name__, "evalue": str(exc)},
            )
        if km is not None:
            self._kernels[id(step)] = km
        try:
            return execute(step, km)
        finally:
            self._kernels.pop(id(step), None)
            if km is not None:
                self.pool.release(km)

    def _record(self, step: Step, execution: Execution, outer: Future) -> None:
        try:
            outer.set_result(record(step, execution, killed=self._cancelled.is_set()))
        except BaseException as exc:  # noqa: BLE001
            outer.set_exception(exc)

    def cancel(self) -> None:
        self._cancelled.set()
        self.pool.kill_all()

    def shutdown(self) -> None:
        self._runners.shutdown(wait=True, cancel_futures=False)
        self._writer.shutdown(wait=True)
        self.pool.close()


class DaskExecutor(Executor):
    """Steps as tasks on a Dask cluster; workers record into the same tracking store."""

    name = "dask"

    def __init__(self, address: str, workers: int | None = None, connect_timeout: float = 5):
        try:
            from distributed import Client
        except ImportError as exc:
            raise missing_extra("dask", "the Dask executor", exc) from None

        self.address = address
        try:
            self.client = Client(address, timeout=f"{connect_timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise Unavailable(
                f"cannot reach the Dask scheduler at {address}: {why}",
                "Check the address (tcp://host:8786) and that the scheduler is running.",
            ) from None
        self.workers = workers or max(1, sum(self.client.nthreads().values()))
        self._futures: list = []
        self._cancelled = False

    def submit(self, step: Step) -> Future:
        outer: Future = Future()
        task = self.client.submit(dask_step, step, pure=False, key=f"mlops-step-{uuid.uuid4().hex}")
        self._futures.append(task)

        def done(task):
            try:
                outer.set_result(task.result())
            except BaseException as exc:  # noqa: BLE001 - a cancelled or lost task
                outer.set_exception(exc)

        task.add_done_callback(done)
        return outer

    def cancel(self) -> None:
        self._cancelled = True
        self.client.cancel(self._futures, force=True)

    def shutdown(self) -> None:
        self.client.close()


# -- on a Dask worker -----------------------------------------------------------------------

_worker_pool = None
_worker_lock = threading.Lock()


def dask_step(step: Step) -> StepResult:
    """Run one step on this worker, on a kernel the worker keeps started ahead of need."""
    pool = _pool_for_worker()
    km = pool.acquire() if (step.kernel_name or "python3") == pool.kernel_name else None
    try:
        from .execute import run_step

        return run_step(step, km, keep_killed=True)  # the caller may have given up on it (Ctrl-C)
    finally:
        if km is not None:
            pool.release(km)


def _pool_for_worker():
    global _worker_pool
    with _worker_lock:
        if _worker_pool is None:
            from .kernel_pool import KernelPool

            _worker_pool = KernelPool(1, mode="spawn")
            atexit.register(_worker_pool.close)
        return _worker_pool


# -- choosing ----------------------------------------------------------------------------------


def choose_executor(name: str | None, address: str | None, kernels: str = "auto") -> tuple[str, str | None]:
    """The executor's name and address as :func:`make_executor` reads them, checked before
    anything starts or is written (a bad address must not cost a run or a lingering client)."""
    address = address or config.dask_address()
    name = (name or ("dask" if address else "local")).lower()
    if name not in EXECUTORS:
        raise BadInput(f"unknown executor {name[:80]!r}", f"Use one of: {', '.join(EXECUTORS)}.")
    if name == "dask":
        if not address:
            raise BadInput(
                "the dask executor needs a scheduler address",
                "Pass --address tcp://host:8786 or set MLOPS_DASK_ADDRESS.",
            )
        if not _DASK_ADDRESS.match(address):
            raise BadInput(
                f"{address[:80]!r} is not a Dask scheduler address",
                "Accepted: [tcp|tls|ws|wss|ucx://]HOST:PORT, e.g. tcp://127.0.0.1:8786.",
            )
    elif kernels not in ("auto", "spawn", "fork"):
        raise BadInput(f"unknown kernel start mode {kernels!r:.80}", "Use auto, spawn or fork.")
    return name, address


def make_executor(
    name: str | None = None,
    *,
    workers: int | None = None,
    address: str | None = None,
    kernels: str = "auto",
    preload: tuple[str, ...] = (),
    expected_steps: int | None = None,
    kernel_name: str = "python3",
) -> Executor:
    """The executor called ``name`` (default: dask when an address is configured, else local).

    ``expected_steps``: how many steps will be submitted, when known (None: a long-lived
    executor that keeps kernels warm).
    """
    from ..tracking.replay import replay_in_background

    replay_in_background()  # runs that stopped processes left in their journals
    name, address = choose_executor(name, address, kernels)
    if name == "dask":
        assert address is not None  # choose_executor refuses a dask executor without one
        return DaskExecutor(address, workers)
    if kernels == "auto":
        # A zygote costs one kernel start of its own: worth it from a few runs on.
        kernels = (
            "fork" if (expected_steps is None or expected_steps >= 3) and _forkable(kernel_name) else "spawn"
        )
    return LocalExecutor(
        workers, kernels=kernels, preload=preload, kernel_name=kernel_name, expected_steps=expected_steps
    )


def _forkable(kernel_name: str) -> bool:
    """Only an ipykernel running on this very interpreter can be forked from our zygote."""
    import sys

    if not hasattr(os, "fork"):
        return False
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
    except Exception:  # noqa: BLE001 - an unknown kernel spec fails later with its own message
        return False
    python = argv[0]
    return argv[1:3] == ["-m", "ipykernel_launcher"] and python in ("python", "python3", sys.executable)
