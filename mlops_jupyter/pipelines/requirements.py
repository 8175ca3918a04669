"""Metric thresholds declared outside the notebook: ``--require "auc>=0.9"`` or ``require:`` in
``pipeline.yaml``. Each one becomes a check on the run, next to the notebook's own
``mlops.check`` calls, named ``require.<metric>.<op>`` (MLflow tag keys cannot hold ``>=``).
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

from ..errors import BadInput

_OPS = {
    ">=": ("ge", operator.ge),
    "<=": ("le", operator.le),
    "==": ("eq", operator.eq),
    "!=": ("ne", operator.ne),
    ">": ("gt", operator.gt),
    "<": ("lt", operator.lt),
}
_PATTERN = re.compile(r"^\s*([A-Za-z_][\w./-]*)\s*(>=|<=|==|!=|>|<)\s*([-+0-9.eE]+|nan|inf)\s*$")


@dataclass(frozen=True)
class Requirement:
    metric: str
    op: str
    threshold: float

    @property
    def check_name(self) -> str:
        return f"require.{self.metric}.{_OPS[self.op][0]}"

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.threshold:g}"

    def evaluate(self, metrics: dict[str, float]) -> tuple[bool, str]:
        """(passed, what was seen)."""
        value = metrics.get(self.metric)
        if value is None:
            return False, f"{self.metric} was not logged (required {self.op} {self.threshold:g})"
        passed = not math.isnan(value) and _OPS[self.op][1](value, self.threshold)
        return passed, f"{value:g} {self.op} {self.threshold:g}"


def parse(text: str) -> Requirement:
    match = _PATTERN.match(text or "")
    if not match:
        raise BadInput(
            f"cannot read the requirement {text!r:.80}",
            'Write METRIC OP NUMBER with OP one of >=, >, <=, <, ==, != (e.g. "auc>=0.9").',
        )
    metric, op, number = match.groups()
    try:
        threshold = float(number)
    except ValueError:
        raise BadInput(
            f"cannot read the threshold in {text!r:.80}", "The threshold must be a number."
        ) from None
    if not math.isfinite(threshold):  # nothing compares with nan; inf would pass or fail forever
        raise BadInput(f"the threshold in {text!r:.80} is not a finite number", 'e.g. "auc>=0.9".')
    return Requirement(metric, op, threshold)


def parse_all(texts) -> list[Requirement]:
    return [parse(t) for t in texts or ()]
