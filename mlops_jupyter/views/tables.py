"""Rows of text with a header that any face can show: HTML in a notebook, aligned columns in a terminal.

Nothing here imports IPython: a notebook finds ``_repr_html_`` by itself.
"""

from __future__ import annotations

import html


def number(value) -> str:
    """A metric as tables show it: four significant digits, empty when missing."""
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
