"""What the registry's REST layer adds over the raw ``MlflowClient`` calls it wraps.

    python benchmarks/registry.py [--repeat 100] [--rebuild]

On a store of 10,000 runs and 1,000 model versions (100 models x 10 versions), built once
and cached under ``benchmarks/.data/registry/``, it times three things, each against the
MLflow calls the core makes for it, interleaved in the same process so that both sides see
the same machine load:

* a page of 100 runs      ``GET /mlops/api/runs?max_results=100``
                           vs ``search_experiments`` + ``search_runs(max_results=100)``
* the model list          ``GET /mlops/api/models?max_results=100``
                           vs ``search_registered_models(max_results=100)``
* a promotion and its gate ``POST /mlops/api/models/<m>/promote`` (validated notebook
                           version, rule ``auc>=champion-1``, audit entry, alias move)
                           vs ``get_model_version``, ``get_registered_model``, two
                           ``get_run``, ``get_model_version`` of the holder and
                           ``set_registered_model_alias``

The REST side goes through a real Jupyter server (a subprocess with token authentication)
over one keep-alive HTTP connection. Target: the REST layer adds at most 20 %, as the median
of the ratios of adjacent REST and raw timings (robust to load drifting during the run; the
ratio of the two medians is printed beside it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CACHE = Path(__file__).resolve().with_name(".data") / "registry"
N_RUNS, N_MODELS, VERSIONS_PER_MODEL = 10_000, 100, 10
NOTEBOOK_VERSION = "b" * 64
TOKEN = "bench-token"
REST_MODEL, RAW_MODEL = "model-000", "model-001"


# -- the store ------------------------------------------------------------------------


def cached_store(rebuild: bool) -> Path:
    """The state directory of the benchmark store, built on first use."""
    import mlflow

    key = CACHE / f"mlflow-{mlflow.__version__}-{N_RUNS}-runs-{N_MODELS * VERSIONS_PER_MODEL}-versions"
    done = key / "complete"
    if rebuild and key.exists():
        shutil.rmtree(key)
    if not done.exists():
        if key.exists():
            shutil.rmtree(key)
        started = time.perf_counter()
        build(key / "project")
        done.write_text("ok\n")
        print(f"built the store in {time.perf_counter() - started:.1f} s (cached in {key})", flush=True)
    return key / "project" / ".mlops"


def build(project: Path) -> None:
    from sqlalchemy import insert

    from mlops_jupyter import _testing, db
    from mlops_jupyter.db.tables import Validation
    from mlops_jupyter.registry import rules
    from mlops_jupyter.tracking import mlflow_store as store

    project.mkdir(parents=True)
    os.chdir(project)
    home = _testing.fresh_home(project)
    client = store.client()
    exp_id = store.experiment_id("bench")
    tracking = client._tracking_client.store
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun, SqlTag

    now = int(time.time() * 1000)
    runs, tags, params, metrics = [], [], [], []
    run_ids = []
    for i in range(N_RUNS):
        run_id = uuid.uuid4().hex
        run_ids.append(run_id)
        start = now - (N_RUNS - i) * 1000
        runs.append(
            {
                "run_uuid": run_id,
                "name": f"run-{i}",
                "source_type": "NOTEBOOK",
                "source_name": "train.ipynb",
                "user_id": "bench",
                "status": "FINISHED",
                "start_time": start,
                "end_time": start + 900,
                "lifecycle_stage": "active",
                "artifact_uri": f"{(home / 'artifacts').as_uri()}/{run_id}/artifacts",
                "experiment_id": int(exp_id),
            }
        )
        for key, value in {
            "mlflow.user": "bench",
            "mlflow.runName": f"run-{i}",
            "mlops.notebook.path": "train.ipynb",
            "mlops.notebook.version": NOTEBOOK_VERSION,
            "mlflow.source.git.commit": "c" * 40,
        }.items():
            tags.append({"key": key, "value": value, "run_uuid": run_id})
        for key, value in {"max_depth": i % 10, "alpha": i % 7 / 10, "n_estimators": 100, "seed": i}.items():
            params.append({"key": key, "value": str(value), "run_uuid": run_id})
        for key, value in {
            "auc": 0.8 + (i % 200) / 1000,
            "accuracy": 0.7 + (i % 300) / 1000,
            "loss": 1 / (i + 1),
        }.items():
            metrics.append(
                {
                    "key": key,
                    "value": value,
                    "timestamp": start,
                    "step": 0,
                    "is_nan": False,
                    "run_uuid": run_id,
                }
            )
    with tracking.ManagedSessionMaker() as session:
        for table, rows in (
            (SqlRun, runs),
            (SqlTag, tags),
            (SqlParam, params),
            (SqlMetric, metrics),
            (SqlLatestMetric, metrics),
        ):
            for chunk in range(0, len(rows), 5000):
                session.execute(insert(table), rows[chunk : chunk + 5000])
    # Registered models and versions through MLflow's own API, so numbering and links are its own.
    for m in range(N_MODELS):
        name = f"model-{m:03d}"
        client.create_registered_model(name, description=f"benchmark model {m}")
        for v in range(VERSIONS_PER_MODEL):
            run_id = run_ids[m * VERSIONS_PER_MODEL + v]
            client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
        client.set_registered_model_alias(name, "champion", "1")
    with db.session() as s:
        s.add(
            Validation(
                notebook_path="train.ipynb",
                notebook_version=NOTEBOOK_VERSION,
                run_id=run_ids[0],
                user="bench",
                passed=True,
                parameters={},
                checks=[],
            )
        )
    rules.change(REST_MODEL, "champion", ["auc>=champion-1"], user="bench")
    _testing.reset_state()
    import sqlite3
    from contextlib import closing

    for name in ("mlflow.db", "jobs.db"):  # fold the write-ahead logs in: the cache is copied as files
        with closing(sqlite3.connect(home / name)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# -- the REST side --------------------------------------------------------------------


def start_server(project: Path, home: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MLOPS_HOME": str(home), "MLOPS_USER": "bench"}
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--no-browser",
        "--allow-root",
        f"--ServerApp.root_dir={project}",
        f"--IdentityProvider.token={TOKEN}",
        "--ServerApp.jpserver_extensions={'mlops_jupyter': True}",
        "--ServerApp.log_level=WARN",
    ]
    log = open(project / "server.log", "w")  # closed with the process
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=project)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            status, _ = Http(port).request("GET", "/mlops/api/status")
            if status == 200:
                return server, port
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"the Jupyter server exited: see {project / 'server.log'}")
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("the Jupyter server did not start within 120 s")


class Http:
    """One keep-alive connection to the server, as a browser tab would hold."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: dict | None = None):
        headers = {"Authorization": f"token {TOKEN}"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else None


# -- timing ---------------------------------------------------------------------------


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100, help="timed repetitions of each case")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached store")
    args = parser.parse_args()

    from mlops_jupyter.tracking.mlflow_store import quiet_mlflow

    quiet_mlflow()
    cached = cached_store(args.rebuild)
    work = Path(tempfile.mkdtemp(prefix="mlops-bench-registry-"))
    project = work / "project"
    shutil.copytree(cached.parent, project)
    home = project / ".mlops"
    os.environ["MLOPS_HOME"] = str(home)
    os.environ["MLOPS_USER"] = "bench"
    uri = f"sqlite:///{home / 'mlflow.db'}"
    from mlflow import MlflowClient

    raw = MlflowClient(tracking_uri=uri, registry_uri=uri)
    server, port = start_server(project, home)
    try:
        rest = Http(port)
        versions = {"rest": iter(range(2, 10**9)), "raw": iter(range(2, 10**9))}

        def next_version(side: str) -> str:
            # 2, 3, ..., 10, 1, 2, ...: never the version that already holds the alias
            return str(next(versions[side]) % VERSIONS_PER_MODEL + 1)

        def raw_runs_page():
            ids = [
                e.experiment_id
                for e in raw.search_experiments(max_results=1000, order_by=["last_update_time DESC"])
            ]
            page = raw.search_runs(ids, "", max_results=100, order_by=["attributes.start_time DESC"])
            assert len(page) == 100

        def rest_runs_page():
            status, body = rest.request("GET", "/mlops/api/runs?max_results=100")
            assert status == 200 and len(body["runs"]) == 100, body

        def raw_models():
            assert len(raw.search_registered_models(max_results=100, order_by=["name ASC"])) == 100

        def rest_models():
            status, body = rest.request("GET", "/mlops/api/models?max_results=100")
            assert status == 200 and len(body["models"]) == 100, body

        def raw_promote():
            version = next_version("raw")
            candidate = raw.get_model_version(RAW_MODEL, version)
            holder = str(raw.get_registered_model(RAW_MODEL).aliases["champion"])
            raw.get_run(candidate.run_id)
            raw.get_run(raw.get_model_version(RAW_MODEL, holder).run_id)
            raw.set_registered_model_alias(RAW_MODEL, "champion", version)

        def rest_promote():
            body = {"version": next_version("rest"), "alias": "champion", "reason": "benchmark"}
            status, answer = rest.request("POST", f"/mlops/api/models/{REST_MODEL}/promote", body)
            assert status == 200 and [c["name"] for c in answer["checks"]] == [
                "validated",
                "auc>=champion-1",
            ], answer

        cases = [
            ("runs page (100 of 10,000)", raw_runs_page, rest_runs_page),
            ("model list (100 models)", raw_models, rest_models),
            ("promotion with its gate", raw_promote, rest_promote),
        ]
        times = {name: {"raw": [], "rest": []} for name, _, _ in cases}
        for _ in range(5):  # warm-up: imports, connections, SQLite page cache
            for _, raw_fn, rest_fn in cases:
                raw_fn()
                rest_fn()
        for i in range(args.repeat):
            for name, raw_fn, rest_fn in cases:
                # alternate who goes first, so neither side always runs on a warmer cache
                pair = ((raw_fn, "raw"), (rest_fn, "rest")) if i % 2 else ((rest_fn, "rest"), (raw_fn, "raw"))
                for fn, side in pair:
                    times[name][side].append(timed(fn))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nregistry REST layer vs raw MlflowClient: {N_RUNS:,} runs, "
        f"{N_MODELS * VERSIONS_PER_MODEL:,} model versions, {args.repeat} timed repetitions each (ms)\n"
    )
    header = (
        f"{'case':28} {'raw median':>11} {'raw p95':>9} {'REST median':>12} {'REST p95':>9} "
        f"{'adds (paired)':>14} {'adds (medians)':>15}"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for name, _, _ in cases:
        r, s = times[name]["raw"], times[name]["rest"]
        # Each REST call ran next to its raw twin; the median of their ratios holds up when the
        # machine's load drifts during the run, which the ratio of the two medians does not.
        paired = statistics.median(b / a for a, b in zip(r, s, strict=True)) - 1
        medians = statistics.median(s) / statistics.median(r) - 1
        worst = max(worst, paired)
        print(
            f"{name:28} {statistics.median(r):11.2f} {p95(r):9.2f} "
            f"{statistics.median(s):12.2f} {p95(s):9.2f} "
            f"{paired:+14.1%} {medians:+15.1%}"
        )
    print(f"\ntarget: the REST layer adds at most 20 % (median of paired ratios); worst here {worst:+.1%}")


if __name__ == "__main__":
    main()
