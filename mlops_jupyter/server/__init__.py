"""The Jupyter server extension: the REST API under ``/mlops/api/`` that the sidebar uses.

Handlers are thin (parse, call the core in a worker thread, answer JSON); errors map to
statuses in one place (:mod:`.base`). Loading the extension imports no MLflow.
"""

from __future__ import annotations

import importlib
import os

from jupyter_server.utils import url_path_join

from .. import config

API = "mlops/api"

# URL pattern under /mlops/api -> "module:HandlerClass" in mlops_jupyter.server.handlers
ROUTES = [
    (r"/status", "tracking:StatusHandler"),
    (r"/experiments", "tracking:ExperimentsHandler"),
    (r"/runs", "tracking:RunsHandler"),
    (r"/runs/(?P<run_id>[0-9a-f]{32})", "tracking:RunHandler"),
    # registry and governance; names are checked by the core, so any segment routes
    (r"/models", "registry:ModelsHandler"),
    (r"/models/(?P<name>[^/]+)", "registry:ModelHandler"),
    (r"/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)", "registry:VersionHandler"),
    (r"/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/card", "registry:CardHandler"),
    (r"/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/lineage", "lineage:VersionLineageHandler"),
    (r"/datasets/(?P<digest>[^/]+)/lineage", "lineage:DatasetLineageHandler"),
    (r"/models/(?P<name>[^/]+)/aliases", "registry:AliasesHandler"),
    (r"/models/(?P<name>[^/]+)/promote", "registry:PromoteHandler"),
    (r"/models/(?P<name>[^/]+)/rollback", "registry:RollbackHandler"),
    (r"/models/(?P<name>[^/]+)/rules", "registry:RulesHandler"),
    (r"/audit", "registry:AuditHandler"),
    (r"/audit/verify", "registry:AuditVerifyHandler"),
    (r"/roles", "registry:RolesHandler"),
    (r"/roles/(?P<user>[^/]+)", "registry:RoleHandler"),
    # production jobs; names are checked by the core
    (r"/jobs", "jobs:JobsHandler"),
    (r"/jobs/(?P<name>[^/]+)", "jobs:JobHandler"),
    (r"/jobs/(?P<name>[^/]+)/history", "jobs:HistoryHandler"),
    (r"/jobs/(?P<name>[^/]+)/run", "jobs:RunNowHandler"),
    (r"/jobs/(?P<name>[^/]+)/pause", "jobs:PauseHandler"),
    (r"/jobs/(?P<name>[^/]+)/resume", "jobs:ResumeHandler"),
]


def _load_jupyter_server_extension(serverapp) -> None:
    from .base import UnknownRouteHandler

    _share_state_dir(serverapp.root_dir)
    from ..tracking.replay import replay_in_background

    replay_in_background()  # runs that stopped kernels left in their journals
    base = serverapp.web_app.settings["base_url"]
    handlers = []
    for pattern, target in ROUTES:
        module, name = target.split(":")
        handler = getattr(importlib.import_module(f".handlers.{module}", __name__), name)
        handlers.append((url_path_join(base, API) + pattern, handler))
    # Last: any other path under the API answers a JSON 404, not the server's HTML page.
    handlers.append((url_path_join(base, API) + r"(?:/.*)?", UnknownRouteHandler))
    from .report_page import handlers as report_page

    handlers += report_page(serverapp, base)  # the model report, a Voila page (not the REST API)
    serverapp.web_app.add_handlers(".*$", handlers)
    _start_scheduler(serverapp)
    serverapp.log.info(
        "mlops-jupyter: REST API at %s, state in %s", url_path_join(base, API), config.state_dir(create=False)
    )


def _start_scheduler(serverapp) -> None:
    """Run the job scheduler in this server if asked (``c.MlopsJupyter.scheduler = True``; off by default).

    ``c.MlopsJupyter.scheduler_workers`` caps how many job notebooks run at once (default 2).
    """
    import threading

    settings = serverapp.config.get("MlopsJupyter", {})
    if not settings.get("scheduler", False):
        return
    from ..jobs.scheduler import Scheduler

    scheduler = Scheduler(workers=int(settings.get("scheduler_workers", 2)))
    serverapp.web_app.settings["mlops_scheduler"] = scheduler
    # Not scheduler.start(): the server must not wait for the kernel pool to come up.
    threading.Thread(target=scheduler.run, name="mlops-scheduler", daemon=True).start()
    serverapp.log.info("mlops-jupyter: job scheduler %s running in this server", scheduler.id)

    # A function-style extension gets no stop hook; the server's extension clean-up is the
    # one step every shutdown path takes, so the scheduler stops there.
    cleanup = serverapp.cleanup_extensions

    async def cleanup_extensions():
        import asyncio

        await asyncio.to_thread(_stop_scheduler, serverapp)
        await cleanup()

    serverapp.cleanup_extensions = cleanup_extensions


def _stop_scheduler(serverapp) -> None:
    """Let running jobs end and record them, then stop the server's scheduler."""
    scheduler = serverapp.web_app.settings.pop("mlops_scheduler", None)
    if scheduler is not None:
        scheduler.stop(wait=False)
        if scheduler.started.is_set():
            scheduler.stopped.wait(120)


def _share_state_dir(root_dir: str) -> None:
    """Pin the state directory for this server and every kernel it starts.

    Without this a kernel running a notebook in a sub-folder would look for `.mlops/`
    from its own working directory and could start a second, empty store.
    """
    if os.environ.get("MLOPS_HOME"):
        return
    previous = os.getcwd()
    try:
        os.chdir(root_dir)
        os.environ["MLOPS_HOME"] = str(config.state_dir(create=False))
    finally:
        os.chdir(previous)
