"""The registry's tables: models, a model's versions, the audit log (shown by magics and the CLI)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from .tables import Table, number


def _when(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M") if ms else ""


def _key_metrics(metrics: dict | None, n: int = 2) -> str:
    shown = [(k, v) for k, v in sorted((metrics or {}).items()) if not k.startswith(("shap.", "drift."))][:n]
    return f" ({', '.join(f'{k} {number(v)}' for k, v in shown)})" if shown else ""


class ModelsTable(Table):
    empty = "No registered models yet. Register a run's model with `mlops register RUN --name NAME`."

    def __init__(self, page):
        rows = [
            [
                m.name,
                f"v{m.latest_version}" if m.latest_version else "",
                ", ".join(
                    f"{a}=v{v}{_key_metrics(m.alias_metrics.get(a))}" for a, v in sorted(m.aliases.items())
                ),
                _when(m.updated),
                m.description or "",
            ]
            for m in page.models
        ]
        super().__init__(["model", "latest", "aliases", "updated (UTC)", "description"], rows)
        self.next_page_token = page.next_page_token


class VersionsTable(Table):
    empty = "This model has no versions."

    def __init__(self, detail, max_metrics: int = 3):
        counts: dict[str, int] = {}
        for v in detail.versions:
            for key in v.metrics:
                if not key.startswith(("shap.", "drift.")):  # per-feature detail, on the card
                    counts[key] = counts.get(key, 0) + 1
        keys = sorted(counts, key=lambda k: (-counts[k], k))[:max_metrics]
        rows = []
        for v in detail.versions:
            validated = {True: "yes", False: "no", None: "n/a"}[v.validated]
            rows.append(
                [
                    f"v{v.version}",
                    ", ".join(v.aliases),
                    *(number(v.metrics.get(k)) for k in keys),
                    validated,
                    (v.notebook_version or "")[:12],
                    v.run_id or "",
                    v.registered_by or "",
                    _when(v.created),
                ]
            )
        headers = ["version", "aliases", *keys, "validated", "notebook", "run", "by", "registered (UTC)"]
        super().__init__(headers, rows)
        self.model = detail.model
        self.rules = detail.rules

    def __repr__(self) -> str:
        m = self.model
        aliases = ", ".join(f"{a}=v{v}" for a, v in sorted(m.aliases.items())) or "none"
        rules = "; ".join(f"{a}: {', '.join(r)}" for a, r in sorted(self.rules.items())) or "none"
        return f"{m.name}  aliases: {aliases}  rules: {rules}\n" + super().__repr__()

    def _repr_html_(self) -> str:
        m = self.model
        aliases = ", ".join(f"{a} → v{v}" for a, v in sorted(m.aliases.items())) or "none"
        rules = "; ".join(f"{a}: {', '.join(r)}" for a, r in sorted(self.rules.items())) or "none"
        return (
            f"<p><strong>{html.escape(m.name)}</strong> · aliases: {html.escape(aliases)} · "
            f"promotion rules: {html.escape(rules)}</p>" + super()._repr_html_()
        )


def _change(entry: dict) -> str:
    before = entry["before"] or {}
    after = entry["after"] or {}
    if "version" in after and "@" in entry["target"]:
        was = f"v{before['version']}" if before.get("version") else "none"
        return f"{was} -> v{after['version']}" + (" (forced)" if after.get("forced") else "")
    if "version" in after:
        return f"v{after['version']}"
    if "rules" in after:
        return ", ".join(after["rules"]) or "no rules"
    if "role" in after:
        return f"{before.get('role') or '-'} -> {after['role']}"
    return ", ".join(f"{k}={v}" for k, v in after.items() if not isinstance(v, (dict, list)))


class AuditTable(Table):
    empty = "The audit log has no matching entries."

    def __init__(self, entries: list[dict]):
        rows = [
            [
                str(e["seq"]),
                e["time"][:19].replace("T", " "),
                e["actor"],
                e["role"],
                e["action"],
                e["target"],
                _change(e),
                e["reason"] or "",
            ]
            for e in entries
        ]
        super().__init__(["#", "time (UTC)", "actor", "role", "action", "target", "change", "reason"], rows)
