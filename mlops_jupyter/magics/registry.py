"""``%mlops register | models | card``, and the tables the CLI prints too.

Each table renders as HTML in a notebook and as aligned text in a terminal.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from . import MagicArgumentParser


def _when(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M") if ms else ""


def _num(value) -> str:
    return "" if value is None else f"{value:.4g}"


class Table:
    """Rows of text with a header; HTML in notebooks, aligned columns elsewhere."""

    empty = "Nothing to show."

    def __init__(self, headers: list[str], rows: list[list[str]], css: str = "mlops-table"):
        self.headers, self.rows, self.css = headers, rows, css

    def _repr_html_(self) -> str:
        if not self.rows:
            return f"<p><em>{html.escape(self.empty)}</em></p>"
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in self.rows
        )
        return f'<table class="{self.css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def __repr__(self) -> str:
        if not self.rows:
            return self.empty
        widths = [max(len(str(x)) for x in col) for col in zip(self.headers, *self.rows, strict=False)]
        lines = ["  ".join(str(h).ljust(w) for h, w in zip(self.headers, widths, strict=False)).rstrip()]
        for row in self.rows:
            lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
        return "\n".join(lines)


def _key_metrics(metrics: dict | None, n: int = 2) -> str:
    shown = [(k, v) for k, v in sorted((metrics or {}).items()) if not k.startswith(("shap.", "drift."))][:n]
    return f" ({', '.join(f'{k} {_num(v)}' for k, v in shown)})" if shown else ""


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
                    *(_num(v.metrics.get(k)) for k in keys),
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


# -- magics ---------------------------------------------------------------------------

_register_parser = MagicArgumentParser("register")
_register_parser.add_argument("run_id")
_register_parser.add_argument("--name", required=True)
_register_parser.add_argument("--description")
_register_parser.add_argument("--artifact", default="model")


def register(shell, line: str) -> None:
    from ..registry import models
    from ..tracking import fluent

    args = _register_parser.parse_line(line)
    fluent.flush(60)  # a run tracked in the previous cell may still be being written
    v = models.register(args.run_id, args.name, description=args.description, artifact=args.artifact)
    print(f"registered {v.model} v{v.version} from run {v.run_id}")


_models_parser = MagicArgumentParser("models")
_models_parser.add_argument("name", nargs="?")
_models_parser.add_argument("--filter", default="")
_models_parser.add_argument("-n", "--max", type=int, default=50)


def models(shell, line: str):
    from ..registry import models as registry

    args = _models_parser.parse_line(line)
    if args.name:
        return VersionsTable(registry.model(args.name, args.max))
    return ModelsTable(registry.models(args.filter, args.max, with_metrics=True))


_card_parser = MagicArgumentParser("card")
_card_parser.add_argument("model")
_card_parser.add_argument("version", nargs="?")
_card_parser.add_argument("--against", default="champion")


def card(shell, line: str):
    from ..registry.card import model_card

    args = _card_parser.parse_line(line)
    return model_card(args.model, args.version, args.against)
