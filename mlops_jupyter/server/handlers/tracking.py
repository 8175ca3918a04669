"""Experiments, runs and the server's tracking status."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ... import config
from ..._version import __version__
from ...services import masked
from ..base import MlopsHandler, api


class ListRunsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    experiment: list[str] | None = None
    filter: str = ""
    max_results: int = Field(50, ge=1, le=1000)
    page_token: str | None = None


class ListExperimentsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    filter: str = ""
    max_results: int = Field(100, ge=1, le=1000)
    page_token: str | None = None


class StatusHandler(MlopsHandler):
    @api
    async def get(self):
        return {
            "version": __version__,
            "user": self.username,
            "tracking_uri": masked(config.tracking_uri()),
            "state_dir": str(config.state_dir(create=False)),
        }


class ExperimentsHandler(MlopsHandler):
    @api
    async def get(self):
        from ...tracking import query

        q = self.query(ListExperimentsQuery)
        return await self.call(query.experiments_page, q.filter, q.max_results, q.page_token)


class RunsHandler(MlopsHandler):
    @api
    async def get(self):
        from ...tracking import query

        q = self.query(ListRunsQuery)
        page = await self.call(query.search, q.experiment, q.filter, q.max_results, q.page_token)
        return page.to_dict()


class RunHandler(MlopsHandler):
    @api
    async def get(self, run_id: str):
        from ...tracking import query

        return (await self.call(query.get_run, run_id)).to_dict()
