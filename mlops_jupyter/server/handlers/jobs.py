"""Production jobs: list, describe, history, create, run now, pause, resume, update, delete.

Every handler is parse → core call → JSON; the core checks roles (developer or higher to
change a job) with the caller being the server's authenticated identity, and writes the
governed changes to the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...errors import BadInput
from ..base import MlopsHandler, api


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class CreateJob(_Strict):
    notebook: str
    name: str | None = None
    cron: str | None = None
    timezone: str = "UTC"
    parameters: dict[str, Any] = {}
    secrets: dict[str, str] = {}  # parameter -> environment variable (never a value)
    version: str | None = None
    retries: int = Field(0, ge=0, le=100)
    retry_delay: str | float = 60
    timeout: str | float | None = None
    missed: Literal["catch-up", "skip"] = "catch-up"
    alerts: list[str] = []
    experiment: str | None = None
    retrain_job: str | None = None
    register_model: str | None = None
    paused: bool = False
    kernel: str | None = None


class UpdateJob(_Strict):
    version: str | None = None
    cron: str | None = None
    timezone: str | None = None
    parameters: dict[str, Any] | None = None
    secrets: dict[str, str] | None = None
    retries: int | None = Field(None, ge=0, le=100)
    retry_delay: str | float | None = None
    timeout: str | float | None = None
    missed: Literal["catch-up", "skip"] | None = None
    alerts: list[str] | None = None
    experiment: str | None = None
    retrain_job: str | None = None
    register_model: str | None = None
    kernel: str | None = None
    reason: str | None = None


class Reason(_Strict):
    reason: str | None = None


class HistoryQuery(_Strict):
    limit: int = Field(50, ge=1, le=1000)


def _confined(handler: MlopsHandler, notebook: str) -> str:
    """The notebook path inside the server's root directory (relative paths are relative to it)."""
    root = Path(handler.settings.get("server_root_dir") or ".").expanduser().resolve()
    path = (root / notebook).resolve()
    if path != root and root not in path.parents:
        raise BadInput(
            f"notebook {notebook!r} is outside the server's root directory", f"Give a path under {root}."
        )
    return str(path)


class JobsHandler(MlopsHandler):
    @api
    async def get(self):
        from ...jobs import service as jobs_api
        from ...jobs.presence import schedulers

        found = await self.call(jobs_api.jobs)
        live = await self.call(schedulers)
        return {"jobs": [j.to_dict() for j in found], "schedulers": live}

    @api
    async def post(self):
        from ...jobs import service as jobs_api

        b = self.body(CreateJob)
        info = await self.call(
            jobs_api.schedule,
            _confined(self, b.notebook),
            b.cron,
            tz=b.timezone,
            name=b.name,
            parameters=b.parameters,
            secrets=b.secrets,
            version=b.version,
            retries=b.retries,
            retry_delay=b.retry_delay,
            timeout=b.timeout,
            missed=b.missed,
            alerts=b.alerts,
            experiment=b.experiment,
            retrain_job=b.retrain_job,
            register_model=b.register_model,
            paused=b.paused,
            kernel=b.kernel,
            user=self.username,
        )
        self.set_status(201)
        return info.to_dict()


class JobHandler(MlopsHandler):
    @api
    async def get(self, name: str):
        from ...jobs import service as jobs_api

        return (await self.call(jobs_api.job, name)).to_dict()

    @api
    async def patch(self, name: str):
        from ...jobs import service as jobs_api

        b = self.body(UpdateJob)
        given = {k: getattr(b, k) for k in b.model_fields_set}
        kwargs: dict[str, Any] = {}
        renames = {"cron": "cron_expression", "timezone": "tz"}
        for key, value in given.items():
            kwargs[renames.get(key, key)] = value
        info = await self.call(jobs_api.update, name, user=self.username, **kwargs)
        return info.to_dict()

    @api
    async def delete(self, name: str):
        from ...jobs import service as jobs_api

        q = self.query(Reason)  # DELETE carries no body: the reason is a query argument
        await self.call(jobs_api.delete, name, reason=q.reason, user=self.username)
        return {"deleted": name}


class HistoryHandler(MlopsHandler):
    @api
    async def get(self, name: str):
        from ...jobs import service as jobs_api

        q = self.query(HistoryQuery)
        found = await self.call(jobs_api.history, name, q.limit)
        return {"job": name, "firings": [f.to_dict() for f in found]}


class RunNowHandler(MlopsHandler):
    @api
    async def post(self, name: str):
        from ...jobs import service as jobs_api

        firing = await self.call(jobs_api.run_now, name, user=self.username)
        self.set_status(202)
        return firing.to_dict()


class PauseHandler(MlopsHandler):
    @api
    async def post(self, name: str):
        from ...jobs import service as jobs_api

        b = self.body(Reason)
        return (await self.call(jobs_api.pause, name, reason=b.reason, user=self.username)).to_dict()


class ResumeHandler(MlopsHandler):
    @api
    async def post(self, name: str):
        from ...jobs import service as jobs_api

        b = self.body(Reason)
        return (await self.call(jobs_api.resume, name, reason=b.reason, user=self.username)).to_dict()
