"""The promotion gate: the checks a version passes before an alias moves to it.

1. **validated**: the notebook version that made the version's run has a passing validation
   (a row the pipelines' ``mlops validate`` writes; a fact, not a flag).
2. **metric rules** stored for the model and alias (:mod:`.rules`).

The role check comes before the gate (:mod:`.promotion`). Every check reports why it passed
or failed, so a refusal names the rule and the numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..errors import GateRefused
from ..governance.validations import row_for_version
from ..tracking.notebook import short
from . import rules as rules_mod


@dataclass
class Check:
    name: str  # "validated" or the rule's text
    passed: bool
    detail: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class GateReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> list[dict]:
        return [c.to_dict() for c in self.checks]


class PromotionRefused(GateRefused):
    """The gate refused; the JSON answer carries every check, passed or not."""

    def __init__(self, message: str, detail: str, report: GateReport):
        super().__init__(message, detail)
        self.report = report

    def to_dict(self) -> dict:
        return super().to_dict() | {"checks": self.report.to_dict()}


def validation_check(version: str, run, *, session=None) -> tuple[Check, object]:
    """Whether the notebook version behind ``run`` is validated, and the validation row if any."""
    if run is None:
        return Check(
            "validated", False, f"v{version} has no source run, so nothing says how it was made"
        ), None
    tags = run.data.tags
    nb_version = tags.get("mlops.notebook.version")
    if not nb_version:
        return (
            Check(
                "validated",
                False,
                f"run {run.info.run_id} was not made from a notebook (it has no notebook version), "
                "so it cannot have been validated",
            ),
            None,
        )
    notebook = tags.get("mlops.notebook.path", "the notebook")
    row = row_for_version(nb_version, session=session)
    if row is None:
        return (
            Check(
                "validated",
                False,
                f"notebook version {short(nb_version)} of {notebook} has not been validated: "
                f"run `mlops validate {notebook}` on it",
            ),
            None,
        )
    when = row.created_at.strftime("%Y-%m-%d %H:%M")
    if not row.passed:
        return (
            Check(
                "validated",
                False,
                f"notebook version {short(nb_version)} of {notebook} failed its validation "
                f"(run {row.run_id} by {row.user}, {when}): {row.error or 'a check failed'}",
            ),
            row,
        )
    return (
        Check(
            "validated",
            True,
            f"notebook version {short(nb_version)} of {notebook} validated by {row.user} on {when} "
            f"(run {row.run_id})",
        ),
        row,
    )


def evaluate(
    version: str,
    run,
    rules: list[str],
    holders: dict[str, tuple[str, dict]],
    *,
    session=None,
) -> GateReport:
    """Every check for promoting ``version`` (made by ``run``) under the stored ``rules``."""
    validated, _ = validation_check(version, run, session=session)
    report = GateReport([validated])
    metrics = dict(run.data.metrics) if run is not None else {}
    for text in rules:
        outcome = rules_mod.check(rules_mod.parse(text), version, metrics, holders)
        report.checks.append(Check(outcome.rule, outcome.passed, outcome.detail))
    return report


def refuse(model: str, version: str, alias: str, report: GateReport) -> PromotionRefused:
    failed = report.failed
    first = failed[0]
    label = "not validated" if first.name == "validated" else f"rule {first.name} failed"
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return PromotionRefused(
        f"promotion of {model} v{version} to {alias!r} refused: {label}{more}",
        "; ".join(f"{c.name}: {c.detail}" for c in failed),
        report,
    )
