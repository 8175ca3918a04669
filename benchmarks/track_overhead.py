"""What `%%mlops track` adds to a trivial cell, against the same capture done synchronously.

    python benchmarks/track_overhead.py [--cells 200]

Runs, in one process and one real IPython shell, on a fresh SQLite MLflow store:

* the same trivial cell untracked (the floor),
* that cell under ``%%mlops track`` with a param, a metric and a tag (everything else
  captured automatically: cell source, git state, environment snapshot, notebook),
* the same capture written with synchronous MLflow fluent calls inside the cell
  (the baseline the issue names),

interleaved round by round so that all three meet the same machine state, and prints
median / p95 wall time per cell, the overhead each adds over the floor, and the ratio.
"Added per trivial cell" is taken round by round (tracked minus the untracked cell just
before it), which includes appending the cell's events to the write-ahead journal.
After every cell the background writer finishes (the user reading the output), so each
cell starts as it would interactively. A back-to-back run, where each tracked cell first
waits for the previous one's writes, is reported too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TRIVIAL = "x = 1\ny = x + 1"
TRACKED = "%%mlops track -e bench --params alpha --metrics m --tags kind=bench --no-autolog\nm = 0.5\ny = 2"
SYNC = """
import mlflow as _mlflow, subprocess as _sp, platform as _pf
from mlops_jupyter.tracking.environment import environment as _env, git_state as _git
_e = _env(); _g = _git(".")
with _mlflow.start_run(experiment_id=_exp_id):
    _mlflow.log_param("alpha", alpha)
    _mlflow.set_tags({"kind": "bench", "mlops.python": _e.python, "mlops.env.digest": _e.digest,
                      **({"mlflow.source.git.commit": _g.commit} if _g else {})})
    m = 0.5
    y = 2
    _mlflow.log_metric("m", m)
    _mlflow.log_text("m = 0.5\\ny = 2", "code/cell.py")
    _mlflow.log_text(_e.requirements, "environment/requirements.txt")
"""


def timed(shell, cell: str, n: int, between=None) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        result = shell.run_cell(cell, silent=True)
        times.append(time.perf_counter() - start)
        if not result.success:
            result.raise_error()
        if between:
            between()
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=200)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mlops-bench-"))
    os.chdir(work)
    from mlops_jupyter import _testing

    _testing.fresh_home(work)
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython()
    shell.run_line_magic("load_ext", "mlops_jupyter")
    from mlops_jupyter.tracking import fluent
    from mlops_jupyter.tracking import mlflow_store as store

    shell.user_ns["alpha"] = 0.1
    store.quiet_mlflow()
    import mlflow

    from mlops_jupyter import config

    mlflow.set_tracking_uri(config.tracking_uri())
    shell.user_ns["_exp_id"] = store.experiment_id("bench-sync")

    # Warm-up: imports, the environment snapshot, SQLite pages, the writer thread.
    timed(shell, TRIVIAL, 20)
    timed(shell, TRACKED, 10, fluent.flush)
    timed(shell, SYNC, 10)

    n = args.cells
    floor, tracked, sync = [], [], []
    for _ in range(n):  # interleaved: the three kinds of cell see the same machine state
        floor += timed(shell, TRIVIAL, 1, fluent.flush)
        tracked += timed(shell, TRACKED, 1, fluent.flush)
        sync += timed(shell, SYNC, 1, fluent.flush)
    start = time.perf_counter()
    back_to_back = timed(shell, TRACKED, n)
    fluent.flush()
    b2b_total = time.perf_counter() - start

    added_med, added_p95 = summary([t - f for t, f in zip(tracked, floor, strict=False)])
    f_med, f_p95 = summary(floor)
    t_med, t_p95 = summary(tracked)
    s_med, s_p95 = summary(sync)
    b_med, b_p95 = summary(back_to_back)
    added = t_med - f_med
    sync_added = s_med - f_med
    print(f"\n%%mlops track overhead  ({n} cells each, SQLite store, Python {sys.version.split()[0]})\n")
    print(f"{'cell':44} {'median ms':>10} {'p95 ms':>9} {'added ms':>9}")
    print(f"{'untracked (floor)':44} {f_med:10.3f} {f_p95:9.3f} {'':>9}")
    print(f"{'%%mlops track':44} {t_med:10.3f} {t_p95:9.3f} {added:9.3f}")
    print(f"{'synchronous MLflow fluent capture':44} {s_med:10.3f} {s_p95:9.3f} {sync_added:9.3f}")
    print(f"{'%%mlops track back to back':44} {b_med:10.3f} {b_p95:9.3f} {b_med - f_med:9.3f}")
    print()
    print(
        f"added per trivial cell, journal included: median {added_med:.3f} ms, p95 {added_p95:.3f} ms "
        "(target: median <= 1 ms)"
    )
    print(f"ratio to synchronous capture: {added / sync_added:.1%} (target <= 5%)")
    print(
        f"back to back: {n} tracked cells written in {b2b_total:.2f} s "
        f"({n / b2b_total:.0f} runs/s, sync capture: {1000 / s_med:.0f} runs/s)"
    )


if __name__ == "__main__":
    main()
