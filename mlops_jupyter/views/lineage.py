"""Lineage as text any face can show: the chain of one model version, the uses of one dataset."""

from __future__ import annotations

from datetime import UTC, datetime

from .tables import Table


def _when(ms) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M") if ms else ""


def datasets_table(datasets: list[dict]) -> Table:
    rows = [
        [d["name"], d["context"], "" if d["rows"] is None else f"{d['rows']:,}", d["digest"], d["source"]]
        for d in datasets
    ]
    table = Table(["dataset", "context", "rows", "fingerprint", "source"], rows)
    table.empty = "Data: none logged."
    return table


def model_lineage_text(found: dict) -> str:
    """``data -> notebook version -> run -> model version -> jobs`` as sections of text."""
    run = found["run"] or {}
    aliases = f" ({', '.join(found['aliases'])})" if found["aliases"] else ""
    lines = [
        f"{found['model']} v{found['version']}{aliases}",
        "",
        repr(datasets_table(found["datasets"])),
        "",
    ]
    if run:
        notebook = run["notebook"] or "not made from a notebook"
        version = f"@{run['notebook_version'][:12]}" if run["notebook_version"] else ""
        commit = f", git {run['git_commit'][:10]}" if run["git_commit"] else ""
        lines += [
            f"notebook  {notebook}{version}{commit}",
            f"run       {run['id']} ({run['name'] or ''}, {run['status'].lower()}, "
            f"{_when(run['start_time'])})",
        ]
    else:
        lines.append("run       none (the version names no run)")
    lines.append(f"version   {found['model']} v{found['version']}{aliases}")
    jobs = Table(
        ["job", "relation", "schedule", "last status"],
        [
            [
                j["name"],
                "; ".join(j["relation"]),
                "paused" if j["paused"] else j["cron"] or "on demand",
                j["last_status"] or "",
            ]
            for j in found["jobs"]
        ],
    )
    jobs.empty = "Jobs: none."
    return "\n".join([*lines, "", repr(jobs)])


def dataset_lineage_text(found: dict) -> str:
    if not found["runs"]:
        return f"No run logged data with fingerprint {found['digest']}."
    runs = Table(
        ["run", "name", "as", "status", "started", "job"],
        [
            [
                r["id"],
                r["name"] or "",
                ", ".join(sorted({d["context"] for d in r["datasets"]})),
                r["status"].lower(),
                _when(r["start_time"]),
                f"{r['job']['job']} (firing {r['job']['firing']})" if r["job"] else "",
            ]
            for r in found["runs"]
        ],
    )
    versions = Table(
        ["model", "version", "aliases", "run"],
        [[v["model"], v["version"], ", ".join(v["aliases"]), v["run_id"]] for v in found["versions"]],
    )
    versions.empty = "Model versions: none trained on it."
    names = ", ".join(found["names"])
    return f"data {found['digest']} ({names})\n\n{runs!r}\n\n{versions!r}"
