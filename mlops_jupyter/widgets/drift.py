"""The drift widget: verdict, sortable coloured summary table, per-column plot of the selected column."""

from __future__ import annotations

import ipywidgets as W

from . import drift_figures as F
from .slot import FigureSlot


class DriftWidget(W.VBox):
    """Shows a :class:`~mlops_jupyter.monitoring.report.DriftReport`.

    ``sort_by``/``descending`` order the table, ``column`` picks the plotted column,
    ``mode`` switches numeric plots between histograms and ECDFs.
    """

    def __init__(self, report):
        self.report = report
        self.verdict = W.HTML(F.verdict_html(report))
        self.sort_by = W.Dropdown(
            options=list(F.SORT_KEYS), value="drifted", description="Sort by", layout=W.Layout(width="240px")
        )
        self.descending = W.Checkbox(value=True, description="descending", indent=False)
        self.table = W.HTML(layout=W.Layout(max_height="320px", overflow="auto"))
        first = F.sorted_columns(report)[0].column
        self.column = W.Dropdown(
            options=self._options(), value=first, description="Column", layout=W.Layout(width="360px")
        )
        self.mode = W.ToggleButtons(
            options=[("histogram", "histogram"), ("ECDF", "ecdf")],
            value="histogram",
            style={"button_width": "90px"},
        )
        self.slot = FigureSlot(F.column_figure(report[first]))
        for control in (self.sort_by, self.descending):
            control.observe(self._on_sort, names="value")
        self.column.observe(self._on_column, names="value")
        self.mode.observe(self._on_column, names="value")
        self._render_table()
        super().__init__(
            [
                self.verdict,
                W.HBox([self.sort_by, self.descending]),
                self.table,
                W.HBox([self.column, self.mode]),
                self.slot,
            ]
        )
        self.add_class("mlops-drift-widget")

    def _options(self):
        return [
            (f"{'● ' if c.drifted else ''}{c.column}", c.column)
            for c in F.sorted_columns(
                self.report,
                self.sort_by.value if hasattr(self, "sort_by") else "drifted",
                self.descending.value if hasattr(self, "descending") else True,
            )
        ]

    def _render_table(self):
        self.table.value = F.table_html(
            self.report, self.sort_by.value, self.descending.value, self.column.value
        )

    def _on_sort(self, _change=None):
        selected = self.column.value
        self.column.unobserve(self._on_column, names="value")
        self.column.options = self._options()
        self.column.value = selected
        self.column.observe(self._on_column, names="value")
        self._render_table()

    def _on_column(self, _change=None):
        col = self.report[self.column.value]
        self.mode.disabled = col.kind != "numeric"
        self.slot.show(F.column_figure(col, self.mode.value))
        self._render_table()

    @property
    def figure(self):
        """The plot of the selected column (a redraw swaps in a new FigureWidget, see .slot)."""
        return self.slot.figure
