"""Sweep throughput: mlops-jupyter's executor vs plain papermill, measured side by side.

A 16-point sweep of a small notebook, run by

- ``papermill.execute_notebook`` called sequentially (a fresh kernel per call);
- a 2-process pool of the same calls (workers warmed up before timing: papermill imported);
- ``mlops.sweep`` on the local executor, tracked (a parent run, a child run per point, the
  output notebooks as artifacts), with forked kernels (the default for sweeps) and with
  spawned ones; and untracked, to measure what tracking costs.

Then the same for a notebook that imports pandas and scikit-learn and fits a model.

    python benchmarks/sweep.py                  # both notebooks, 16 points each
    python benchmarks/sweep.py --points 8 --skip-heavy

All figures are wall-clock seconds from one run of this script, so the ratios hold even
on a busy machine; the load average before and after is printed with them.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SMALL = [
    ("x = 0\nn = 20000", True),
    ("import mlops_jupyter as mlops\ntotal = sum(i * i for i in range(n)) + x", False),
    (
        "run = mlops.active_run()  # None under plain papermill\n"
        "if run:\n    mlops.log_metrics({'total': total, 'x': x})\nmlops.check('positive', total > 0)",
        False,
    ),
]
HEAVY = [
    ("C = 1.0\nseed = 0", True),
    (
        "import pandas as pd\nimport mlops_jupyter as mlops\n"
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.metrics import roc_auc_score\nfrom sklearn.preprocessing import StandardScaler",
        False,
    ),
    (
        "frame = load_breast_cancer(as_frame=True).frame\n"
        "X, y = frame.drop(columns='target'), frame['target']\n"
        "Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=seed)\nscaler = StandardScaler().fit(Xtr)\n"
        "clf = LogisticRegression(C=C, max_iter=1000).fit(scaler.transform(Xtr), ytr)\n"
        "auc = roc_auc_score(yte, clf.predict_proba(scaler.transform(Xte))[:, 1])\n"
        "if mlops.active_run():\n    mlops.log_metric('auc', auc)",
        False,
    ),
]


def write_notebook(path: Path, cells) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    for source, is_parameters in cells:
        cell = nbformat.v4.new_code_cell(source)
        if is_parameters:
            cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _papermill(args) -> float:
    import papermill

    notebook, output, parameters = args
    start = time.perf_counter()
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters, progress_bar=False)
    return time.perf_counter() - start


def _warm() -> None:
    import papermill  # noqa: F401


def papermill_sequential(notebook: Path, points: list[dict], out: Path) -> tuple[float, int]:
    start = time.perf_counter()
    failed = 0
    for i, p in enumerate(points):
        try:
            _papermill((notebook, out / f"seq-{i}.ipynb", p))
        except Exception:  # noqa: BLE001 - counted, shown in the table
            failed += 1
    return time.perf_counter() - start, failed


def papermill_pool(notebook: Path, points: list[dict], out: Path) -> tuple[float, int]:
    with ProcessPoolExecutor(2, initializer=_warm) as pool:
        list(pool.map(abs, [0, 0]))  # workers started and papermill imported before timing
        start = time.perf_counter()
        futures = [
            pool.submit(_papermill, (notebook, out / f"pool-{i}.ipynb", p)) for i, p in enumerate(points)
        ]
        failed = sum(1 for f in futures if f.exception() is not None)
        return time.perf_counter() - start, failed


class WriterClock:
    """Time spent recording runs (the executor's background writer), summed over runs."""

    def __init__(self):
        from mlops_jupyter.pipelines import executors

        self.executors = executors
        self.original = executors.record
        self.seconds = 0.0

    def __enter__(self):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        self.executors.record = timed
        return self

    def __exit__(self, *exc):
        self.executors.record = self.original


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


def mlops_sweep(notebook: Path, points: list[dict], workers, kernels: str, track: bool) -> dict:
    import mlops_jupyter as mlops

    with WriterClock() as clock:
        cpu = _own_cpu()
        start = time.perf_counter()
        table = mlops.sweep(
            notebook, points=points, workers=workers, kernels=kernels, track=track, progress=False
        )
        seconds = time.perf_counter() - start
        cpu = _own_cpu() - cpu
    return {
        "seconds": seconds,
        "failed": int((table["status"] != "FINISHED").sum()),
        "writer_s": clock.seconds,
        "run_s": float(table["duration_s"].mean()),
        "cpu_s": cpu,
    }


VARIANTS = (("fork", True), ("spawn", True), ("fork", False))


def bench(label: str, notebook: Path, points: list[dict], workers, out: Path, rounds: int) -> list[dict]:
    seq, seq_failed = papermill_sequential(notebook, points, out)
    pool, pool_failed = papermill_pool(notebook, points, out)
    rows = [
        {"contender": "papermill, sequential", "seconds": seq, "failed": seq_failed},
        {"contender": "papermill, 2-process pool (warm)", "seconds": pool, "failed": pool_failed},
    ]
    # Interleaved rounds, median of each: the machine's load drifts, the comparison should not.
    samples: dict[tuple, list[dict]] = {variant: [] for variant in VARIANTS}
    for _ in range(rounds):
        for kernels, track in VARIANTS:
            samples[(kernels, track)].append(mlops_sweep(notebook, points, workers, kernels, track))
    for (kernels, track), found in samples.items():
        middle = sorted(found, key=lambda r: r["seconds"])[len(found) // 2]
        rows.append(
            {
                "contender": f"mlops sweep, {kernels}ed kernels, {'tracked' if track else 'untracked'}",
                "kernels": kernels,
                "track": track,
                **middle,
                "failed": sum(r["failed"] for r in found),
                "medians": {
                    k: statistics.median(r[k] for r in found) for k in ("run_s", "cpu_s", "writer_s")
                },
            }
        )
    for row in rows:
        row["notebook"] = label
        row["vs_sequential"] = seq / row["seconds"]
        row["vs_pool"] = pool / row["seconds"]
    return rows


def report(rows: list[dict], n: int, rounds: int) -> None:
    print(
        f"\n{'notebook':<15} {'contender':<38} {'total s':>8} {'runs/s':>7}"
        f" {'vs seq':>7} {'vs pool':>8} {'failed':>6}"
    )
    for r in rows:
        print(
            f"{r['notebook']:<15} {r['contender']:<38} {r['seconds']:8.2f} {n / r['seconds']:7.2f} "
            f"{r['vs_sequential']:6.2f}x {r['vs_pool']:7.2f}x {r['failed']:6d}"
        )
    print(f"(mlops rows: median of {rounds} interleaved rounds; papermill rows: one round each)")
    for label in dict.fromkeys(r["notebook"] for r in rows):
        mine = {(r["kernels"], r["track"]): r for r in rows if r["notebook"] == label and "kernels" in r}
        tracked, untracked = mine[("fork", True)]["medians"], mine[("fork", False)]["medians"]
        run_ms = untracked["run_s"] * 1000
        cpu_ms = (tracked["cpu_s"] - untracked["cpu_s"]) / n * 1000
        walls = mine[("fork", True)]["seconds"], mine[("fork", False)]["seconds"]
        print(f"\n{label}: tracking overhead per run (forked kernels, medians)")
        print(
            f"  run duration (kernel hand-over to output notebook): "
            f"{tracked['run_s'] * 1000:.0f} ms tracked, "
            f"{run_ms:.0f} ms untracked ({(tracked['run_s'] / untracked['run_s'] - 1) * 100:+.1f}%)"
        )
        print(
            f"  executor CPU spent tracking (create run, journal replay, params, output notebook, status): "
            f"{cpu_ms:.0f} ms per run = {cpu_ms / run_ms * 100:.1f}% of a run"
        )
        print(
            f"  background writer busy: {tracked['writer_s'] / n * 1000:.0f} ms per run"
            f" (wall, off the execution path)"
        )
        print(
            f"  sweep wall time: {walls[0]:.2f} s tracked vs {walls[1]:.2f} s untracked "
            f"({(walls[0] / walls[1] - 1) * 100:+.1f}%)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None, help="mlops sweep workers (default: CPU count)")
    parser.add_argument("--skip-heavy", action="store_true", help="only the small notebook")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the mlops variants")
    args = parser.parse_args()

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    with tempfile.TemporaryDirectory(prefix="mlops-bench-") as tmp:
        project = Path(tmp)
        (project / ".mlops").mkdir()
        os.environ["MLOPS_HOME"] = str(project / ".mlops")
        os.chdir(project)
        out = project / "out"
        out.mkdir()
        import papermill  # noqa: F401 - every contender starts with it imported

        import mlops_jupyter.tracking.mlflow_store as store

        store.client()  # the store exists before timing (a one-off per project)
        load = os.getloadavg()
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs,"
            f" load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        print(f"{args.points} points per sweep; mlops workers: {args.workers or 'default (2 x CPUs)'}")
        rows = bench(
            "small",
            write_notebook(project / "small.ipynb", SMALL),
            [{"x": i} for i in range(args.points)],
            args.workers,
            out,
            args.rounds,
        )
        if not args.skip_heavy:
            rows += bench(
                "pandas+sklearn",
                write_notebook(project / "heavy.ipynb", HEAVY),
                [{"C": 0.1 * (i + 1), "seed": i} for i in range(args.points)],
                args.workers,
                out,
                args.rounds,
            )
        report(rows, args.points, args.rounds)
        load = os.getloadavg()
        print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
