"""``/mlops/report?model=M&alias=A``: a model's report page, served by Voila inside this Jupyter server.

The page is Voila's own handler on the report notebook shipped with the package: it runs under
the server's authentication (the user's identity), reads only, and leaves our sidebar out. A
preheated kernel (:mod:`.report_kernels`) serves each visit unless ``c.MlopsJupyter.report_preheat``
is False.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_server.utils import url_path_join

ROUTE = "mlops/report"
NOTEBOOK = "model_report.ipynb"
KERNELS = "mlops_report_kernels"  # web_app.settings key: the ReportKernels, when preheating
# The pool starts this long after the Models view has been answered, not inside that request:
# warming holds the server's event loop in short stretches (under 1 s each, measured under load).
WARM_AFTER_S = 3


def warm_soon(settings) -> None:
    """Start the report's kernel pool shortly: the Models view is open, "Open report" a click away."""
    pool = settings.get(KERNELS)
    if pool is not None and pool.manager is None:
        from tornado.ioloop import IOLoop

        IOLoop.current().call_later(WARM_AFTER_S, pool.warm)


def handlers(serverapp, base_url: str) -> list[tuple]:
    import tornado.web
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from voila.configuration import VoilaConfiguration
    from voila.paths import collect_template_paths
    from voila.tornado.handler import TornadoVoilaHandler

    from ..reports import TEMPLATE, notebook, template_root

    folder = Path(notebook()).parent
    contents = FileContentsManager(root_dir=str(folder), parent=serverapp)
    voila = VoilaConfiguration(parent=serverapp)
    voila.extension_denylist = ["mlops-jupyter"]  # our sidebar has no place in a report
    options = {
        "config": serverapp.config,
        # our template first: its index.html.j2 extends the lab template that follows
        "template_paths": [
            str(template_root() / "voila" / "templates" / TEMPLATE),
            *collect_template_paths(["voila", "nbconvert"], voila.template),
        ],
        "voila_configuration": voila,
        "notebook_path": NOTEBOOK,
    }
    routes: list[tuple] = []
    pool = None
    if serverapp.config.get("MlopsJupyter", {}).get("report_preheat", True):
        from .report_kernels import QUERY_ROUTE, QueryHandler, ReportKernels

        pool = ReportKernels(serverapp, NOTEBOOK, options, contents, voila)
        serverapp.web_app.settings[KERNELS] = pool
        routes.append((url_path_join(base_url, QUERY_ROUTE), QueryHandler))

    class ReportPageHandler(TornadoVoilaHandler):
        @property
        def contents_manager(self):  # the report notebook's folder, not the user's files
            return contents

        @property
        def kernel_manager(self):
            return pool.manager if pool is not None and pool.manager is not None else super().kernel_manager

        @tornado.web.authenticated  # before warming: no kernel for a visitor without a login
        async def get(self, path=None):
            if pool is not None:
                pool.warm()  # a visit before the Models view was opened starts the pool and waits
            await super().get(path)

        def should_use_rendered_notebook(self, notebook_data, pool_size, *args) -> bool:
            return pool_size > 0  # the pool's kernel, even while it is still getting ready

    routes.append((url_path_join(base_url, ROUTE), ReportPageHandler, options))
    return routes
