"""The scheduler with 1,000 jobs defined: how late firings start, and what it costs when idle.

    python benchmarks/scheduler.py [--jobs 1000] [--firing 20] [--window 60] [--idle 30]

On a fresh project (SQLite job store and MLflow store), one validated notebook is scheduled
as ``--jobs`` jobs through the public API. ``--firing`` of them fire during a ``--window``
second window (each at its own second of the minute, so they do not queue behind each
other); the rest are daily jobs whose time is far from now. A real ``mlops scheduler``
process (2 workers, pooled kernels) runs them. Printed side by side:

* **fire delay**: from the due time to the kernel starting the notebook's first cell
  (papermill's own timestamp in the output notebook), median / p95 / max, and to the firing
  being claimed in the store;
* **idle CPU**: the scheduler process's CPU time (user + system, from ``psutil``) over
  ``--idle`` seconds with nothing due, scaled to one minute; its pooled idle kernels apart;
* the time to define the jobs and to list them (``mlops jobs``).

Targets (issue 6): p95 fire delay <= 1 s (jupyter-scheduler polls every 10 s), idle CPU
negligible.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("batch = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\nscored = batch * 2")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--firing", type=int, default=20, help="jobs that fire during the window")
    parser.add_argument("--window", type=float, default=60.0, help="seconds of firings measured")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measured")
    args = parser.parse_args()

    import psutil

    project = Path(tempfile.mkdtemp(prefix="mlops-bench-scheduler-"))
    os.chdir(project)
    os.environ["MLOPS_HOME"] = str(project / ".mlops")
    os.environ.pop("MLOPS_JOBS_URL", None)
    from mlops_jupyter import _testing

    _testing.fresh_home(project)
    import mlops_jupyter as mlops
    from mlops_jupyter.jobs import service as api

    path = notebook(project / "score.ipynb")
    print(f"validating {path.name} ...", flush=True)
    assert mlops.validate(path).passed

    # Daily jobs at an hour far from now, so only the chosen ones fire while we measure.
    quiet_hour = (datetime.now(UTC).hour + 12) % 24
    zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]
    t0 = time.perf_counter()
    step = max(1, 60 // max(1, args.firing))
    for i in range(args.jobs):
        if i < args.firing:
            cron, tz = f"{(i * step) % 60} * * * * *", "UTC"  # once a minute, at its own second
        else:
            cron, tz = f"{i % 60} {quiet_hour} * * *", zones[i % len(zones)]
        # The firing ones start paused: resumed when the scheduler is up, they have no backlog
        # of firings that fell due while the other jobs were being defined.
        api.schedule(path, cron, tz=tz, name=f"job-{i:04d}", parameters={"batch": i}, paused=i < args.firing)
    define_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    listed = len(api.jobs())
    list_s = time.perf_counter() - t0
    print(f"defined {listed} jobs in {define_s:.1f} s", flush=True)

    log = open(project / "scheduler.log", "w")
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "mlops_jupyter.cli", "scheduler", "--workers", "2", "-v"],
        cwd=project,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while "started:" not in (project / "scheduler.log").read_text():
            if scheduler.poll() is not None or time.monotonic() > deadline:
                raise SystemExit((project / "scheduler.log").read_text())
            time.sleep(0.2)
        time.sleep(3)  # its kernel pool fills
        for i in range(args.firing):
            api.resume(f"job-{i:04d}")
        start = datetime.now(UTC)
        print(f"measuring firings for {args.window:.0f} s ...", flush=True)
        time.sleep(args.window)
        for i in range(args.firing):
            api.pause(f"job-{i:04d}")
        end = start + timedelta(seconds=args.window)
        time.sleep(5)  # the last firings finish
        firings = [
            f
            for i in range(args.firing)
            for f in api.history(f"job-{i:04d}", 100)
            if f.trigger == "schedule" and start <= _t(f.scheduled_time) <= end
        ]
        done = [f for f in firings if f.status == "succeeded" and f.delay_s is not None]
        claim = [(_t(f.started_at) - _t(f.scheduled_time)).total_seconds() for f in done]
        delays = [f.delay_s for f in done]

        print(f"measuring idle CPU for {args.idle:.0f} s ...", flush=True)
        process = psutil.Process(scheduler.pid)
        kernels = process.children(recursive=True)

        def cpu(procs):
            total = 0.0
            for p in procs:
                try:
                    times = p.cpu_times()
                    total += times.user + times.system
                except psutil.NoSuchProcess:
                    pass
            return total

        own0, kern0, wall0 = cpu([process]), cpu(kernels), time.monotonic()
        time.sleep(args.idle)
        own1, kern1, wall1 = cpu([process]), cpu(kernels), time.monotonic()
        per_minute = 60.0 / (wall1 - wall0)
        idle_own = (own1 - own0) * per_minute
        idle_kernels = (kern1 - kern0) * per_minute
    finally:
        scheduler.terminate()
        scheduler.wait(60)
        log.close()

    if not delays:
        raise SystemExit(f"no firing was measured; see {project / 'scheduler.log'}")
    rows = [
        ("jobs defined", f"{listed}", ""),
        ("define (API, each validated + audited)", f"{define_s / args.jobs * 1000:.1f} ms/job", ""),
        ("list all jobs (next fire, last status, rate)", f"{list_s * 1000:.0f} ms", ""),
        ("firings measured / failed", f"{len(done)} / {len(firings) - len(done)}", ""),
        ("fire delay to kernel start, median", f"{statistics.median(delays):.3f} s", ""),
        ("fire delay to kernel start, p95", f"{percentile(delays, 0.95):.3f} s", "<= 1 s"),
        ("fire delay to kernel start, max", f"{max(delays):.3f} s", ""),
        ("due -> claimed in the store, median", f"{statistics.median(claim) * 1000:.1f} ms", ""),
        ("scheduler CPU per idle minute", f"{idle_own:.3f} s ({idle_own / 60:.2%} of a core)", "negligible"),
        (f"its {len(kernels)} pooled idle kernel processes, per minute", f"{idle_kernels:.3f} s", ""),
        ("jupyter-scheduler poll interval (reference)", "10 s", ""),
        (
            "machine load average (1 min) at the end",
            f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores",
            "",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'scheduler, ' + str(listed) + ' jobs':<{width}}  {'measured':<28}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<28}  {target}")


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


if __name__ == "__main__":
    main()
