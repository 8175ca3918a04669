"""Edge-case notebooks that papermill runs, and how to compare two executions of one.

Each case is a notebook written by nbformat as generators write them; mlops must run it
to the same cells papermill does (outputs included), or, where a kernel dies, fail the run
keeping every output papermill keeps.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

# A 2x2 RGBA PNG made from its chunks, so the notebook needs no image library.
RAW_PNG = """\
import struct, zlib
from IPython.display import Image, display

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

pixels = zlib.compress(b"\\x00" + b"\\xff\\x00\\x00\\xff" * 2 + b"\\x00" + b"\\x00\\x00\\xff\\xff" * 2)
png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
display(Image(data=png))
Image(data=png, width=20)
"""


@dataclass
class Case:
    cells: list  # code sources; (source, [tags]) for a tagged cell; ("md", text) for markdown
    parameters: str | None = "x = 1"
    values: dict = field(default_factory=dict)  # injected by both
    file: str | None = None  # the notebook's file name (default: the case's name)
    kernelspec: bool = True
    fails: bool = False  # papermill raises for it (a cell error)
    # The kernel dies (papermill: DeadKernelError); how mlops says it ended. What a dying cell
    # prints may die with it (ZeroMQ had no time to send it): the corpus prints before it.
    dies: str | None = None


CASES = {
    "history": Case(
        ["x + 1", "_ * 10", "print(sorted(Out), _, __, _i3)\n_ih[-1]", "%who_ls"],
        values={"x": 4},
    ),
    "widgets": Case(
        [
            "import ipywidgets as widgets\nslider = widgets.IntSlider(value=3, description='n')\nslider",
            "display(widgets.HTML('<b>bold</b>'), widgets.VBox([widgets.Button(description='go')]))",
            "slider.value = 5\nprint(slider.value)",
        ]
    ),
    "display_updates": Case(
        [
            "from IPython.display import display, update_display\n"
            "handle = display('first', display_id=True)\n"
            "display({'text/plain': 'fixed 1'}, display_id='fixed', raw=True)",
            "handle.update('second')\n"
            "update_display({'text/plain': 'fixed 2'}, display_id='fixed', raw=True)",
            "display({'text/plain': 'fixed 3'}, display_id='fixed', update=True, raw=True)\nprint('done')",
        ]
    ),
    # `import matplotlib` alone is preloaded into a forking zygote: the kernel must still draw inline.
    "matplotlib": Case(
        [
            "import matplotlib\nimport matplotlib.pyplot as plt",
            "fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)\nax.plot([1, 3, 2])\nplt.show()",
            "print(matplotlib.get_backend())",
        ]
    ),
    "raw_png": Case([RAW_PNG]),
    "unicode": Case(
        [
            ("md", "# Données 📈 — 数据"),
            "print(greeting, len(greeting))\ngreeting",
            "# 注释 ✓\nprint('数据', '🚀' * 3)\n{'ключ': 'значение ✨'}",
            "import sys\nprint('stderr: ü', file=sys.stderr)",
        ],
        parameters="greeting = 'hello'",
        values={"greeting": "こんにちは 👋"},
        file="ünïcødé 📈 données.ipynb",
    ),
    "stdin": Case(["name = input('who? ')", "print('never')"], fails=True),
    # papermill fails a notebook on any error output, a `raises-exception` cell's too (nbclient
    # runs on past it): mlops keeps to papermill.
    "raises_exception": Case(
        [
            ("raise ValueError('expected by the author')", ["raises-exception"]),
            "print('the notebook goes on')",
        ],
        fails=True,
    ),
    "failing_cell": Case(["y = x * 2", "1 / 0", "print('never')"], fails=True),
    "no_kernelspec": Case(
        ["print(x * 3)", "import sys\nsys.version_info.major"], kernelspec=False, values={"x": 5}
    ),
    "sigkill": Case(
        [
            "import os, signal\nprint('before')",
            "os.kill(os.getpid(), signal.SIGKILL)",
            "print('never')",
        ],
        dies="killed by SIGKILL",
    ),
    "os_exit": Case(
        ["print('last words')", "import os\nos._exit(3)", "print('never')"],
        dies="exited with code 3",
    ),
}


def write(case_name: str, folder: Path) -> Path:
    """The case's notebook, written into ``folder`` as nbformat writes it."""
    import nbformat

    case = CASES[case_name]
    nb = nbformat.v4.new_notebook()
    if case.parameters is not None:
        cell = nbformat.v4.new_code_cell(case.parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    for item in case.cells:
        if isinstance(item, tuple) and item[0] == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(item[1]))
            continue
        source, tags = item if isinstance(item, tuple) else (item, [])
        cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index}"  # the same notebook whenever it is written
    if case.kernelspec:
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / (case.file or f"{case_name}.ipynb")
    nbformat.write(nb, path)
    return path


_MODEL_ID = re.compile(r"[0-9a-f]{32}")


def cells(output_path: str | Path) -> list[dict]:
    """The executed cells with what differs by nature between two executions taken out.

    Dropped: papermill's timings and status, nbclient's message timestamps and the random ids
    of the cells papermill adds; widget model ids become their order of appearance; consecutive
    stream outputs are joined (how a stream is cut into messages depends on timing).
    """
    nb = json.loads(Path(output_path).read_text(encoding="utf-8"))
    result = []
    for cell in nb["cells"]:
        cell = dict(cell)
        metadata = {k: v for k, v in cell.get("metadata", {}).items() if k not in ("papermill", "execution")}
        cell["metadata"] = metadata
        if {"injected-parameters", "papermill-error-cell-tag"} & set(metadata.get("tags", [])):
            cell.pop("id", None)  # cells papermill adds get random ids
        if "outputs" in cell:
            cell["outputs"] = _joined_streams(cell["outputs"])
        result.append(cell)
    ids: dict[str, str] = {}
    text = _MODEL_ID.sub(lambda m: ids.setdefault(m.group(), f"model-{len(ids)}"), json.dumps(result))
    return json.loads(text)


def _joined_streams(outputs: list[dict]) -> list[dict]:
    joined: list[dict] = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = _text(previous["text"]) + _text(output["text"])
            continue
        output = dict(output)
        if output.get("output_type") == "stream":
            output["text"] = _text(output["text"])
        joined.append(output)
    return joined


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value
