"""Checks and conversions of what a notebook logs: names, params, metrics, mappings."""

from __future__ import annotations

import json
import math
import re
from numbers import Number
from typing import Any, SupportsFloat, cast

from ..errors import BadInput

_NAME = re.compile(r"^[\w\-. /]{1,250}$")

MAX_PARAM_VALUE = 6000  # MLflow's limit


def param_text(value: Any) -> str:
    if isinstance(value, (list, tuple, dict)):
        try:
            return json.dumps(value, default=str)
        except (TypeError, ValueError):
            return repr(value)
    return str(value)


def param_value(value: Any, artifact: str | None = None) -> str:
    """``value`` as a param; a longer one is cut, saying so (and where it is kept whole)."""
    text = param_text(value)
    if len(text) <= MAX_PARAM_VALUE:
        return text
    where = f"; full value in artifact {artifact}" if artifact else ""
    note = f"… (cut at {MAX_PARAM_VALUE} characters{where})"
    return text[: MAX_PARAM_VALUE - len(note)] + note


def mapping(value: Any, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput(
            f"{what} must be a mapping of names to values, got {type(value).__name__}",
            f'e.g. {what}={{"max_depth": 6}}',
        )
    return value


def metric_value(name: str, value: Any) -> float:
    # numpy registers its scalar types as numbers, so np.float32(0.9) passes too.
    if isinstance(value, bool) or not isinstance(value, Number) or isinstance(value, complex):
        raise BadInput(
            f"metric {name!r} is {type(value).__name__}, not a number",
            "Metrics are ints or floats (a numpy scalar is fine).",
        )
    number = float(cast(SupportsFloat, value))  # any Number but complex (refused above)
    if math.isinf(number):
        raise BadInput(f"metric {name!r} is infinite", "Metrics must be finite numbers (NaN is kept).")
    return number


def valid_name(key: str, what: str) -> str:
    if not isinstance(key, str) or not _NAME.match(key) or ".." in key or key.startswith("/"):
        raise BadInput(
            f"invalid {what} name {key!r:.80}",
            "Names use letters, digits, underscores, dashes, periods, spaces and slashes (at most 250).",
        )
    return key
