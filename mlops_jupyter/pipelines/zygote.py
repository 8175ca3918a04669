"""A pre-warmed process that forks fresh IPython kernels.

Starting a kernel means starting Python and importing IPython, ipykernel, zmq and
tornado: most of a small notebook's cost, paid again for every run. The zygote pays it
once: it imports ipykernel (and the libraries the notebook imports, e.g. pandas) and then
forks one child per kernel. Each child is a fresh process, never reused, that initialises
an ordinary ``IPKernelApp`` from the connection file it is given, exactly as
``python -m ipykernel_launcher -f FILE`` would.

Forking is only safe while the zygote has a single thread and no ZMQ context, so it
imports modules and does nothing else; it checks both before each fork and refuses to
start if a preloaded module started a thread.

Protocol, over a Unix socket, one connection per kernel: the client sends one JSON line
``{"argv": [...], "env": {...}, "cwd": "..."}``; the zygote answers ``{"pid": N}`` and,
when that kernel exits, ``{"exit": code}``, then closes the connection. When its standard
input closes (the executor exited, however it exited) it kills its kernels and exits.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

from ..errors import Unavailable

# Imported in the zygote before any fork: what every kernel needs anyway.
BASE_PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.comm",
    "IPython.core.interactiveshell",
    "IPython.core.completer",
    "mlops_jupyter.tracking.fluent",
    "mlops_jupyter.tracking.journal",
)
REFUSED = 3  # exit code: a preloaded module made forking unsafe
# What an ipykernel puts in its environment before the first cell (kernelapp, zmqshell). A
# module preloaded here reads the environment at import, as it would have in the kernel:
# matplotlib takes its inline backend from MPLBACKEND then, or draws nothing.
KERNEL_ENVIRONMENT = {
    "TERM": "xterm-color",
    "CLICOLOR": "1",
    "FORCE_COLOR": "1",
    "CLICOLOR_FORCE": "1",
    "PAGER": "cat",
    "GIT_PAGER": "cat",
}
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


# -- the zygote process -------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    socket_path, preload = argv[0], argv[1:]
    # As ipykernel_launcher does: the start directory is not importable while loading.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    os.environ.update(KERNEL_ENVIRONMENT)
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = INLINE_BACKEND
    for name in (*BASE_PRELOAD, *preload):
        try:
            __import__(name)
        except Exception as exc:  # noqa: BLE001 - the kernel will raise it where the notebook imports it
            print(f"mlops zygote: could not preload {name}: {exc}", file=sys.stderr)
    problem = _fork_hazard()
    if problem:
        print(f"mlops zygote: {problem}; kernels will be started the ordinary way", file=sys.stderr)
        sys.exit(REFUSED)
    _serve(socket_path)


def _fork_hazard() -> str | None:
    import threading

    if threading.active_count() > 1:
        names = ", ".join(t.name for t in threading.enumerate() if t is not threading.current_thread())
        return f"a preloaded module started threads ({names})"
    zmq = sys.modules.get("zmq")
    if zmq is not None and getattr(zmq.Context, "_instance", None) is not None:
        return "a preloaded module created a ZMQ context"
    return None


def _serve(socket_path: str) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp = f"{socket_path}.{os.getpid()}"
    listener.bind(tmp)
    listener.listen(64)
    os.rename(tmp, socket_path)  # the client waits for this name: we are ready
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno())
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a Python handler makes the wakeup fd fire
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the executor decides what a Ctrl-C stops

    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    sel.register(wake_r, selectors.EVENT_READ, "signal")
    children: dict[int, socket.socket] = {}
    own = [listener.fileno(), wake_r.fileno(), wake_w.fileno(), sel.fileno()]

    while True:
        for key, _ in sel.select():
            if key.data == "stdin":
                if not os.read(sys.stdin.fileno(), 4096):
                    _shutdown(children)
                    return
            elif key.data == "signal":
                try:
                    wake_r.recv(4096)
                except BlockingIOError:
                    pass
                _reap(children)
            else:
                conn, _ = listener.accept()
                _spawn(conn, children, own)


def _spawn(conn: socket.socket, children: dict[int, socket.socket], own: list[int]) -> None:
    try:
        conn.settimeout(10)
        request = json.loads(_read_line(conn))
        problem = _fork_hazard()
        if problem:
            raise RuntimeError(problem)
    except Exception as exc:  # noqa: BLE001 - answered to the client, the zygote goes on
        _send(conn, {"error": str(exc)})
        conn.close()
        return
    pid = os.fork()
    if pid == 0:
        _become_kernel(request, [*own, conn.fileno(), *(c.fileno() for c in children.values())])
    children[pid] = conn
    _send(conn, {"pid": pid})


def _reap(children: dict[int, socket.socket]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
            conn.close()


def _shutdown(children: dict[int, socket.socket]) -> None:
    for pid in list(children):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    while children and time.monotonic() < deadline:
        _reap(children)
        time.sleep(0.02)


def _become_kernel(request: dict, inherited_fds: list[int]) -> None:
    """In the forked child: drop the zygote's state and run an ordinary kernel."""
    code = 1
    try:
        os.setsid()  # its own process group, so interrupts and kills reach only it
        signal.set_wakeup_fd(-1)
        for fd in set(inherited_fds):
            try:
                os.close(fd)
            except OSError:
                pass
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)  # the zygote's stdin is how it learns the executor is gone
        os.close(devnull)
        zygote_pid = os.getppid()
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(zygote_pid)
        os.chdir(request["cwd"])
        # ipykernel read JPY_PARENT_PID when the zygote imported it, so say it again: the
        # kernel then polls its parent (exits if the zygote dies) and prints no banner.
        sys.argv = ["ipykernel_launcher", *request["argv"], f"--IPKernelApp.parent_handle={zygote_pid}"]
        _reseed()
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - a child must never return into the zygote's loop
        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _reseed() -> None:
    """A forked child shares the zygote's random state; a fresh kernel would not."""
    # `random` reseeds itself after fork; numpy's global generator does not.
    np_random = sys.modules.get("numpy.random")
    if np_random is not None:
        np_random.seed()


def _read_line(conn: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode()


def _send(conn: socket.socket, message: dict) -> None:
    try:
        conn.sendall((json.dumps(message) + "\n").encode())
    except OSError:
        pass  # the client went away; its kernel is killed with the process group


# -- the client side ----------------------------------------------------------------------


class Zygote:
    """Starts and talks to a zygote process."""

    def __init__(self, preload: tuple[str, ...] = (), env: dict[str, str] | None = None):
        self.preload = tuple(preload)
        self.dir = tempfile.mkdtemp(prefix="mlops-zygote-")
        self.socket_path = os.path.join(self.dir, "zygote.sock")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from mlops_jupyter.pipelines.zygote import main; main()",
                self.socket_path,
                *self.preload,
            ],
            stdin=subprocess.PIPE,
            env=env,
            start_new_session=True,  # a terminal Ctrl-C goes to the executor, which cleans up
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.socket_path):
            code = self.process.poll()
            if code is not None:
                reason = "a preloaded module made forking unsafe" if code == REFUSED else f"exit code {code}"
                raise Unavailable(f"the kernel zygote did not start ({reason})")
            if time.monotonic() > deadline:
                raise Unavailable(f"the kernel zygote did not start within {timeout:.0f} s")
            time.sleep(0.01)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str) -> tuple[int, socket.socket]:
        """Fork a kernel; returns its pid and the connection that will report its exit."""
        self.wait_ready()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(self.socket_path)
        conn.sendall((json.dumps({"argv": argv, "env": dict(env), "cwd": cwd}) + "\n").encode())
        conn.settimeout(30)
        answer = json.loads(_read_line(conn) or "{}")
        if "pid" not in answer:
            conn.close()
            raise Unavailable(
                f"the kernel zygote could not fork a kernel: {answer.get('error', 'no answer')}"
            )
        conn.setblocking(False)
        return answer["pid"], conn

    def close(self) -> None:
        try:
            if self.process.stdin:
                self.process.stdin.close()  # the zygote kills its kernels and exits
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def exit_status(conn: socket.socket, buffer: bytearray) -> int | None:
    """The kernel's exit code if the zygote reported it, else None (still running)."""
    try:
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            buffer.extend(chunk)
    except (BlockingIOError, InterruptedError):
        pass
    except OSError:
        return -1
    else:
        if b"\n" not in buffer:
            return -1  # the zygote closed the connection without a status: it is gone
    for line in bytes(buffer).splitlines():
        message = json.loads(line)
        if "exit" in message:
            return int(message["exit"])
    return None


if __name__ == "__main__":
    main()
