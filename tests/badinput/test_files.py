"""Files users write, written wrong: pipeline.yaml, points and parameter files, mlops.toml and
notebooks. Each is refused naming the file and the problem, quickly, and nothing is written."""

from __future__ import annotations

import time

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.errors import BadInput, NotFound

from .conftest import cli, no_traceback

BOMB = "\n".join(
    [
        "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]",
        *(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
    ]
)
STEP = "steps:\n  one:\n    notebook: nb.ipynb\n"

# (id, content (text, or bytes as written), words the error must contain)
PIPELINES = [
    ("not-a-mapping", "- one\n- two\n", "must be a mapping with a `steps:` key"),
    ("empty", "", "must be a mapping"),
    ("no-steps", "name: churn\n", "steps"),
    ("unknown-key", STEP + "    retries: 3\n", "retries"),
    ("missing-notebook", "steps:\n  one:\n    notebook: gone.ipynb\n", "gone.ipynb"),
    ("unknown-parameter", STEP + "    parameters: {depth: 3}\n", "has no parameter 'depth'"),
    ("wrong-parameter-type", STEP + "    parameters: {x: many}\n", "expects an int"),
    ("unknown-dependency", STEP + "    depends_on: [zero]\n", "zero"),
    (
        "cycle",
        "steps:\n  a:\n    notebook: nb.ipynb\n    depends_on: [b]\n"
        "  b:\n    notebook: nb.ipynb\n    depends_on: [a]\n",
        "cycle",
    ),
    ("input-names-no-output", STEP + "    inputs: {extra: other.path}\n", "other"),
    ("require-nan", STEP + '    require: ["auc>=nan"]\n', "not a finite number"),
    ("tab-indented", "steps:\n\tone: {notebook: nb.ipynb}\n", "not valid YAML"),
    ("alias-bomb", "steps: {}\n" + BOMB, "YAML aliases"),
    ("not-utf8", b"steps:\n  \xff\xfe: {}\n", "not valid YAML"),
    ("too-large", "# " + "x" * 1_100_000 + "\n" + STEP, "too large"),
    ("bad-step-name", "steps:\n  '1 bad step':\n    notebook: nb.ipynb\n", "1 bad step"),
]


@pytest.mark.parametrize(("content", "words"), [c[1:] for c in PIPELINES], ids=[c[0] for c in PIPELINES])
def test_a_broken_pipeline_file_is_refused_before_anything_runs(content, words, world):
    path = world / "pipeline.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        started = time.monotonic()
        with pytest.raises((BadInput, NotFound)) as raised:
            mlops.run(path)
        elapsed = time.monotonic() - started
    finally:
        path.unlink()

    assert words in str(raised.value)
    assert len(str(raised.value)) < 2000
    assert elapsed < 5


# (id, option, file content, exit code, words)
SIDE_FILES = [
    ("points-a-mapping", "--points", "x: 1\n", 2, "must hold a list of parameter mappings"),
    ("points-scalars", "--points", "- 1\n- 2\n", 2, "must hold a list of parameter mappings"),
    ("points-unknown-parameter", "--points", "- {depth: 2}\n", 2, "has no parameter 'depth'"),
    ("points-wrong-type", "--points", "- {x: many}\n", 2, "expects an int"),
    ("points-not-utf8", "--points", b"- {x: \xff}\n", 2, "not valid YAML"),
    ("points-not-yaml", "--points", "- {x: [1, 2}\n", 2, "not valid YAML"),
    ("param-file-a-list", "--param-file", "- 1\n", 2, "must hold a mapping of parameter names"),
    ("param-file-number-keys", "--param-file", "1: 2\n", 2, "must hold a mapping of parameter names"),
    ("param-file-not-utf8", "--param-file", b"x: \xff\n", 2, "not valid YAML"),
    ("param-file-unknown-parameter", "--param-file", "depth: 3\n", 2, "has no parameter 'depth'"),
]


@pytest.mark.parametrize(
    ("option", "content", "code", "words"), [c[1:] for c in SIDE_FILES], ids=[c[0] for c in SIDE_FILES]
)
def test_a_broken_points_or_parameter_file_is_refused(option, content, code, words, world, capsys):
    path = world / "side.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        exit_code, output = cli(capsys, "run", "nb.ipynb", option, "side.yaml")
    finally:
        path.unlink()

    assert (exit_code, words in output) == (code, True), output
    no_traceback(output)


# (id, mlops.toml content, words)
CONFIGS = [
    ("roles-an-array", 'roles = ["alice"]\n', "must be a table of user = role"),
    ("role-a-number", "[roles]\nalice = 3\n", "alice = 3 is not a role"),
    ("default-unknown", '[roles]\ndefault = "god"\n', "default = 'god' is not a role"),
    ("not-toml", "[roles\n", "is not valid TOML"),
    ("duplicate-key", '[roles]\nalice = "admin"\nalice = "viewer"\n', "is not valid TOML"),
    ("not-utf8", b"[roles]\nalice = '\xff'\n", "is not UTF-8"),
]


@pytest.mark.parametrize(("content", "words"), [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_a_broken_mlops_toml_stops_governed_actions(content, words, world, capsys):
    path = world / "mlops.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        exit_code, output = cli(capsys, "promote", "churn", "1", "--to", "champion")
    finally:
        path.unlink()

    assert (exit_code, words in output) == (2, True), output
    no_traceback(output)


# (id, notebook file content, words)
NOTEBOOKS = [
    ("empty-file", "", "broken.ipynb"),
    ("truncated-json", '{"cells": [', "broken.ipynb"),
    ("json-not-a-notebook", '{"a": 1}', "broken.ipynb"),
    ("json-a-list", "[]", "broken.ipynb"),
    ("not-utf8", b'{"cells": "\xff"}', "broken.ipynb"),
    (
        "unknown-cell-type",
        '{"cells": [{"cell_type": "sql", "source": "", "metadata": {}}], "metadata": {},'
        ' "nbformat": 4, "nbformat_minor": 5}',
        "cell 0 has cell type 'sql'",
    ),
    (
        "nbformat-from-the-future",
        '{"cells": [], "metadata": {}, "nbformat": 9, "nbformat_minor": 0}',
        "is nbformat 9, not 4",
    ),
]


@pytest.mark.parametrize(("content", "words"), [c[1:] for c in NOTEBOOKS], ids=[c[0] for c in NOTEBOOKS])
def test_a_broken_notebook_is_refused_before_a_kernel_starts(content, words, world):
    path = world / "broken.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        with pytest.raises(BadInput) as raised:
            mlops.run(path)
    finally:
        path.unlink()

    assert words in str(raised.value)
    assert len(str(raised.value)) < 2000


def test_a_directory_named_like_a_notebook_is_refused(world):
    (world / "folder.ipynb").mkdir()
    try:
        with pytest.raises((BadInput, NotFound), match=r"folder\.ipynb"):
            mlops.run(world / "folder.ipynb")
    finally:
        (world / "folder.ipynb").rmdir()
