"""A preheated kernel for the report page inside the Jupyter server.

Voila's server extension starts a cold kernel per visit: ~20 s of imports and store opening
before the summary shows. Standalone Voila keeps a pool of kernels that have already run the
report notebook up to ``wait_for_request()``; this module gives the in-server page the same
pool, using Voila's own pooling class over the *server's* kernel manager, so a pooled kernel is
an ordinary server kernel (the page's websocket, culling and shutdown all find it).

The pool starts a few seconds after the Models view (where "Open report" is) has been answered,
or with the first visit if that comes first; Voila refills it after each visit. Not inside the
models request: warming holds the server's event loop in short stretches, and under load, warming
there held up the models list itself. ``c.MlopsJupyter.report_preheat = False`` turns it off
(each visit then starts a cold kernel).
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.utils import url_path_join
from traitlets.config import LoggingConfigurable
from voila.request_info_handler import RequestInfoSocketHandler

QUERY_ROUTE = "mlops/report/voila/query/(?P<kernel_id>[0-9a-f-]{36})"


class ServerKernels(LoggingConfigurable):
    """The server's kernel manager seen through Voila's pooling class (its ``super()``)."""

    def __init__(self, server, **kwargs):
        self._server = server
        super().__init__(**kwargs)

    async def start_kernel(self, **kwargs) -> str:
        return await ensure_async(self._server.start_kernel(**kwargs))

    def get_kernel(self, kernel_id: str):
        return self._server.get_kernel(kernel_id)

    async def restart_kernel(self, kernel_id: str, **kwargs) -> None:
        await ensure_async(self._server.restart_kernel(kernel_id, **kwargs))

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs) -> None:
        await ensure_async(self._server.shutdown_kernel(kernel_id, *args, **kwargs))

    async def shutdown_all(self, *args, **kwargs) -> None:
        """The server shuts its kernels down itself; only the pool's are ours to stop."""

    async def cull_kernel_if_idle(self, kernel_id: str):
        return await ensure_async(self._server.cull_kernel_if_idle(kernel_id))

    def __contains__(self, kernel_id: str) -> bool:
        return kernel_id in self._server

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._server, name)


class VoilaShim(LoggingConfigurable):
    """What Voila's pooling class reads from its parent (standalone, the Voila app itself)."""

    root_dir: str
    notebook_path: str
    voila_configuration: Any
    app: Any
    base_url: str
    server_url: str
    port: int
    template_paths: list[str]
    config_manager: Any
    contents_manager: Any
    kernel_spec_manager: Any


class ReportKernels:
    """The report notebook's pool of one preheated kernel, started on the first :meth:`warm`."""

    def __init__(self, serverapp, notebook: str, options: dict, contents, voila_configuration):
        self._serverapp = serverapp
        self._notebook = notebook
        self._options = options
        self._contents = contents
        self._voila = voila_configuration
        self.manager = None  # the pooling manager, once warm

    def warm(self) -> None:
        """Fill the pool if it is not yet (call from the server's event loop)."""
        if self.manager is not None:
            return
        from voila.voila_kernel_manager import voila_kernel_manager_factory

        app = self._serverapp
        base = app.web_app.settings["base_url"]
        # Where a preheated kernel asks this server for the request it serves (QueryHandler).
        ask = {"VOILA_APP_IP": "127.0.0.1", "VOILA_WS_BASE_URL": url_path_join(base, "mlops/report/")}
        if getattr(app, "certfile", None):
            ask["VOILA_WS_PROTOCOL"] = "wss"
        shim = VoilaShim(parent=app)
        shim.root_dir = str(self._contents.root_dir)
        shim.notebook_path = os.path.join(shim.root_dir, self._notebook)
        shim.voila_configuration = self._voila
        shim.app = app.web_app
        shim.base_url = base
        shim.server_url = app.web_app.settings.get("server_url", "/")
        shim.port = app.port
        shim.template_paths = self._options["template_paths"]
        shim.config_manager = app.web_app.settings["config_manager"]
        shim.contents_manager = self._contents
        shim.kernel_spec_manager = app.kernel_spec_manager
        pooled = voila_kernel_manager_factory(ServerKernels, preheat_kernel=True, default_pool_size=1)
        # Created here, not at load: its constructor starts filling the pool.
        # The next kernel starts warming 5 s after a visit took one (Voila's default: 1 s), so
        # its imports do not compete with the page being shown on a small machine.
        self.manager = pooled(parent=shim, server=app.kernel_manager, default_env_variables=ask, fill_delay=5)
        app.log.info("mlops-jupyter: preheating a kernel for the report page")


class QueryHandler(RequestInfoSocketHandler):
    """Hands a preheated kernel the URL of the request it now serves (Voila's ``wait_for_request``).

    Only kernels on this machine ask; anyone else is refused (the URL is the visitor's).
    """

    async def get(self, *args, **kwargs):
        if self.request.remote_ip not in ("127.0.0.1", "::1"):
            self.set_status(403)
            self.finish()
            return
        await super().get(*args, **kwargs)
