"""The end-to-end demo on the embedded defaults: ``mlops demo``.

It builds a throw-away project from the example notebooks and walks it from experiment to
production with real components: tracked cells in a real kernel, a pipeline DAG and a
parallel sweep on pooled kernels, validation, registration and gated promotion, SHAP and
drift reports, scheduled jobs fired by the scheduler (scoring, drift monitoring that starts
a retraining job whose model becomes the challenger), exports, and the audit log. Every
step prints what it did and where to look; everything lands in ``<out>/``.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import click

MODEL = "cancer"


def step(title: str) -> None:
    click.secho(f"\n▸ {title}", bold=True)


def say(text: str) -> None:
    click.echo("  " + str(text).replace("\n", "\n  "))


def run_demo(notebooks: Path, out: Path) -> None:
    started = time.perf_counter()
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(notebooks, out / "notebooks")
    (out / "reports").mkdir()
    os.environ["MLOPS_HOME"] = str(out / ".mlops")
    os.environ.setdefault("MLOPS_USER", "demo")
    os.chdir(out)
    from . import _testing

    _testing.fresh_home(out)
    import mlops_jupyter as mlops

    track_cells(out)
    run_pipeline(mlops)
    sweep(mlops)
    champion_run = govern(mlops)
    explain_and_drift(mlops, champion_run)
    produce(mlops)
    audit(mlops)
    report(mlops)

    step(f"Done in {time.perf_counter() - started:.0f} s — everything is in {out}")
    say(f"browse runs and models:  mlflow ui --backend-store-uri sqlite:///{out}/.mlops/mlflow.db")
    say(f"the sidebar panel:       jupyter lab {out}")
    say(f"the champion's report:   cd {out} && mlops report {MODEL}@champion   (served with Voila)")
    say(f"reports written:         {', '.join(sorted(p.name for p in (out / 'reports').iterdir()))}")


def track_cells(out: Path) -> None:
    from .tracking import query
    from .views.runs import RunsTable

    step("Experiments: %%mlops track cells in a real kernel (notebooks/quickstart.ipynb)")
    executed = execute(out / "notebooks" / "quickstart.ipynb")
    say(f"executed: {executed.relative_to(out)}")
    runs = query.search(["breast-cancer"], max_results=20).runs
    say(repr(RunsTable(runs)))


def run_pipeline(mlops) -> None:
    step("A pipeline: notebooks/pipeline.yaml (prepare → profile ∥ train → evaluate)")
    result = mlops.run("notebooks/pipeline.yaml", progress=False)
    for name, done in result.steps.items():
        metrics = ", ".join(f"{k}={v:.4g}" for k, v in done.metrics.items())
        say(f"{name:9} {done.status:9} {done.duration_s:5.2f} s  {metrics}")
    say(f"rerun with --resume and unchanged steps are reused; parent run {result.parent_run_id}")


def sweep(mlops) -> None:
    step("A sweep of notebooks/train.ipynb over model × max_depth, in parallel, one child run per point")  # noqa: RUF001 - a grid's product sign
    table = mlops.sweep(
        "notebooks/train.ipynb",
        grid={"model": ["rf", "gb"], "max_depth": [2, 4, 8]},
        experiment="breast-cancer",
        progress=False,
    )
    columns = [c for c in ("model", "max_depth", "status", "auc", "accuracy") if c in table.columns]
    say(table[columns].to_string(index=False))


def govern(mlops) -> str:
    step("Validation, registration and gated promotion")
    validation = mlops.validate("notebooks/monitor_retrain.ipynb", require=["auc>=0.95"])
    say(f"validated monitor_retrain.ipynb @ {validation.short_version}: passed={validation.passed}")
    version = mlops.register(
        validation.run_id, MODEL, description="Logistic regression on the breast cancer data"
    )
    say(f"registered {MODEL} v{version.version} from run {validation.run_id}")
    try:
        mlops.promote(MODEL, version.version, "champion", require=["auc>=0.999"], reason="too strict a rule")
    except mlops.MlopsError as refused:
        say(f"gate refused, as it should: {refused.message} — {refused.detail}")
    promotion = mlops.promote(MODEL, version.version, "champion", reason="first model, validated")
    say(f"{MODEL}@champion -> v{promotion.version}")
    return validation.run_id


def explain_and_drift(mlops, run_id: str) -> None:
    import mlflow
    from sklearn.datasets import load_breast_cancer

    from .tracking import mlflow_store as store

    step("Why the champion predicts what it does (SHAP) and whether new data moved (drift)")
    store.load_mlflow()
    mlflow.set_tracking_uri(store.client().tracking_uri)
    mlflow.set_registry_uri(store.client().tracking_uri)
    model = mlflow.sklearn.load_model(f"models:/{MODEL}@champion")
    X = load_breast_cancer(as_frame=True).frame.drop(columns="target")
    explanation = mlops.explain(model, X)
    explanation.log(run_id=run_id)
    explanation.to_html("reports/explain.html")
    top = explanation.importance().head(3)
    say(f"top features by mean |SHAP|: {', '.join(top.index)} → reports/explain.html")
    current = X.sample(200, random_state=1)
    current[["mean radius", "mean area", "worst radius"]] *= 1.3
    report = mlops.drift(X, current)
    report.log(run_id=run_id)
    report.to_html("reports/drift.html")
    say(
        f"drift: {len(report.drifted_columns)} of {len(report.to_frame())} columns drifted "
        f"(share {report.share:.2f}, data set drifted: {report.drifted}) → reports/drift.html"
    )
    card = mlops.model_card(MODEL, 1)  # lineage, metrics, validation, SHAP, drift baseline, history
    Path("reports/model-card.html").write_text(card.html(full_page=True))
    say("model card: reports/model-card.html")


def produce(mlops) -> None:
    step("Production jobs from validated, pinned notebook versions")
    for notebook in ("score.ipynb", "monitor.ipynb"):
        assert mlops.validate(f"notebooks/{notebook}").passed
    mlops.schedule(
        "notebooks/monitor_retrain.ipynb",
        None,
        name="retrain",
        parameters={"shift": 0.5},
        register_model=MODEL,
    )
    mlops.schedule(
        "notebooks/score.ipynb",
        "0 6 * * *",
        tz="Europe/Berlin",
        name="daily-scoring",
        parameters={"model_uri": f"models:/{MODEL}@champion"},
        retries=2,
        timeout="30m",
    )
    mlops.schedule(
        "notebooks/monitor.ipynb",
        "0 * * * *",
        name="drift-monitor",
        parameters={"shift": 0.5},
        retrain_job="retrain",
    )
    scheduler = mlops.Scheduler(workers=2).start()
    try:
        mlops.run_job("daily-scoring")
        mlops.run_job("drift-monitor")
        for name in ("daily-scoring", "drift-monitor", "retrain"):
            wait_for_firing(mlops, name)
    finally:
        scheduler.stop()  # waits for the firings' follow-ups too (alerts, the challenger's registration)
    for name in ("daily-scoring", "drift-monitor", "retrain"):
        (firing,) = mlops.job_history(name, limit=1)
        say(f"{name:14} {firing.status:14} {firing.error or firing.note or ''}")
    for job in mlops.jobs():
        when = f"next {job.next_fire_local} ({job.cron} {job.timezone})" if job.cron else "on demand"
        say(f"{job.name:14} {when}; last {job.last_status}")
    aliases = mlops.model(MODEL).model.aliases
    say(f"{MODEL} aliases after monitoring: {aliases} (the challenger waits for a person to promote it)")
    for target in ("airflow", "k8s"):
        paths = mlops.export_job("daily-scoring", target, "export")
        say(f"exported for {target}: {', '.join(str(p) for p in paths)}")


def wait_for_firing(mlops, name: str, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = mlops.job_history(name, limit=1)
        if history and history[0].status not in ("queued", "waiting", "running", "pending"):
            return history[0]
        time.sleep(0.5)
    raise mlops.MlopsError(f"job {name} did not finish within {timeout:.0f} s")


def audit(mlops) -> None:
    from .governance import audit as audit_log

    step("The audit log: every governed action, hash-chained")
    for entry in mlops.audit(limit=8):
        say(f"{entry['time'][:19]}  {entry['actor']:6} {entry['action']:9} {entry['target']}")
    problems = audit_log.verify()
    say("verified: the chain is intact" if not problems else f"PROBLEMS: {problems}")


def report(mlops) -> None:
    step(f"The report stakeholders read: {MODEL}@champion")
    page = mlops.model_report(f"{MODEL}@champion")
    path = Path("reports/report.html")
    page.to_html(path)
    say(f"{page.title}: one page, opens offline → {path} ({path.stat().st_size / 1e6:.1f} MB)")
    say(f"served with Voila, sections as they are read:  mlops report {MODEL}@champion")


def execute(path: Path, timeout: int = 600) -> Path:
    """Run a notebook top to bottom in a fresh kernel; the executed copy is saved beside it."""
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.km = client.create_kernel_manager()
    client.km.transport = "ipc"
    client.km.ip = os.path.join(tempfile.mkdtemp(prefix="mlops-k"), "kernel")
    client.execute(env=dict(os.environ, JPY_SESSION_NAME=str(path)))
    target = path.with_name(path.stem + ".executed.ipynb")
    nbformat.write(nb, target)
    return target
