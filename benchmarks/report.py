"""Report benchmark: the served report page of a model with 200 versions and 500 monitoring runs.

    python benchmarks/report.py [--versions 200] [--monitoring 500]

Builds a throw-away store (a temp directory): model ``big`` with ``--versions`` versions (one
run each, with metrics and a KPI), champion moved through three promotions, a SHAP explanation
logged with the champion's run, and ``--monitoring`` monitoring runs (drift share, the
``no_drift`` check, a KPI); and the baseline, model ``small``, one version and no monitoring.

Then, for each model, in the same run: the time the report's data takes to gather in-process,
section by section, and the page served for real by ``mlops report`` (Voila) and loaded in
Debian's Chromium: time from navigation to the summary (target <= 5 s for ``big``) and to all
charts; then the same page as the sidebar's "Open report" opens it, inside a real Jupyter server
(the Models view listed first, as the sidebar does, which starts the report's kernel pool; then
three visits, each once the pool's kernel is warm).
The ratio big / small shows what the model's history costs beyond Voila's own start.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def build(project: Path, versions: int, monitoring: int) -> None:
    """The store: runs and versions written through MLflow's client (set-up, not what is timed)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier

    import mlops_jupyter as mlops
    from mlops_jupyter import _testing
    from mlops_jupyter.registry.mlflow_client import client

    _testing.fresh_home(project)
    os.environ["MLOPS_USER"] = "bench"
    c = client()
    training = c.create_experiment("training")
    watching = c.create_experiment("monitoring")
    now = int(time.time() * 1000)

    def run(experiment: str, start: int, metrics: dict, params: dict, tags: dict) -> str:
        from mlflow.entities import Metric, Param

        r = c.create_run(experiment, start_time=start, tags=tags)
        c.log_batch(
            r.info.run_id,
            metrics=[Metric(k, v, start, 0) for k, v in metrics.items()],
            params=[Param(k, str(v)) for k, v in params.items()],
        )
        c.set_terminated(r.info.run_id, end_time=start + 1000)
        return r.info.run_id

    kpi = {"mlops.kpi.cost_saved_eur.unit": "EUR", "mlops.kpi.cost_saved_eur.higher_is_better": "true"}
    for name, n in (("big", versions), ("small", 1)):
        c.create_registered_model(name)
        for i in range(n):
            auc = 0.8 + 0.15 * i / max(n, 1)
            rid = run(
                training,
                now - (n - i) * 3_600_000,
                {"auc": auc, "accuracy": auc - 0.05, "cost_saved_eur": 1e5 * i},
                {"n": i},
                kpi,
            )
            c.create_model_version(name, f"runs:/{rid}/model", run_id=rid)
    for version in ("1", str(versions // 2), str(versions)):
        mlops.promote("big", version, "champion", force=True, reason=f"benchmark step to v{version}")
    mlops.promote("small", "1", "champion", force=True, reason="the only one")
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    explanation = mlops.explain(model, X)
    c.log_text(
        c.get_model_version("big", str(versions)).run_id, explanation.to_json(), "explain/explanation.json"
    )
    for i in range(monitoring):
        share = (i % 30) / 30
        run(
            watching,
            now - (monitoring - i) * 60_000,
            {"drift_share": share, "cost_saved_eur": 1e5 + 100 * i},
            {"model": "big", "alias": "champion"},
            {"mlops.check.no_drift": "passed" if share < 0.5 else "failed", **kpi},
        )
    _testing.reset_state()


def gather_times(model: str) -> dict[str, float]:
    from mlops_jupyter import _testing
    from mlops_jupyter.reports import ModelReport

    _testing.reset_state()
    out = {}
    start = time.perf_counter()
    source = ModelReport(f"{model}@champion")
    out["open"] = time.perf_counter() - start
    for name in ("summary", "quality", "kpis", "why", "health", "history"):
        t = time.perf_counter()
        getattr(source, name)()
        out[name] = time.perf_counter() - t
    out["total"] = time.perf_counter() - start
    return out


def page_times(browser, project: Path, model: str) -> list[tuple[float, float]]:
    """(to summary, to all charts) of two visits: the first as soon as `mlops report` printed its
    URL (its preheated kernel is ready), the second right after the first has loaded (Voila warms
    the next kernel meanwhile: on a busy machine it may not be ready yet)."""
    env = {**os.environ, "MLOPS_HOME": str(project / ".mlops")}
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops_jupyter.cli", "report", f"{model}@champion", "--port", "0"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = re.match(r"report served at (\S+)", process.stdout.readline()).group(1)
        return [visit(browser, url, 4 if model == "big" else 3) for _ in range(2)]
    finally:
        process.terminate()
        process.wait(20)


def in_server_times(browser, project: Path, model: str) -> dict[str, tuple[float, float]]:
    """Visits to the sidebar's "Open report" page, Voila's handler inside a real Jupyter server
    (``/mlops/report``). The models are listed first, as the sidebar's Models view does (the report's
    kernel pool starts a few seconds later); then three visits, each once the pool's kernel is warm."""
    import secrets
    import socket
    import urllib.request

    from mlops_jupyter.reports import READY

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    ready = project / f"report-ready-{model}"  # a line per warm kernel (reports.warm_up)
    env = {
        **os.environ,
        "MLOPS_HOME": str(project / ".mlops"),
        "JUPYTER_CONFIG_DIR": str(project / ".jupyter"),
        READY: str(ready),
    }
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root"]
    command += [
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={project}",
    ]
    command += ["--ServerApp.jpserver_extensions=mlops_jupyter=True"]
    process = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/"

    def get(path: str) -> int:
        request = urllib.request.Request(base + path, headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status

    def warm(kernels: int) -> None:
        """Until the pool's n-th kernel is warm (each adds a line to ``ready``)."""
        deadline = time.monotonic() + 300
        while not ready.exists() or len(ready.read_text().splitlines()) < kernels:
            if time.monotonic() > deadline:  # a file kernels write: nothing to subscribe to
                raise RuntimeError(f"the report's kernel {kernels} did not warm up within 300 s")
            time.sleep(0.1)

    try:
        deadline = time.monotonic() + 120
        while True:  # polling a port that is not open yet: nothing to wait on
            try:
                if get("mlops/api/status") == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("jupyter server did not start") from None
                time.sleep(0.25)
        url = f"{base}mlops/report?model={model}&alias=champion&token={token}"
        charts = 4 if model == "big" else 3
        listed = time.perf_counter()
        get("mlops/api/models")  # the sidebar's Models view: the report's kernel pool starts soon after
        warm(1)
        after = time.perf_counter() - listed
        print(f"{model}: the report's first kernel was warm {after:.1f} s after the models list")
        times = {"first visit": visit(browser, url, charts)}
        warm(2)
        times["warm"] = visit(browser, url, charts)
        warm(3)
        times["next warm"] = visit(browser, url, charts)
        return times
    finally:
        process.terminate()
        process.wait(20)


def visit(browser, url: str, charts: int) -> tuple[float, float]:
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.set_default_timeout(300_000)
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(".mlops-summary")
    summary = time.perf_counter() - start
    page.wait_for_selector(".mlops-audit-row")
    page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}")
    everything = time.perf_counter() - start
    page.close()
    return summary, everything


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", type=int, default=200)
    ap.add_argument("--monitoring", type=int, default=500)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    project = Path(tempfile.mkdtemp(prefix="mlops-report-bench-"))
    os.chdir(project)
    started = time.perf_counter()
    build(project, args.versions, args.monitoring)
    print(f"store built in {time.perf_counter() - started:.0f} s: {project}")
    load = os.getloadavg()[0]
    gathered = {m: gather_times(m) for m in ("small", "big")}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages = {m: page_times(browser, project, m) for m in ("small", "big")}
        in_server = {m: in_server_times(browser, project, m) for m in ("small", "big")}
        browser.close()
    print(
        f"\nmachine: {os.cpu_count()} cores, load average {load:.2f} (start), {os.getloadavg()[0]:.2f} (end)"
    )
    print(
        f"== report of 'big' ({args.versions} versions, {args.monitoring} monitoring runs)"
        " vs 'small' (1, 0) =="
    )
    names = list(gathered["big"])
    print(f"{'gather in-process, s':<24}" + "".join(f"{n:>9}" for n in names))
    for m in ("small", "big"):
        print(f"{m:<24}" + "".join(f"{gathered[m][n]:>9.2f}" for n in names))
    print(f"\n{'served page (Voila, Chromium)':<32}{'to summary s':>14}{'to all charts s':>17}")
    for m in ("small", "big"):
        for label, (summary, everything) in zip(("first visit", "next visit"), pages[m], strict=True):
            print(f"{m + ', ' + label:<32}{summary:>14.2f}{everything:>17.2f}")
    for i, label in enumerate(("first visit", "next visit")):
        ratio = [pages["big"][i][k] / pages["small"][i][k] for k in (0, 1)]
        print(f"{'big / small, ' + label:<32}{ratio[0]:>13.2f}x{ratio[1]:>16.2f}x")
    print(f"\n{'in the Jupyter server (sidebar)':<32}{'to summary s':>14}{'to all charts s':>17}")
    for m in ("small", "big"):
        for label, (summary, everything) in in_server[m].items():
            print(f"{m + ', ' + label:<32}{summary:>14.2f}{everything:>17.2f}")
    warm_visits = list(in_server["big"].values())
    for where, times in (("mlops report", pages["big"]), ("in the Jupyter server", warm_visits)):
        worst = max(summary for summary, _ in times)
        verdict = "met" if worst <= 5 else "NOT met"
        visits = "visits " + ", ".join(f"{summary:.2f} s" for summary, _ in times)
        print(f"target: summary within 5 s for 'big', {where}: {verdict} ({visits})")


if __name__ == "__main__":
    main()
