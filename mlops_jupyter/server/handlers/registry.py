"""Models, versions, aliases, promotion, rollback, rules, audit log, model cards and roles.

Every handler is parse → core call → JSON. The core checks roles, with the caller being
the server's authenticated identity (see ``MlopsHandler.username``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..base import MlopsHandler, api


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ListModelsQuery(_Strict):
    filter: str = ""
    max_results: int = Field(100, ge=1, le=1000)
    page_token: str | None = None
    with_metrics: bool = False


class ModelQuery(_Strict):
    max_results: int = Field(50, ge=1, le=1000)
    page_token: str | None = None


class RegisterBody(_Strict):
    run_id: str
    name: str
    description: str | None = None
    artifact: str = "model"


class PromoteBody(_Strict):
    version: int | str
    alias: str = "champion"
    reason: str | None = None
    require: list[str] = []
    force: bool = False
    # The holder the caller saw (null: none); refused with 409 if the alias moved since.
    expected_version: int | str | None = None


class RollbackBody(_Strict):
    alias: str = "champion"
    reason: str | None = None


class RulesBody(_Strict):
    alias: str = "champion"
    add: list[str] = []
    remove: list[str] = []
    reason: str | None = None


class AliasesQuery(_Strict):
    at: str | None = None


class AuditQuery(_Strict):
    model: str | None = None
    action: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = Field(100, ge=1, le=1000)
    before: int | None = Field(None, ge=1)


class CardQuery(_Strict):
    format: Literal["json", "markdown", "html"] = "json"
    against: str = "champion"


class RoleBody(_Strict):
    role: str
    reason: str | None = None


class ModelsHandler(MlopsHandler):
    @api
    async def get(self):
        from ...registry import service

        q = self.query(ListModelsQuery)
        page = await self.call(
            service.models, q.filter, q.max_results, q.page_token, with_metrics=q.with_metrics
        )
        from ..report_page import warm_soon

        warm_soon(self.settings)  # "Open report" is a click away
        return page.to_dict()

    @api
    async def post(self):
        from ...registry import service

        b = self.body(RegisterBody)
        version = await self.call(
            service.register,
            b.run_id,
            b.name,
            description=b.description,
            artifact=b.artifact,
            user=self.username,
        )
        self.set_status(201)
        return version.to_dict()


class ModelHandler(MlopsHandler):
    @api
    async def get(self, name: str):
        from ...registry import service

        q = self.query(ModelQuery)
        return (await self.call(service.model, name, q.max_results, q.page_token)).to_dict()


class VersionHandler(MlopsHandler):
    @api
    async def get(self, name: str, version: str):
        from ...registry import service

        return (await self.call(service.get_version, name, version)).to_dict()


class CardHandler(MlopsHandler):
    @api
    async def get(self, name: str, version: str):
        from ...governance import names
        from ...registry.card import model_card

        q = self.query(CardQuery)
        card = await self.call(model_card, name, names.version(version), q.against)
        if q.format == "markdown":
            self.finish(card.markdown(), set_content_type="text/markdown; charset=utf-8")
            return None
        if q.format == "html":
            self.finish(card.html(full_page=True), set_content_type="text/html; charset=utf-8")
            return None
        return {
            "model": card.model,
            "version": card.version,
            "markdown": card.markdown(),
            "html": card.html(),
            "facts": card.facts,
        }


class AliasesHandler(MlopsHandler):
    @api
    async def get(self, name: str):
        from ...governance import audit, names
        from ...registry import history, mlflow_client

        q = self.query(AliasesQuery)
        names.model_name(name)
        if q.at is None:
            rm = await self.call(mlflow_client.registered_model, name)
            return {"model": name, "at": None, "aliases": {a: str(v) for a, v in (rm.aliases or {}).items()}}
        at = audit.parse_time(q.at, end_of_day=True)
        assert at is not None  # parsed from text, never None
        held = await self.call(history.holders_at, name, at)
        return {"model": name, "at": audit._utc_text(at) + "Z", "aliases": held}


class PromoteHandler(MlopsHandler):
    @api
    async def post(self, name: str):
        from ...registry import promotion

        b = self.body(PromoteBody)
        expect = b.expected_version if "expected_version" in b.model_fields_set else promotion.UNSET
        done = await self.call(
            promotion.promote,
            name,
            b.version,
            b.alias,
            reason=b.reason,
            require=b.require,
            force=b.force,
            user=self.username,
            expect=expect,
        )
        return done.to_dict()


class RollbackHandler(MlopsHandler):
    @api
    async def post(self, name: str):
        from ...registry import promotion

        b = self.body(RollbackBody)
        done = await self.call(promotion.rollback, name, b.alias, reason=b.reason, user=self.username)
        return done.to_dict()


class RulesHandler(MlopsHandler):
    @api
    async def get(self, name: str):
        from ...governance import names
        from ...registry import mlflow_client, rules

        names.model_name(name)
        await self.call(mlflow_client.registered_model, name)
        return {"model": name, "rules": await self.call(rules.stored, name)}

    @api
    async def post(self, name: str):
        from ...registry import rules

        b = self.body(RulesBody)
        await self.call(rules.change, name, b.alias, b.add, b.remove, user=self.username, reason=b.reason)
        return {"model": name, "rules": await self.call(rules.stored, name)}


class AuditHandler(MlopsHandler):
    @api
    async def get(self):
        from ...governance import audit

        q = self.query(AuditQuery)
        found, before = await self.call(audit.page, q.model, q.action, q.since, q.until, q.limit, q.before)
        return {"entries": found, "next_before": before}


class AuditVerifyHandler(MlopsHandler):
    @api
    async def get(self):
        from ...governance import audit

        problems = await self.call(audit.verify)
        return {"ok": not problems, "problems": [p.to_dict() for p in problems]}


class RolesHandler(MlopsHandler):
    @api
    async def get(self):
        from ...governance import remote, roles

        table = await self.call(roles.table)
        user = self.username
        url = remote.service_url()
        if url is not None:  # team mode: the governance service says who acts and with which role
            who = await self.call(remote.whoami, url)
            user, role = who["user"], who["role"]
        else:
            role = table.role_of(user)
        return {"user": user, "role": role, "roles": list(roles.ROLES), **table.to_dict()}


class RoleHandler(MlopsHandler):
    @api
    async def put(self, user: str):
        from ...governance import role_changes

        b = self.body(RoleBody)
        table = await self.call(role_changes.set_role, user, b.role, actor=self.username, reason=b.reason)
        return {"user": user, "role": table.role_of(user), **table.to_dict()}
