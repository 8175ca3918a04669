"""Metric rules of the promotion gate: ``auc>=0.9``, ``auc>=champion``, ``rmse<=champion+0.01``.

A rule compares a metric of the version being promoted with a number, or with the same
metric of the version holding an alias (optionally give or take a margin). Rules are
stored per model and alias, so every later promotion to that alias applies them.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import BadInput
from ..governance import audit, names, remote, roles

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
_RULE = re.compile(r"^\s*(?P<metric>[\w.\-/]+)\s*(?P<op>>=|<=|>|<)\s*(?P<rhs>.+?)\s*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ALIAS_RHS = re.compile(
    r"^(?P<alias>[\w\-]+)\s*(?:(?P<sign>[+-])\s*(?P<margin>(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?))?$"
)
_NOT_FINITE = ("nan", "inf", "infinity")  # numbers to float(), never a threshold a metric can meet
ACCEPTED = (
    "A rule is METRIC OP VALUE with OP one of >=, >, <=, <, and VALUE a number or an alias, "
    "optionally with a margin: auc>=0.9, auc>=champion, rmse<=champion+0.01."
)


@dataclass(frozen=True)
class Rule:
    metric: str
    op: str
    number: float | None = None
    alias: str | None = None
    margin: float = 0.0

    def __str__(self) -> str:
        if self.alias is None:
            return f"{self.metric}{self.op}{self.number:g}"
        margin = f"{'+' if self.margin > 0 else '-'}{abs(self.margin):g}" if self.margin else ""
        return f"{self.metric}{self.op}{self.alias}{margin}"


def parse(text: str) -> Rule:
    """A rule from its text; a clear error for anything else."""
    m = _RULE.match(text or "")
    if not m:
        raise BadInput(f"invalid rule {text!r:.80}", ACCEPTED)
    metric, op, rhs = m["metric"], m["op"], m["rhs"]
    if _NUMBER.match(rhs):
        number = float(rhs)
        if not math.isfinite(number):
            raise BadInput(f"invalid rule {text!r:.80}: the threshold must be a finite number", ACCEPTED)
        return Rule(metric, op, number=number)
    if rhs.lower().lstrip("+-") in _NOT_FINITE:
        raise BadInput(f"invalid rule {text!r:.80}: the threshold must be a finite number", ACCEPTED)
    a = _ALIAS_RHS.match(rhs)
    if not a:
        raise BadInput(f"invalid rule {text!r:.80}: {rhs!r:.80} is neither a number nor an alias", ACCEPTED)
    names.alias(a["alias"])
    margin = float(a["margin"]) * (-1 if a["sign"] == "-" else 1) if a["margin"] else 0.0
    return Rule(metric, op, alias=a["alias"], margin=margin)


@dataclass
class Outcome:
    rule: str
    passed: bool
    detail: str


def check(
    rule: Rule, version: str, metrics: dict[str, float], holders: dict[str, tuple[str, dict]]
) -> Outcome:
    """Apply ``rule`` to version ``version`` with run ``metrics``; ``holders``: alias → (version, metrics)."""
    text = str(rule)
    value = metrics.get(rule.metric)
    if value is None or math.isnan(value):
        logged = ", ".join(sorted(metrics)) or "none"
        return Outcome(text, False, f"v{version} has no metric {rule.metric!r} (its run logged: {logged})")
    if rule.alias is None:
        assert rule.number is not None  # a rule compares with a number or with an alias's holder
        passed = OPS[rule.op](value, rule.number)
        return Outcome(
            text, passed, f"{rule.metric} of v{version} is {value:.6g}, rule: {rule.op} {rule.number:g}"
        )
    holder = holders.get(rule.alias)
    if holder is None:
        return Outcome(text, True, f"no version holds {rule.alias!r} yet: nothing to compare against")
    holder_version, holder_metrics = holder
    other = holder_metrics.get(rule.metric)
    if other is None or math.isnan(other):
        return Outcome(
            text, False, f"{rule.alias} (v{holder_version}) has no metric {rule.metric!r} to compare against"
        )
    threshold = other + rule.margin
    passed = OPS[rule.op](value, threshold)
    margin = f" {'+' if rule.margin > 0 else '-'} {abs(rule.margin):g}" if rule.margin else ""
    return Outcome(
        text,
        passed,
        f"{rule.metric} of v{version} is {value:.6g}, {rule.alias} (v{holder_version}) has {other:.6g}; "
        f"rule: {rule.op} {other:.6g}{margin}",
    )


# -- stored rules ----------------------------------------------------------------------


def stored(model: str, alias: str | None = None, *, session=None) -> dict[str, list[str]]:
    """The rules of ``model`` by alias (one ``alias`` when given)."""
    from sqlalchemy import select

    from .. import db
    from ..db.tables import PromotionRule

    q = select(PromotionRule.alias, PromotionRule.rule).where(PromotionRule.model == model)
    if alias:
        q = q.where(PromotionRule.alias == alias)
    q = q.order_by(PromotionRule.alias, PromotionRule.id)
    result: dict[str, list[str]] = {}
    if session is not None:
        found = session.execute(q).all()
    else:
        with db.session() as s:
            found = s.execute(q).all()
    for a, r in found:
        result.setdefault(a, []).append(r)
    return result


def add(s, model: str, alias: str, new: list[Rule], user: str) -> list[str]:
    """Store ``new`` rules (inside the caller's governed transaction); returns those not there yet."""
    from ..db.tables import PromotionRule

    _check_decidable(model, alias, new)
    have = set(stored(model, alias, session=s).get(alias, []))
    added = []
    for rule in new:
        text = str(rule)
        if text not in have and text not in added:
            s.add(PromotionRule(model=model, alias=alias, rule=text, created_by=user))
            added.append(text)
    s.flush()
    return added


def _check_decidable(model: str, alias: str, new: list[Rule]) -> None:
    """Refuse a rule comparing with an alias no version holds: it could only ever pass unchecked.

    The alias the rule guards is the exception: ``auc>=champion`` on champion is passed by the
    first promotion (there is nothing to compare with yet) and checked on every later one.
    """
    from .mlflow_client import registered_model

    others = [rule for rule in new if rule.alias not in (None, alias)]
    if not others:
        return
    held = registered_model(model).aliases or {}
    for rule in others:
        if rule.alias not in held:
            raise BadInput(
                f"rule {rule} for {model}@{alias}: no version of {model} holds {rule.alias!r}, "
                "so it has nothing to compare with",
                f"Compare with a number, with {alias} itself, or with an alias a version holds now "
                f"({', '.join(sorted(held)) or 'none'}).",
            )


@remote.governed("rules")
def change(
    model: str,
    alias: str,
    add_rules: Sequence[str] = (),
    remove_rules: Sequence[str] = (),
    *,
    user: str | None = None,
    reason: str | None = None,
) -> list[str]:
    """Add and remove stored rules of ``model``'s ``alias``; returns the rules now in force.

    Adding (a stricter gate) needs an approver; removing (a looser one) needs an admin.
    """
    from sqlalchemy import delete

    from .. import config
    from ..db.tables import PromotionRule

    names.model_name(model)
    names.alias(alias)
    user = user or config.current_user()
    to_add = [parse(r) for r in add_rules]
    to_remove = [str(parse(r)) for r in remove_rules]
    if not to_add and not to_remove:
        raise BadInput("nothing to change", "Give rules to add and/or to remove.")
    role = roles.require(user, action="add rule" if to_add else "remove rule")
    if to_remove:
        role = roles.require(user, action="remove rule")
    from .mlflow_client import registered_model

    registered_model(model)
    with audit.transaction() as s:
        before = stored(model, alias, session=s).get(alias, [])
        missing = [r for r in to_remove if r not in before]
        if missing:
            raise BadInput(
                f"{', '.join(missing)}: no such rule for {model}@{alias}",
                f"Its rules: {', '.join(before) or 'none'}.",
            )
        if to_remove:
            s.execute(
                delete(PromotionRule).where(
                    PromotionRule.model == model,
                    PromotionRule.alias == alias,
                    PromotionRule.rule.in_(to_remove),
                )
            )
        add(s, model, alias, to_add, user)
        after = stored(model, alias, session=s).get(alias, [])
        if after != before:
            audit.record(
                user,
                role,
                "rules",
                audit.model_target(model, alias),
                before={"rules": before},
                after={"rules": after},
                reason=reason,
                session=s,
            )
    return after
