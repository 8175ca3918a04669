"""Typed notebook parameters, checked before any kernel starts.

papermill finds the cell tagged ``parameters`` and injects values after it; it only warns
about a name the notebook does not declare and injects whatever value it is given. Here
each value is checked against the declared parameters first: an unknown name is an error
listing what the notebook accepts, and a value is converted to the type of its default
(or its annotation), so ``-p max_depth 6`` reaches the kernel as the int ``6``.

>>> declared = declared_parameters(read_source("notebooks/train.ipynb"))
>>> coerce_all(declared, {"max_depth": "6"}, notebook="train.ipynb")
{'max_depth': 6}
"""

from __future__ import annotations

import ast
import functools
import json
import os
import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, NotFound

PARAMETERS_TAG = "parameters"
_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "list": list, "dict": dict, "tuple": tuple}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
# An alias bomb ("billion laughs") is tiny on disk and explodes once anything walks its values.
MAX_YAML_NODES = 100_000
MAX_YAML_CHARS = 1_000_000


@dataclass(frozen=True)
class Declared:
    """One parameter of a notebook's ``parameters`` cell."""

    name: str
    type: str  # int | float | bool | str | list | dict | tuple | any
    default: str  # the default as written in the cell
    help: str = ""

    def describe(self) -> str:
        kind = "" if self.type == "any" else f": {self.type}"
        return f"{self.name}{kind} = {self.default}"


def read_source(path: str | os.PathLike) -> str:
    """The notebook's text, once: the same bytes are hashed, checked and executed."""
    from ..tracking.notebook import read_notebook_json

    path = Path(path)
    if path.is_dir():
        raise NotFound(f"notebook not found: {path} is a directory", "Give the path of an .ipynb file.")
    _check_runnable(read_notebook_json(path), path)  # NotFound / BadInput with a clear message
    return path.read_text(encoding="utf-8")


CELL_TYPES = ("code", "markdown", "raw")


def _check_runnable(nb: dict, path: Path) -> None:
    """Refuse what papermill would fail on only after a run was made: another nbformat, odd cells."""
    accepted = "Save it again from Jupyter (nbformat 4, code, markdown and raw cells)."
    if nb.get("nbformat") != 4:
        raise BadInput(f"{path} is nbformat {shorten(nb.get('nbformat'))}, not 4", accepted)
    for index, cell in enumerate(nb["cells"]):
        kind = cell.get("cell_type") if isinstance(cell, dict) else None
        if kind not in CELL_TYPES:
            raise BadInput(f"{path}: cell {index} has cell type {shorten(kind)}", accepted)


def has_parameters_cell(nb: dict) -> bool:
    return any(PARAMETERS_TAG in (c.get("metadata", {}).get("tags") or []) for c in nb.get("cells", []))


def declared_parameters(
    source: str, kernel_name: str | None = None, language: str | None = None
) -> dict[str, Declared] | None:
    """The parameters the notebook declares, in order; None when it has no parameters cell.

    A notebook that names no kernel or language (``nbformat.v4.new_notebook()``) is read as
    Python unless ``kernel_name``/``language`` say otherwise.
    """
    import nbformat
    from papermill.inspection import _infer_parameters

    nb_json = json.loads(source)
    if not has_parameters_cell(nb_json):
        return None
    for cell in nb_json["cells"]:  # as papermill's own loader leaves them: text sources, tags
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        cell.setdefault("metadata", {}).setdefault("tags", [])
    nb = nbformat.from_dict(nb_json)
    found = {}
    metadata = nb_json.get("metadata", {})
    kernel_name = kernel_name or (metadata.get("kernelspec") or {}).get("name") or "python3"
    language = (
        language
        or (metadata.get("language_info") or {}).get("name")
        or (metadata.get("kernelspec") or {}).get("language")
        or "python"
    )
    for p in _infer_parameters(nb, name=kernel_name, language=language):
        found[p.name] = Declared(p.name, _type_of(p.inferred_type_name, p.default), p.default, p.help)
    return found


def _type_of(annotation: str, default: str) -> str:
    if annotation and annotation != "None":
        name = annotation.split("[")[0].strip().lower()
        if name in _TYPES:
            return name
        if name in ("optional", "any", "union"):
            return "any"
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return "any"
    if isinstance(value, bool):  # before int: a bool is an int to isinstance
        return "bool"
    for name, kind in _TYPES.items():
        if type(value) is kind:
            return name
    return "any"


def coerce_all(declared: dict[str, Declared] | None, values: dict[str, Any], notebook: str) -> dict[str, Any]:
    """Check ``values`` against the notebook's parameters and convert each to its type."""
    if not values:
        return {}
    if declared is None:
        raise BadInput(
            f"{notebook} has no cell tagged 'parameters', so it takes no parameters "
            f"(given: {', '.join(values)})",
            "Tag the cell that assigns the defaults with 'parameters' (papermill's convention).",
        )
    unknown = [name for name in values if name not in declared]
    if unknown:
        accepted = "; ".join(d.describe() for d in declared.values()) or "none"
        raise BadInput(
            f"{notebook} has no parameter {', '.join(map(repr, unknown))}",
            f"Accepted parameters: {accepted}",
        )
    return {name: coerce(declared[name], value, notebook) for name, value in values.items()}


def coerce(decl: Declared, value: Any, notebook: str = "the notebook") -> Any:
    """``value`` (text from the command line, or a Python/YAML value) as ``decl``'s type."""
    try:
        return _convert(decl.type, value)
    except (ValueError, TypeError) as exc:
        from ..masking import MASK, is_secret

        secret = is_secret(decl.name)  # the message must not quote a secret's value
        raise BadInput(
            f"parameter {decl.name!r} of {notebook} expects {_article(decl.type)}, "
            f"got {MASK if secret else shorten(value)}",
            f"Its default is {decl.default}." if secret else f"Its default is {decl.default}. {exc}".strip(),
        ) from None


def _convert(kind: str, value: Any) -> Any:
    if isinstance(value, str):
        return _parse_text(kind, value)
    if kind == "any" or value is None:
        return value
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "tuple" and isinstance(value, list):
        return tuple(value)
    expected = _TYPES[kind]
    if isinstance(value, bool) and kind != "bool":
        raise TypeError("")
    if not isinstance(value, expected):
        raise TypeError("")
    return value


def _parse_text(kind: str, text: str) -> Any:
    if kind == "str":
        return text
    stripped = text.strip()
    if kind in ("int", "float"):
        try:
            return int(stripped.replace("_", "")) if kind == "int" else float(stripped)
        except ValueError:
            raise ValueError("") from None
    if kind == "bool":
        lowered = stripped.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("Use true/false, yes/no or 1/0.")
    if kind in ("list", "dict", "tuple"):
        value = _literal(stripped)
        if kind == "tuple" and isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, _TYPES[kind]):
            raise ValueError(f"Write it as JSON or a Python literal, e.g. {_EXAMPLES[kind]}.")
        return value
    # No declared type (default None or an expression): take a literal if it is one.
    try:
        return _literal(stripped)
    except ValueError:
        return text


_EXAMPLES = {"list": "[1, 2, 3]", "dict": '{"a": 1}', "tuple": "[1, 2]"}


def _literal(text: str) -> Any:
    """JSON/YAML-style or Python literal text as a value."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    import yaml

    try:
        value = load_yaml(text, "the value")
    except yaml.YAMLError as exc:
        raise ValueError(f"It is not a literal: {exc.problem if hasattr(exc, 'problem') else exc}") from None
    if isinstance(value, str) and value != text:
        return value
    if isinstance(value, str):
        raise ValueError("It is not a literal.")
    return value


def _article(kind: str) -> str:
    return "any value" if kind == "any" else ("an " if kind[0] in "aeiou" else "a ") + kind


def load_param_file(path: str | os.PathLike) -> dict[str, Any]:
    """Parameters from a YAML (or JSON) file holding one mapping."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise NotFound(f"parameter file not found: {path}", "Give a YAML file with name: value lines.")
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadInput(
            f"{path} is not valid YAML: {exc}", "Give a YAML file with name: value lines."
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise BadInput(f"{path} must hold a mapping of parameter names to values", "e.g. `max_depth: 6`")
    return data


def load_yaml(text: str, source: str) -> Any:
    """YAML (or JSON) text as values; an alias bomb or a huge text is refused before it costs.

    Raises :class:`BadInput` naming ``source`` for those; a syntax error stays a ``yaml.YAMLError``.
    """
    import yaml

    if len(text) > MAX_YAML_CHARS:
        raise BadInput(
            f"{source} is too large to read as YAML ({len(text):,} characters)",
            f"Accepted: up to {MAX_YAML_CHARS:,} characters.",
        )
    loader = _guarded_loader()(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError:
        if loader.too_large:
            raise BadInput(
                f"{source} expands to more than {MAX_YAML_NODES:,} values through YAML aliases (*name)",
                "Write the values out; a few anchors and aliases are accepted, an alias bomb is not.",
            ) from None
        raise
    finally:
        loader.dispose()


@functools.cache
def _guarded_loader():
    import yaml

    class GuardedLoader(yaml.SafeLoader):
        """``yaml.SafeLoader`` that counts values as if every alias were written out in full."""

        too_large = False

        def compose_node(self, parent, index):
            node = super().compose_node(parent, index)
            sizes = self.__dict__.setdefault("sizes", {})
            if id(node) not in sizes:  # an alias returns its anchor's node, already counted
                children = node.value if isinstance(node.value, list) else []
                flat = [n for child in children for n in (child if isinstance(child, tuple) else (child,))]
                sizes[id(node)] = 1 + sum(sizes[id(n)] for n in flat)
            if sizes[id(node)] > MAX_YAML_NODES:
                self.too_large = True
                raise yaml.YAMLError("too many values")
            return node

    return GuardedLoader


def shorten(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages that echo input back."""
    text = reprlib.repr(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def parse_assignments(pairs) -> dict[str, str]:
    """``-p NAME VALUE`` pairs as a dict (the last one wins, as in papermill)."""
    return {name: value for name, value in pairs}
