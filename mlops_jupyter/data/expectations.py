"""Data expectations: a pandera schema checked against a DataFrame and recorded as a check.

>>> report = mlops.expect(df, schema)            # a pandera DataFrameSchema, or a YAML file of one
>>> report.passed, report.failures[0].column, report.failures[0].count

pandera validates lazily, so every failing column and check is found in one pass; the report
lists them per column and check with their count and a few failing rows. In a run the
outcome is the check ``expect.<name>`` (a failure fails validation, and a pipeline step) and
the whole report the artifact ``expectations/<name>.json``.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import BadInput, missing_extra

SHOWN_ROWS = 5  # failing rows kept per column and check
ACCEPTED = "Pass a pandera DataFrameSchema, or the path of a YAML file written by schema.to_yaml()."


def pandera():
    try:
        import pandera.pandas as pa
    except ImportError as exc:
        raise missing_extra("data", "data expectations", exc) from None
    return pa


@dataclass
class Failure:
    """One check failing on one column: how often, and on which rows."""

    column: str
    check: str
    count: int
    rows: list = field(default_factory=list)  # index labels of the first failing rows
    values: list = field(default_factory=list)  # their failing values


@dataclass
class ExpectationReport:
    name: str
    rows: int
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def summary(self) -> str:
        if self.passed:
            return f"{self.rows:,} rows meet every expectation"
        per_column: dict[str, int] = {}
        for f in self.failures:
            per_column[f.column] = per_column.get(f.column, 0) + f.count
        columns = ", ".join(f"{c} ({n})" for c, n in per_column.items())
        total = sum(per_column.values())
        return f"{total} failure{'s' * (total != 1)} in {len(per_column)} column(s): {columns}"

    def to_dict(self) -> dict:
        return {"name": self.name, "rows": self.rows, "passed": self.passed, "summary": self.summary} | {
            "failures": [asdict(f) for f in self.failures]
        }

    def __repr__(self) -> str:
        return f"<mlops expectations {self.name}: {self.summary}>"

    def _repr_html_(self) -> str:
        from ..widgets.expectations import expectations_html

        return expectations_html(self.to_dict())

    def _ipython_display_(self) -> None:
        from IPython.display import display

        from ..widgets.expectations import expectations_widget

        display(expectations_widget(self.to_dict()))

    def log(self, run=None) -> ExpectationReport:
        """Record the outcome as the check ``expect.<name>`` and the report as an artifact."""
        from ..tracking import fluent

        target = run or fluent.active_run()
        if target is None:
            raise BadInput(
                "no active run to record the expectations in", "Check inside a tracked cell or run."
            )
        target.check(f"expect.{self.name}", self.passed, value=self.summary)
        target.log_dict(self.to_dict(), f"expectations/{self.name}.json")
        return self


def load_schema(schema):
    """A pandera DataFrameSchema from a schema object or a YAML file."""
    pa = pandera()
    if isinstance(schema, pa.DataFrameSchema):
        return schema
    if isinstance(schema, str | os.PathLike):
        path = Path(schema)
        if not path.is_file():
            raise BadInput(f"no schema file at {path}", ACCEPTED)
        try:
            return pa.DataFrameSchema.from_yaml(path)
        except Exception as exc:  # noqa: BLE001 - pandera raises what YAML and its parser raise
            raise BadInput(f"{path} is not a pandera schema: {type(exc).__name__}: {exc}", ACCEPTED) from None
    raise BadInput(f"expected a pandera schema, got {type(schema).__name__}", ACCEPTED)


def expect(data, schema, *, name: str | None = None, log: bool = True) -> ExpectationReport:
    """Check ``data`` against ``schema``; in a run, record the outcome (see the module docstring)."""
    pa = pandera()
    schema = load_schema(schema)
    if not isinstance(data, pd.DataFrame):
        hint = " Use series.to_frame()." if isinstance(data, pd.Series) else ""
        raise BadInput(f"expect() checks a pandas DataFrame, got {type(data).__name__}.{hint}", ACCEPTED)
    name = name or schema.name or "data"
    report = ExpectationReport(str(name), len(data))
    try:
        schema.validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        report.failures = failures(exc.failure_cases, schema)
    except pa.errors.SchemaError as exc:  # raised even when lazy, e.g. by a failing dataframe-wide check
        report.failures = [
            Failure(str(schema.name or "frame"), str(exc.check or "schema"), 1, [], [str(exc)])
        ]
    if log:
        from ..tracking import fluent

        if fluent.active_run() is not None:
            report.log()
    return report


def failures(cases: pd.DataFrame, schema) -> list[Failure]:
    """pandera's failure cases grouped by column and check, largest first."""
    cases = cases.copy()
    missing = cases["check"] == "column_in_dataframe"
    cases.loc[missing, "column"] = cases.loc[missing, "failure_case"]  # the missing column's name
    cases["column"] = cases["column"].where(cases["column"].notna(), schema.name or "frame")
    found = []
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        shown = group.head(SHOWN_ROWS)
        rows = [_plain(i) for i in shown["index"] if i is not None and not _isna(i)]
        values = [_plain(v) for v in shown["failure_case"]]
        found.append(Failure(str(column), str(check), len(group), rows, values))
    return sorted(found, key=lambda f: (-f.count, f.column, f.check))


def _isna(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value):
    if _isna(value):
        return None
    return (
        value.item()
        if hasattr(value, "item")
        else value
        if isinstance(value, int | float | str)
        else str(value)
    )
