"""Model and alias names: ours agree with MLflow's own validation, and refusals say what is accepted."""

import pytest
from mlflow.exceptions import MlflowException
from mlflow.utils.validation import (
    _validate_model_alias_name,
    _validate_model_alias_name_reserved,
    _validate_model_name,
)

from mlops_jupyter.errors import BadInput
from mlops_jupyter.governance import names

MODEL_NAMES = [
    "churn",
    "churn-v2",
    "Churn model",
    "модель",
    "a.b",
    "x" * 256,
    "a/b",
    "a:b",
    "",
    "   ",
    "./a",
    "..",
    "a//b",
    "/a",
]
ALIASES = [
    "champion",
    "challenger-2",
    "blue_green",
    "latest",
    "LATEST",
    "v1",
    "V12",
    "v1x",
    "a b",
    "a.b",
    "",
    "x" * 256,
]


# Names that MLflow 3.4 still accepts and later releases refuse (paths, colons, blanks): ours
# refuse them on every supported MLflow, so a model registered on 3.4 stays usable after an upgrade.
REFUSED_SINCE_MLFLOW_3_4 = {"a/b", "a:b", "   ", "./a", "..", "a//b", "/a"}


def mlflow_accepts(check, value) -> bool:
    try:
        check(value)
        return True
    except MlflowException:
        return False


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_names_follow_mlflow(name):
    expected = (
        mlflow_accepts(_validate_model_name, name)
        and len(name) <= names.MAX_MODEL_NAME
        and name not in REFUSED_SINCE_MLFLOW_3_4
    )
    assert _ours(names.model_name, name) == expected


@pytest.mark.parametrize("alias", ALIASES)
def test_aliases_follow_mlflow(alias):
    expected = mlflow_accepts(_validate_model_alias_name, alias) and mlflow_accepts(
        _validate_model_alias_name_reserved, alias
    )
    assert _ours(names.alias, alias) == expected


def _ours(check, value) -> bool:
    try:
        check(value)
        return True
    except BadInput:
        return False


def test_names_that_would_break_registry_searches_are_refused_with_what_is_accepted():
    for bad in ("it's", 'say "hi"', "back`tick", "a\\b", "tab\there"):
        with pytest.raises(BadInput) as err:
            names.model_name(bad)
        assert "quotes" in err.value.detail
    with pytest.raises(BadInput) as err:
        names.alias("v3")
    assert "reserved" in err.value.message and "letters, digits" in err.value.detail
    with pytest.raises(BadInput):
        names.version("abc")
    assert names.version(" 007 ") == "7"
