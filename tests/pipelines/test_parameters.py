"""Parameters are checked and typed before any kernel starts (no kernels in this module)."""

import pytest

from mlops_jupyter.errors import BadInput, NotFound
from mlops_jupyter.pipelines import launch as runner
from mlops_jupyter.pipelines.notebooks import Notebook, imported_modules
from mlops_jupyter.pipelines.parameters import load_param_file

from .conftest import all_runs


def test_values_from_the_command_line_take_the_type_of_their_default(typed_notebook):
    nb = Notebook.load(typed_notebook)
    typed = nb.typed(
        {
            "x": "6",
            "ratio": "2",
            "name": "42",
            "flag": "yes",
            "layers": "[3, 4]",
            "options": '{"depth": 5}',
            "maybe": "0.25",
        }
    )
    assert typed == {
        "x": 6,
        "ratio": 2.0,
        "name": "42",
        "flag": True,
        "layers": [3, 4],
        "options": {"depth": 5},
        "maybe": 0.25,
    }
    assert type(typed["x"]) is int and type(typed["ratio"]) is float


def test_python_values_are_checked_too(typed_notebook):
    nb = Notebook.load(typed_notebook)
    assert nb.typed({"ratio": 3}) == {"ratio": 3.0}
    with pytest.raises(BadInput, match=r"'x' of typed\.ipynb expects an int"):
        nb.typed({"x": "six"})
    with pytest.raises(BadInput, match="expects an int, got True"):
        nb.typed({"x": True})
    with pytest.raises(BadInput, match="expects a list"):
        nb.typed({"layers": "3,4"})


def test_an_unknown_name_lists_the_accepted_parameters_and_defaults(typed_notebook):
    nb = Notebook.load(typed_notebook)
    with pytest.raises(BadInput) as info:
        nb.typed({"max_depth": 3})
    assert "has no parameter 'max_depth'" in info.value.message
    assert "x: int = 1" in info.value.detail
    assert 'name: str = "a"' in info.value.detail
    assert "options: dict" in info.value.detail


def test_a_notebook_without_parameters_cell_refuses_parameters(notebook):
    path = notebook("plain.ipynb", ["x = 1"])
    nb = Notebook.load(path)
    assert nb.typed({}) == {}
    with pytest.raises(BadInput, match="no cell tagged 'parameters'"):
        nb.typed({"x": 2})


def test_bad_files_are_named(project):
    with pytest.raises(NotFound, match="notebook not found"):
        Notebook.load(project / "missing.ipynb")
    (project / "broken.ipynb").write_text("{not json")
    with pytest.raises(BadInput, match=r"broken\.ipynb is not a valid notebook"):
        Notebook.load(project / "broken.ipynb")
    (project / "params.yaml").write_text("- just\n- a list\n")
    with pytest.raises(BadInput, match="must hold a mapping"):
        load_param_file(project / "params.yaml")


def test_param_file_is_merged_under_explicit_values(typed_notebook, project):
    (project / "params.yaml").write_text("x: 4\nlayers: [7, 8]\n")
    merged = runner.merged_parameters(project / "params.yaml", {"x": "5"})
    assert Notebook.load(typed_notebook).typed(merged) == {"x": 5, "layers": [7, 8]}


def test_sweep_grids_expand_in_order_and_accept_bracketed_lists():
    assert runner.parse_sweep("max_depth=2,4,8") == ("max_depth", ["2", "4", "8"])
    assert runner.parse_sweep("layers=[[1, 2], [3]]") == ("layers", ["[1, 2]", "[3]"])
    points = runner.expand({"a": [1, 2], "b": ["x", "y"]}, [{"a": 9}])
    assert points == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
        {"a": 9},
    ]
    with pytest.raises(BadInput, match="cannot read --sweep"):
        runner.parse_sweep("max_depth")
    with pytest.raises(BadInput, match="nothing to sweep"):
        runner.expand({}, [])


def test_bad_sweep_input_writes_nothing(typed_notebook, client):
    with pytest.raises(BadInput, match="has no parameter 'depth'"):
        runner.sweep(typed_notebook, grid={"depth": [1, 2]})
    with pytest.raises(BadInput, match="unknown executor 'spark'"):
        runner.sweep(typed_notebook, grid={"x": [1, 2]}, executor="spark")
    assert all_runs(client) == []


def test_installed_imports_are_found_for_preloading():
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "source": "%load_ext mlops_jupyter\nimport pandas as pd\nfrom sklearn.ensemble import X",
            },
            {
                "cell_type": "code",
                "source": "import json, mymodule_that_is_not_installed\nfrom . import local",
            },
            {"cell_type": "markdown", "source": "import numpy"},
        ]
    }
    assert imported_modules(nb) == ("pandas", "sklearn.ensemble")
