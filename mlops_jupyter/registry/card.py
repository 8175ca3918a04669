"""Model cards: what a model version is, where it came from, how it compares, who promoted it.

A card is gathered from what is already recorded (the registry, the version's run, the
validation table, the audit log) into sections that render as Markdown and as HTML. It
reads whatever explain/monitoring logged on the run: metrics ``shap.<feature>`` (mean
absolute SHAP value) and ``drift.*``, and artifacts under ``shap``/``explain``/``drift``.

>>> card = mlops.model_card("churn", 7)
>>> open("card.md", "w").write(card.markdown())
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..governance import audit, names
from .mlflow_client import client, model_version, registered_model

TOP_FEATURES = 10
KEY_METRICS = 12


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)  # str (a paragraph) or Table


@dataclass
class ModelCard:
    model: str
    version: str
    sections: list[Section]
    facts: dict  # the same content as data, for the REST API and tests

    def markdown(self) -> str:
        out = [f"# Model card: {self.model} v{self.version}", ""]
        for section in self.sections:
            out += [f"## {section.title}", ""]
            for block in section.blocks:
                out += (_md_table(block) if isinstance(block, Table) else [_md_text(block)]) + [""]
        return "\n".join(out).rstrip() + "\n"

    def html(self, full_page: bool = False) -> str:
        parts = [f'<div class="mlops-card"><h1>Model card: {_e(self.model)} v{_e(self.version)}</h1>']
        for section in self.sections:
            parts.append(f"<h2>{_e(section.title)}</h2>")
            for block in section.blocks:
                parts.append(_html_table(block) if isinstance(block, Table) else f"<p>{_e(block)}</p>")
        parts.append("</div>")
        body = "\n".join(parts)
        if not full_page:
            return body
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(self.model)} v{_e(self.version)}: model card</title><style>{_CSS}</style></head>"
            f"<body>\n{body}\n</body></html>\n"
        )

    def _repr_html_(self) -> str:
        return f"<style>{_CSS}</style>" + self.html()

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        return self.markdown()


_CSS = (
    ".mlops-card{font-family:system-ui,sans-serif;max-width:60em}"
    ".mlops-card table{border-collapse:collapse;margin:.5em 0}"
    ".mlops-card td,.mlops-card th{border:1px solid #d0d7de;padding:.25em .6em;text-align:left}"
    ".mlops-card th{background:#f6f8fa}"
)


def _e(text) -> str:
    return html_lib.escape(str(text))


def _md_text(text: str) -> str:
    return str(text).replace("\n", " ")


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(t: Table) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in t.headers) + " |", "|" + "---|" * len(t.headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in t.rows]
    return lines


def _html_table(t: Table) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in t.headers)
    rows = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in t.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _when(ms_or_text) -> str:
    if ms_or_text is None:
        return ""
    if isinstance(ms_or_text, (int, float)):
        return datetime.fromtimestamp(ms_or_text / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(ms_or_text)


def _num(value) -> str:
    return "" if value is None else f"{value:.6g}"


# -- gathering -------------------------------------------------------------------------


def model_card(model: str, version: str | int | None = None, against: str = "champion") -> ModelCard:
    """The card of ``model`` ``version`` (default: the holder of ``against``, else the newest version).

    Metrics are compared with the version holding ``against``.
    """
    from .gate import validation_check
    from .rules import stored
    from .service import _run_or_none

    names.model_name(model)
    names.alias(against)
    rm = registered_model(model)
    aliases = {a: str(v) for a, v in (rm.aliases or {}).items()}
    if version is None:
        latest = max((int(v.version) for v in rm.latest_versions or []), default=None)
        version = aliases.get(against) or (str(latest) if latest else None)
        if version is None:
            from ..errors import NotFound

            raise NotFound(
                f"model {model!r} has no versions yet", "Register one with `mlops register RUN --name NAME`."
            )
    version = names.version(version)
    mv = model_version(model, version)
    run = _run_or_none(mv.run_id)
    champion_version = aliases.get(against)
    champion_run = None
    if champion_version and champion_version != version:
        champion_run = _run_or_none(model_version(model, champion_version).run_id)
    validated, row = validation_check(version, run)
    history = _history(model, version)
    sections = [
        _description(rm, mv, aliases),
        _lineage(mv, run),
        _metrics(version, run, against, champion_version, champion_run),
        _validation(validated, row),
        *_explain_and_drift(run),
        _rules(stored(model)),
        _promotions(history),
    ]
    facts = {
        "model": model,
        "version": version,
        "run_id": mv.run_id,
        "aliases": sorted(a for a, v in aliases.items() if v == version),
        "compared_with": {"alias": against, "version": champion_version},
        "validated": validated.passed,
        "history": history,
    }
    return ModelCard(model, version, [s for s in sections if s is not None], facts)


def _description(rm, mv, aliases: dict[str, str]) -> Section:
    s = Section("Description")
    s.blocks.append(rm.description or "No model description yet.")
    if mv.description:
        s.blocks.append(f"This version: {mv.description}")
    held = sorted(a for a, v in aliases.items() if v == str(mv.version))
    others = ", ".join(f"{a} → v{v}" for a, v in sorted(aliases.items())) or "none"
    s.blocks.append(f"Aliases of this version: {', '.join(held) or 'none'}. All aliases: {others}.")
    return s


def _lineage(mv, run) -> Section:
    tags = dict(mv.tags or {})
    run_tags = run.data.tags if run else {}
    rows = [
        ["run", mv.run_id or "none"],
        ["experiment", run.info.experiment_id if run else ""],
        [
            "notebook",
            tags.get("mlops.notebook.path")
            or run_tags.get("mlops.notebook.path")
            or "not made from a notebook",
        ],
        [
            "notebook version",
            tags.get("mlops.notebook.version") or run_tags.get("mlops.notebook.version") or "",
        ],
        [
            "git commit",
            tags.get("mlops.git.commit") or run_tags.get("mlflow.source.git.commit") or "not in git",
        ],
        ["model source", mv.source or ""],
        [
            "registered",
            f"{_when(mv.creation_timestamp)} by {tags.get('mlops.registered_by') or mv.user_id or 'unknown'}",
        ],
    ]
    if run_tags.get("mlops.git.dirty") == "true":
        rows[4][1] += " (with uncommitted changes)"
    s = Section("Lineage", [Table(["", "value"], rows)])
    inputs, tagged = _datasets(run), _data_tags(run)
    if inputs:
        s.blocks.append(Table(["data trained on", "context", "rows", "fingerprint", "source"], inputs))
    if tagged:
        s.blocks.append(Table(["data", "fingerprint"], tagged))
    if not inputs and not tagged:
        s.blocks.append("Data fingerprint: none logged.")
    if run and run.data.params:
        s.blocks.append(Table(["parameter", "value"], [[k, v] for k, v in sorted(run.data.params.items())]))
    return s


def _datasets(run) -> list[list[str]]:
    """The run's MLflow dataset inputs: name, context, rows (from the profile), digest, source."""
    import json

    rows = []
    for di in ((run.inputs.dataset_inputs if run.inputs else None) or []) if run else []:
        d = di.dataset
        context = next((t.value for t in di.tags or [] if t.key == "mlflow.data.context"), "")
        try:
            profile, source = json.loads(d.profile or "{}"), json.loads(d.source or "{}")
        except ValueError:
            profile, source = {}, {}
        count = profile.get("rows") if isinstance(profile, dict) else None
        uri = source.get("uri", d.source) if isinstance(source, dict) else d.source
        rows.append(
            [d.name, context, f"{count:,}" if isinstance(count, int) else "", d.digest, str(uri or "")]
        )
    return rows


def _data_tags(run) -> list[list[str]]:
    """Fingerprints a run recorded as tags or params by hand."""
    if run is None:
        return []
    return [
        [key, value]
        for key, value in sorted({**run.data.params, **run.data.tags}.items())
        if key.startswith("mlops.data.") or "fingerprint" in key.lower()
    ]


def _metrics(version: str, run, against: str, champion_version, champion_run) -> Section:
    s = Section(f"Metrics against {against}")
    metrics = {
        k: v for k, v in (run.data.metrics if run else {}).items() if not k.startswith(("shap.", "drift."))
    }
    if not metrics:
        s.blocks.append("No metrics were logged on the source run.")
        return s
    theirs = champion_run.data.metrics if champion_run else {}
    keys = sorted(metrics)[:KEY_METRICS]
    if champion_version is None or champion_version == version:
        note = (
            "This version holds it." if champion_version == version else f"No version holds {against!r} yet."
        )
        s.blocks.append(note)
        s.blocks.append(Table(["metric", f"v{version}"], [[k, _num(metrics[k])] for k in keys]))
        return s
    rows = []
    for k in keys:
        other = theirs.get(k)
        delta = "" if other is None else f"{metrics[k] - other:+.4g}"
        rows.append([k, _num(metrics[k]), _num(other), delta])
    s.blocks.append(Table(["metric", f"v{version}", f"{against} (v{champion_version})", "difference"], rows))
    return s


def _validation(check, row) -> Section:
    s = Section("Validation")
    s.blocks.append(("Validated: " if check.passed else "Not validated: ") + check.detail)
    if row is not None and row.checks:
        s.blocks.append(
            Table(
                ["check", "passed", "value"],
                [[c.get("name", ""), str(c.get("passed", "")), str(c.get("value", ""))] for c in row.checks],
            )
        )
    return s


def _explain_and_drift(run) -> list[Section]:
    if run is None:
        return []
    metrics = run.data.metrics
    shap = sorted(
        ((k[len("shap.") :], v) for k, v in metrics.items() if k.startswith("shap.")),
        key=lambda kv: -abs(kv[1]),
    )
    drift = sorted((k, v) for k, v in metrics.items() if k.startswith("drift."))
    files = _artifacts(run.info.run_id)
    out = []
    if shap or files["explain"]:
        s = Section("Top features (SHAP)")
        if shap:
            s.blocks.append(Table(["feature", "mean |SHAP|"], [[f, _num(v)] for f, v in shap[:TOP_FEATURES]]))
        if files["explain"]:
            s.blocks.append("Artifacts: " + ", ".join(files["explain"]))
        out.append(s)
    if drift or files["drift"]:
        s = Section("Drift baseline")
        if drift:
            s.blocks.append(Table(["statistic", "value"], [[k, _num(v)] for k, v in drift]))
        if files["drift"]:
            s.blocks.append("Artifacts: " + ", ".join(files["drift"]))
        out.append(s)
    return out


def _artifacts(run_id: str) -> dict[str, list[str]]:
    from mlflow.exceptions import MlflowException

    found: dict[str, list[str]] = {"explain": [], "drift": []}
    try:
        top = client().list_artifacts(run_id)
        for item in top:
            kind = (
                "drift"
                if "drift" in item.path
                else "explain"
                if item.path.startswith(("shap", "explain"))
                else None
            )
            if kind is None:
                continue
            inner = client().list_artifacts(run_id, item.path) if item.is_dir else [item]
            found[kind] += [f.path for f in inner]
    except (MlflowException, OSError):  # artifacts moved or unreachable: the card still renders
        pass
    return found


def _rules(stored: dict[str, list[str]]) -> Section:
    s = Section("Promotion rules")
    if not stored:
        s.blocks.append(
            "No metric rules; promotions need a validated notebook version and the approver role."
        )
    else:
        s.blocks.append(Table(["alias", "rules"], [[a, ", ".join(r)] for a, r in sorted(stored.items())]))
    return s


def _history(model: str, version: str) -> list[dict]:
    """Audit entries about this version: its registration and every alias move to or from it."""
    mine = []
    for e in audit.entries(model=model):
        versions = {(e["before"] or {}).get("version"), (e["after"] or {}).get("version")}
        if version in versions and e["action"] in ("register", "promote", "rollback"):
            mine.append(e)
    return mine


def _promotions(history: list[dict]) -> Section:
    s = Section("Promotion history")
    if not history:
        s.blocks.append("No registrations or alias moves of this version are in the audit log.")
        return s
    rows = []
    for e in history:
        alias = e["target"].rpartition("@")[2] if "@" in e["target"] else ""
        before = (e["before"] or {}).get("version")
        after = (e["after"] or {}).get("version")
        move = f"v{before or '-'} → v{after}" if alias else f"v{after}"
        forced = " (forced)" if (e["after"] or {}).get("forced") else ""
        rows.append(
            [e["time"], e["action"] + forced, alias, move, f"{e['actor']} ({e['role']})", e["reason"] or ""]
        )
    s.blocks.append(Table(["time (UTC)", "action", "alias", "change", "by", "reason"], rows))
    return s
