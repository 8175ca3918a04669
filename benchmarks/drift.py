"""Drift engine benchmark: mlops-jupyter vs a per-column scipy loop vs Evidently's DataDriftPreset.

Numeric data, reference and current of the same size, 10 of the columns shifted. Every
contender runs in its own subprocess on the same data (saved once under
``benchmarks/.data``), so each one's peak memory is its own. Evidently 0.7 needs
``pandas<3`` and its own pins, so it runs from ``benchmarks/.venv-evidently``, created
here on first use (``python -m venv`` + ``pip install``).

    python benchmarks/drift.py                      # 100,000 x 50 and 1,000,000 x 50
    python benchmarks/drift.py --skip-slow          # no Evidently at 1M rows (~9 minutes)
    python benchmarks/drift.py --rows 100000 --no-evidently

Timings are wall-clock seconds measured in the same run, so the ratios hold on a busy
machine. Memory is the peak resident set of the subprocess above its baseline after
imports, against the bytes of the two data sets.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
EVIDENTLY_VENV = HERE / ".venv-evidently"
SHIFTED = 10


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def data_paths(rows: int, cols: int) -> tuple[Path, Path]:
    return DATA / f"ref_{rows}x{cols}.npy", DATA / f"cur_{rows}x{cols}.npy"


def make_data(rows: int, cols: int) -> None:
    import numpy as np

    ref_path, cur_path = data_paths(rows, cols)
    if ref_path.exists() and cur_path.exists():
        return
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(42)
    # stored column-major ((cols, rows) C order): the layout pandas gives frames it reads
    ref = rng.normal(size=(cols, rows))
    np.save(ref_path, ref)
    del ref
    cur = rng.normal(size=(cols, rows))
    for i in range(SHIFTED):
        cur[i] += 0.05 * (i + 1)  # 0.05 .. 0.5 reference standard deviations
    np.save(cur_path, cur)


def load_frames(rows: int, cols: int):
    import numpy as np
    import pandas as pd

    ref_path, cur_path = data_paths(rows, cols)
    names = [f"c{i}" for i in range(cols)]
    ref = pd.DataFrame(np.load(ref_path).T, columns=names, copy=False)
    cur = pd.DataFrame(np.load(cur_path).T, columns=names, copy=False)
    return ref, cur


# -- workers (each runs in its own process) --------------------------------------------


def worker(name: str, rows: int, cols: int, jobs: int | None) -> dict:
    if name == "evidently":
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset
    elif name.startswith("scipy"):
        from scipy.stats import ks_2samp, wasserstein_distance
    else:
        # imported before the timing starts, as for the scipy loops
        import scipy.spatial.distance
        import scipy.stats  # noqa: F401 - for its import cost only

        import mlops_jupyter as mlops
        from mlops_jupyter.monitoring import drift, profile  # noqa: F401
    import numpy as np
    import pandas as pd  # noqa: F401

    baseline = rss_mb()
    ref, cur = load_frames(rows, cols)
    data_mb = (ref.memory_usage(index=False).sum() + cur.memory_usage(index=False).sum()) / 2**20
    scores = {}
    extra = {}
    start = time.perf_counter()
    if name == "ours":
        report = mlops.drift(ref, cur, n_jobs=jobs)
        scores = {c.column: c.score for c in report.columns}
    elif name == "ours-ks":
        report = mlops.drift(ref, cur, test="ks", n_jobs=jobs)
        scores = {c.column: c.score for c in report.columns}
    elif name == "ours-profile":
        built = time.perf_counter()
        path = mlops.drift_profile(ref, n_jobs=jobs).save(DATA / f"profile_{rows}x{cols}.npz")
        extra["profile_seconds"] = time.perf_counter() - built
        del ref
        start = time.perf_counter()
        report = mlops.drift(path, cur, n_jobs=jobs)
        scores = {c.column: c.score for c in report.columns}
    elif name == "scipy-ks":
        for col in cur.columns:
            scores[col] = float(ks_2samp(ref[col], cur[col]).pvalue)
    elif name == "scipy-wasserstein":
        for col in cur.columns:
            scores[col] = float(wasserstein_distance(ref[col], cur[col]) / max(np.std(ref[col]), 0.001))
    elif name == "evidently":
        definition = DataDefinition(numerical_columns=list(cur.columns))
        snapshot = Report([DataDriftPreset()]).run(
            Dataset.from_pandas(cur, data_definition=definition),
            Dataset.from_pandas(ref, data_definition=definition),
        )
        for metric in snapshot.dict()["metrics"]:
            config = metric.get("config", {})
            if config.get("type", "").endswith("ValueDrift"):
                scores[config["column"]] = float(metric["value"])
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_mb": peak,
        "baseline_mb": baseline,
        "data_mb": float(data_mb),
        "scores": scores,
        **extra,
    }


def run_worker(name: str, rows: int, cols: int, jobs: int | None, python: str = sys.executable) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--worker", name, "--rows", str(rows), "--cols", str(cols)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def evidently_python() -> str:
    python = EVIDENTLY_VENV / "bin" / "python"
    if not python.exists():
        print("creating", EVIDENTLY_VENV, "(once)", flush=True)
        subprocess.run(
            [getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(EVIDENTLY_VENV)], check=True
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "evidently==0.7.*", "pandas<3"], check=True
        )
    return str(python)


# -- report ----------------------------------------------------------------------------


def agreement(a: dict, b: dict) -> float:
    common = [k for k in a if k in b and a[k] is not None and b[k] is not None]
    return max((abs(a[k] - b[k]) for k in common), default=float("nan"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="100000,1000000")
    ap.add_argument("--cols", type=int, default=50)
    ap.add_argument(
        "--jobs", type=int, default=None, help="threads for our engine (default: cores, at most 4)"
    )
    ap.add_argument(
        "--skip-slow", action="store_true", help="skip Evidently above 100,000 rows (~9 min at 1M)"
    )
    ap.add_argument("--no-evidently", action="store_true")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sizes = [int(r) for r in args.rows.split(",")]
    if args.worker:
        print(json.dumps(worker(args.worker, sizes[0], args.cols, args.jobs)))
        return

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    for rows in sizes:
        make_data(rows, args.cols)
        res = {}
        for name in ("ours", "ours-ks", "ours-profile", "scipy-ks", "scipy-wasserstein"):
            res[name] = run_worker(name, rows, args.cols, args.jobs)
        if not args.no_evidently and not (args.skip_slow and rows > 100_000):
            res["evidently"] = run_worker("evidently", rows, args.cols, None, evidently_python())
        print_table(rows, args.cols, res)


def print_table(rows: int, cols: int, res: dict) -> None:
    ours, ks = res["ours"], res["ours-ks"]
    print(
        f"\n== {rows:,} x {cols} numeric, reference and current, {SHIFTED} columns shifted "
        f"(data {ours['data_mb']:.0f} MB) =="
    )
    print(f"{'contender':<46}{'seconds':>10}{'peak MB':>10}{'x data':>8}   ours is")
    lines = [
        ("mlops drift, default tests (Wasserstein)", "ours", None),
        ("mlops drift, KS on every column", "ours-ks", None),
        ("mlops drift from a saved profile (default)", "ours-profile", None),
        ("scipy loop: ks_2samp per column", "scipy-ks", ks),
        ("scipy loop: wasserstein_distance per column", "scipy-wasserstein", ours),
        ("Evidently 0.7 DataDriftPreset (Wasserstein)", "evidently", ours),
    ]
    for label, key, versus in lines:
        if key not in res:
            print(f"{label:<46}{'skipped':>10}")
            continue
        r = res[key]
        over = (r["peak_mb"] - r["baseline_mb"]) / r["data_mb"]
        speed = f"{r['seconds'] / versus['seconds']:.1f}x faster" if versus else ""
        print(
            f"{label:<46}{r['seconds']:>10.2f}{r['peak_mb'] - r['baseline_mb']:>10.0f}{over:>8.2f}   {speed}"
        )
    if "ours-profile" in res:
        print(f"(profile built once in {res['ours-profile']['profile_seconds']:.2f} s)")
    print(
        "agreement: KS p-values vs scipy max |diff| = "
        f"{agreement(ks['scores'], res['scipy-ks']['scores']):.2e}; "
        f"Wasserstein vs scipy = {agreement(ours['scores'], res['scipy-wasserstein']['scores']):.2e}"
        + (
            f"; vs Evidently = {agreement(ours['scores'], res['evidently']['scores']):.2e}"
            if "evidently" in res
            else ""
        )
    )


if __name__ == "__main__":
    main()
