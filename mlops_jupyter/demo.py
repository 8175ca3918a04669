"""The end-to-end demo on the embedded defaults: `mlops demo`.

It builds a throw-away project from the example notebooks and walks it through the
product with real components: tracked experiments in a real kernel, ... Each step prints
what it did and where to look; everything lands in ``<out>/.mlops``.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import click


def step(title: str):
    click.secho(f"\n▸ {title}", bold=True)


def run_demo(notebooks: Path, out: Path) -> None:
    started = time.perf_counter()
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(notebooks, out / "notebooks")
    os.environ["MLOPS_HOME"] = str(out / ".mlops")
    os.chdir(out)
    from . import _testing

    _testing.fresh_home(out)

    step("Tracking experiments with %%mlops track (notebooks/quickstart.ipynb in a real kernel)")
    executed = execute(out / "notebooks" / "quickstart.ipynb")
    click.echo(f"  executed notebook: {executed.relative_to(out)}")
    from .magics.views import RunsTable
    from .tracking import query

    runs = query.search(["breast-cancer"], max_results=20).runs
    click.echo("  " + repr(RunsTable(runs)).replace("\n", "\n  "))
    best = max(runs, key=lambda r: r.metrics.get("auc", 0))
    click.echo(f"  best run: {best.name} auc={best.metrics['auc']:.4f} (notebook version {best.notebook_version})")

    step("Done")
    click.echo(f"  everything is in {out}/.mlops ({time.perf_counter() - started:.0f} s)")
    click.echo(f"  browse runs:    mlflow ui --backend-store-uri sqlite:///{out}/.mlops/mlflow.db")
    click.echo(f"  open the panel: jupyter lab {out}")


def execute(path: Path, timeout: int = 600) -> Path:
    """Run a notebook top to bottom in a fresh kernel; the executed copy is saved beside it."""
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.km = client.create_kernel_manager()
    client.km.transport = "ipc"
    client.km.ip = os.path.join(tempfile.mkdtemp(prefix="mlops-k"), "kernel")
    client.execute(env=dict(os.environ, JPY_SESSION_NAME=str(path)))
    target = path.with_name(path.stem + ".executed.ipynb")
    nbformat.write(nb, target)
    return target
