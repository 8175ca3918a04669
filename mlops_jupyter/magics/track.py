"""``%%mlops track``: run a cell as an MLflow run, capturing what it used and produced.

On the cell's critical path we only parse, check names, execute and put events on the
background queue, which appends them to the journal before the cell returns (a model
named by ``--model`` is pickled there, so the next cell may change it); MLflow is written
by the queue's thread.
"""

from __future__ import annotations

import argparse
import ast
import functools
import html
import sys

from IPython.core.error import UsageError

from ..errors import MlopsError
from ..tracking import fluent
from ..tracking.notebook import current_notebook_path
from .answers import answered
from .parsing import MagicArgumentParser

_parser = MagicArgumentParser("track")
_parser.add_argument("-e", "--experiment")
_parser.add_argument("-n", "--name")
_parser.add_argument("--params", default="")
_parser.add_argument("--metrics", default="")
_parser.add_argument("--tags", default="")
_parser.add_argument("--model")
_parser.add_argument("--data", default="")
_parser.add_argument("--autolog", action=argparse.BooleanOptionalAction, default=True)
_parser.add_argument("--nested", action="store_true")


@functools.lru_cache(maxsize=256)
def _parse(line: str):
    """Parsed options; a cell re-run with the same first line skips argparse."""
    return _parser.parse_line(line)


def track_line(shell, line: str):
    raise UsageError("track is a cell magic: put `%%mlops track [options]` on the first line of the cell.")


def track_cell(shell, line: str, cell: str):
    __tracebackhide__ = True
    with answered("track"):  # a failure of ours is a message; the cell's own error shows as it is
        args = _parse(line)
        params = _names(args.params, "--params")
        metrics = _names(args.metrics, "--metrics")
        tags = _tags(args.tags)
        # IPython syntax (%magic, !shell, obj?) needs IPython's transforms; plain Python does not.
        source = shell.transform_cell(cell) if any(c in cell for c in "%!?") else cell
        try:
            tree = ast.parse(source)
        except SyntaxError:
            tree = None  # let the cell raise its own SyntaxError below, tracked as FAILED
        if tree is not None:
            assigned = _assigned_names(tree)
            for name in params + ([args.model] if args.model else []):
                if name not in shell.user_ns and name not in assigned:
                    option = "--model" if name == args.model else "--params"
                    raise UsageError(
                        f"{option} names {name!r}, which is neither defined nor assigned in this cell; "
                        "the cell was not run."
                    )

        datasets = _datasets(shell, _names(args.data, "--data"))
        notebook = current_notebook_path(shell.user_ns)
        run, created = fluent.start_run(
            args.experiment,
            args.name,
            nested=args.nested,
            tags={"mlops.kind": "cell", **tags},
            notebook=str(notebook) if notebook else None,
            autolog=args.autolog,
        )
        run.log_text(cell, "code/cell.py")
        for found in datasets:
            run.log_input(found.to_input())

    try:
        result = _execute(shell, source, tree)
    except BaseException as exc:
        with answered("track"):
            _capture_params(shell, run, params, strict=False)
            fluent.finish_run(run, created, exc)
            _show_status(shell, run, created)
        raise
    with answered("track"):
        problem = None
        try:
            _capture_params(shell, run, params, strict=True)
            run.log_metrics({name: _lookup(shell, name, "--metrics") for name in metrics})
            if args.model:
                run.log_model(shell.user_ns[args.model], sample=_training_sample(shell, tree, args.model))
        except (MlopsError, UsageError) as exc:
            problem = exc
        fluent.finish_run(run, created, problem)
        _show_status(shell, run, created)
        if problem is not None:
            raise UsageError(f"{problem} (the cell ran; its run is marked FAILED)") from None
    return result


def _execute(shell, source: str, tree):
    """Execute the cell in the user namespace; the value of a last expression is returned."""
    __tracebackhide__ = True
    filename = shell.compile.cache(source)  # lets tracebacks show the cell's lines
    if tree is None:
        exec(compile(source, filename, "exec"), shell.user_ns)  # raises the SyntaxError
        return None
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    code = compile(tree, filename, "exec", flags=shell.compile.flags, dont_inherit=True)
    exec(code, shell.user_ns)
    if last is not None:
        value = eval(compile(last, filename, "eval"), shell.user_ns)
        # A trailing `;` hides the value, like in any other cell.
        return None if source.rstrip().endswith(";") else value
    return None


def _datasets(shell, names: list[str]) -> list:
    """The fingerprinted data sets the cell reads (``--data``), taken before it runs."""
    if not names:
        return []
    from ..data.datasets import dataset

    found = []
    for name in names:
        if name not in shell.user_ns:
            raise UsageError(f"--data names {name!r}, which is not defined; the cell was not run.")
        try:
            found.append(dataset(shell.user_ns[name], name=name, log=False))
        except MlopsError as exc:
            raise UsageError(f"--data {name}: {exc}; the cell was not run.") from None
    return found


def _capture_params(shell, run, names: list[str], strict: bool) -> None:
    values = {}
    for name in names:
        if name in shell.user_ns:
            values[name] = shell.user_ns[name]
        elif strict:
            raise UsageError(f"--params names {name!r}, which the cell did not define")
    if values:
        run.log_params(values)


def _lookup(shell, name: str, option: str):
    if name not in shell.user_ns:
        raise UsageError(f"{option} names {name!r}, which the cell did not define")
    return shell.user_ns[name]


def _names(text: str, option: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if not name.isidentifier():
            raise UsageError(f"{option}: {name!r} is not a variable name (expected VAR[,VAR...])")
    return names


def _tags(text: str) -> dict[str, str]:
    tags = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--tags: {item!r} is not key=value (expected k=v[,k=v...])")
        tags[key.strip()] = value.strip()
    return tags


def _assigned_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _training_sample(shell, tree, model_name: str):
    """A few rows of the data the cell fit the model on, to infer the model's signature."""
    if tree is None:
        return None
    candidates: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("fit", "fit_transform", "fit_predict")
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            on_model = isinstance(node.func.value, ast.Name) and node.func.value.id == model_name
            candidates.insert(0, node.args[0].id) if on_model else candidates.append(node.args[0].id)
    for name in candidates:
        data = shell.user_ns.get(name)
        if data is None:
            continue
        if hasattr(data, "head") and callable(data.head):
            return data.head(5).copy()
        try:
            return data[:5].copy() if hasattr(data, "copy") else list(data[:5])
        except Exception:  # noqa: BLE001 - not sliceable: no signature
            continue
    return None


# -- feedback under the cell ------------------------------------------------------------


def _show_status(shell, run, created: bool) -> None:
    if not created or fluent.sink().__class__.__name__ == "Journal":
        return
    label = html.escape(f"{run.name or 'run'} in '{run.experiment}'")
    from IPython.display import HTML
    from IPython.display import display as show

    display = None
    if _has_frontend(shell):
        display = show(HTML(_line("⏳", f"logging {label}…", "#888")), display_id=True)

    def done(local_id: str, run_id: str | None, error: str | None, pending: str | None) -> None:
        if error or pending:
            message = (
                f"tracking failed: {error}. The cell ran; its results are intact."
                if error
                else f"tracking pending: {pending}. The cell ran; its run is kept in the journal "
                "and written once the tracking store is reachable."
            )
            if display is not None:
                display.update(HTML(_line("⚠", html.escape(message), "#b45309")))
            else:
                print(f"mlops: {message}", file=sys.stderr)
        elif display is not None:
            counts = f"{len(run.params)} params, {len(run.metrics)} metrics"
            text = f"{run.status.lower()} · run <code>{run_id}</code> · {label} · {counts}"
            display.update(
                HTML(_line("●" if run.status == "FINISHED" else "✖", text, _COLORS.get(run.status, "#888")))
            )

    fluent.sink().listen(run.id, done)


_COLORS = {"FINISHED": "#15803d", "FAILED": "#b91c1c", "KILLED": "#b45309"}


def _line(icon: str, text: str, color: str) -> str:
    return f'<div class="mlops-run-status" style="font-size:12px;color:{color}">{icon} mlops · {text}</div>'


def _has_frontend(shell) -> bool:
    return shell.__class__.__name__ == "ZMQInteractiveShell"
