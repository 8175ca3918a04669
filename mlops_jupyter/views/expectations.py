"""The failures of a data expectation, per column and check: a table any face can show."""

from __future__ import annotations

import html

from .tables import Table


def failures_table(report: dict) -> Table:
    """Rows: column, check, failing rows (count), a few of them and their values."""
    rows = [
        [
            f["column"],
            f["check"],
            f"{f['count']:,}",
            ", ".join(str(r) for r in f["rows"]) or "-",
            ", ".join(repr(v) for v in f["values"]),
        ]
        for f in report["failures"]
    ]
    table = Table(["column", "check", "failing", "rows", "values"], rows, css="mlops-table mlops-expect")
    table.empty = report["summary"]
    return table


def expectations_html(report: dict) -> str:
    """A heading with the verdict, then the failures table."""
    mark = "passed" if report["passed"] else "failed"
    head = (
        f'<div class="mlops-expect-{mark}"><b>Expectations {html.escape(report["name"])}: {mark}</b> '
        f"&mdash; {html.escape(report['summary'])}</div>"
    )
    return head + (failures_table(report)._repr_html_() if report["failures"] else "")
