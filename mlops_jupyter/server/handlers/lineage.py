"""Lineage: a model version's data, notebook, run and jobs; the uses of a dataset fingerprint."""

from __future__ import annotations

from ..base import MlopsHandler, api


class VersionLineageHandler(MlopsHandler):
    @api
    async def get(self, name: str, version: str):
        from ...data.lineage import lineage
        from ...governance import names

        return await self.call(lineage, f"{name}/{names.version(version)}")


class DatasetLineageHandler(MlopsHandler):
    @api
    async def get(self, digest: str):
        from ...data.lineage import dataset_lineage

        return await self.call(dataset_lineage, digest)
