"""Which kernel a notebook runs on: its kernelspec, -k/--kernel, or python3 when it names none."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mlops_jupyter as mlops
from mlops_jupyter.cli import main
from mlops_jupyter.errors import BadInput

from .conftest import all_runs, mlops_cli, runs_of

LABEL = "import os\nprint(os.environ.get('KERNEL_LABEL', 'python3'))"


def bare_notebook(path: Path, cells: list[str], parameters: str | None = "x = 1", kernel: str | None = None):
    """What nbformat.v4.new_notebook() and converted scripts give: no kernelspec, no language."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    if kernel:
        nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def other_kernel(tmp_path, monkeypatch) -> dict:
    """A second installed kernel, ``other-python``, that says its name; returns the env that finds it."""
    folder = tmp_path / "jupyter" / "kernels" / "other-python"
    folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Other Python",
        "language": "python",
        "env": {"KERNEL_LABEL": "other-python"},
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return {"JUPYTER_PATH": str(tmp_path / "jupyter")}


def printed(output_path: str) -> str:
    cells = json.loads(Path(output_path).read_text(encoding="utf-8"))["cells"]
    return "".join("".join(o.get("text", "")) for c in cells for o in c.get("outputs", []))


def test_a_notebook_without_a_kernelspec_runs_on_python3_and_says_so_once(project, client, fresh_state):
    bare_notebook(project / "generated.ipynb", ["print(x * 2)", "y = x + 1", "print(y)"])

    done = mlops_cli("run", "generated.ipynb", "-p", "x", "4", cwd=project)

    assert done.returncode == 0, done.stderr
    assert done.stderr.count("generated.ipynb names no kernel; it runs on python3") == 1, done.stderr
    assert "Traceback" not in done.stderr
    (run,) = runs_of(client)
    assert run.info.status == "FINISHED"
    assert run.data.tags["mlops.kernel"] == "python3"
    assert "names no kernel" in run.data.tags["mlops.kernel.note"]
    output = done.stdout.split("output:")[1].strip()
    assert printed(output) == "8\n5\n"

    done = mlops_cli("validate", "generated.ipynb", cwd=project)

    assert done.returncode == 0, done.stderr
    assert "PASSED" in done.stdout
    assert done.stderr.count("names no kernel") == 1


def test_kernel_option_picks_the_kernel_for_a_run_a_sweep_and_a_pipeline_step(
    project, other_kernel, fresh_state
):
    bare_notebook(project / "label.ipynb", [LABEL])
    (project / "pipeline.yaml").write_text(
        "steps:\n  a: {notebook: label.ipynb, kernel: other-python}\n  b: {notebook: label.ipynb}\n"
    )

    chosen = mlops.run(project / "label.ipynb", kernel="other-python")
    default = mlops.run(project / "label.ipynb")
    swept = mlops.sweep(project / "label.ipynb", grid={"x": [1, 2, 3]}, kernel="other-python", progress=False)
    pipeline = mlops.run(project / "pipeline.yaml")
    done = mlops_cli("run", "label.ipynb", "-k", "other-python", cwd=project, env=other_kernel)

    assert printed(chosen.output_path) == "other-python\n"
    assert printed(default.output_path) == "python3\n"
    assert [printed(path) for path in swept["output"]] == ["other-python\n"] * 3
    assert printed(pipeline.steps["a"].output_path) == "other-python\n"
    assert printed(pipeline.steps["b"].output_path) == "python3\n"
    assert done.returncode == 0, done.stderr
    assert "names no kernel" not in done.stderr  # the option said which
    assert printed(done.stdout.split("output:")[1].strip()) == "other-python\n"


def test_an_unknown_kernel_is_refused_listing_the_installed_ones_and_writes_nothing(
    project, client, other_kernel, capsys
):
    bare_notebook(project / "plain.ipynb", [LABEL])
    bare_notebook(project / "julia.ipynb", [LABEL], kernel="julia-1.9")
    (project / "pipeline.yaml").write_text("steps:\n  a: {notebook: plain.ipynb, kernel: nope}\n")
    cases = [
        (["run", "plain.ipynb", "-k", "nope"], "no kernel named 'nope' is installed"),
        (["run", "plain.ipynb", "--sweep", "x=1,2", "-k", "nope"], "no kernel named 'nope'"),
        (["validate", "plain.ipynb", "-k", "nope"], "no kernel named 'nope'"),
        (
            ["run", "julia.ipynb"],
            "no kernel named 'julia-1.9' is installed (named by the kernelspec of julia.ipynb)",
        ),
        (["validate", "julia.ipynb"], "no kernel named 'julia-1.9'"),
        (["run", "pipeline.yaml"], "step 'a': no kernel named 'nope'"),
    ]
    for args, message in cases:
        with pytest.raises(SystemExit) as exited:
            main(args)
        assert exited.value.code == 2, args
        lines = capsys.readouterr().err.strip().splitlines()
        assert lines[0].startswith("error: ") and message in lines[0], lines
        assert "Installed kernels: other-python (Other Python), python3 (" in lines[1], lines
    assert all_runs(client) == []
    assert mlops.validations().empty

    with pytest.raises(BadInput, match="no kernel named 'nope'"):
        mlops.run(project / "plain.ipynb", kernel="nope")

    # A notebook naming a kernel this machine lacks still runs where the user says.
    chosen = mlops.run(project / "julia.ipynb", kernel="other-python")
    assert printed(chosen.output_path) == "other-python\n"


def test_a_job_keeps_its_kernel_shows_it_and_fires_on_it(project, other_kernel, fresh_state):
    from mlops_jupyter.jobs import service as api
    from mlops_jupyter.jobs.scheduler import Scheduler

    bare_notebook(project / "score.ipynb", [LABEL])
    assert mlops.validate(project / "score.ipynb").passed

    refused = mlops_cli("schedule", "score.ipynb", "-k", "nope", cwd=project, env=other_kernel)
    assert refused.returncode == 2 and "no kernel named 'nope'" in refused.stderr
    assert api.jobs() == []

    done = mlops_cli(
        "schedule",
        "score.ipynb",
        "--name",
        "score",
        "-k",
        "other-python",
        "-p",
        "x",
        "2",
        cwd=project,
        env=other_kernel,
    )
    assert done.returncode == 0, done.stderr
    shown = mlops_cli("job", "show", "score", cwd=project, env=other_kernel)
    assert json.loads(shown.stdout)["kernel_name"] == "other-python"
    refused = mlops_cli("job", "update", "score", "--kernel", "nope", cwd=project, env=other_kernel)
    assert refused.returncode == 2 and "no kernel named 'nope'" in refused.stderr
    assert api.job("score").kernel_name == "other-python"

    # Exported, the job runs on plain papermill, which must be told the notebook's language.
    from mlops_jupyter.jobs.export import export

    (manifest,) = export("score", "k8s", project / "export")
    command = _papermill_command(manifest.read_text())
    assert command[command.index("--kernel") + 1] == "other-python"
    assert command[command.index("--language") + 1] == "python"
    (project / "notebook.ipynb").write_text(api.source("score"), encoding="utf-8")
    command[1:3] = [str(project / "notebook.ipynb"), str(project / "exported.ipynb")]
    ran = subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert printed(project / "exported.ipynb") == "other-python\n"

    sched = Scheduler(workers=1, poll=0.2, lease=6.0).start()
    try:
        api.run_now("score")
        deadline = time.monotonic() + 90
        while not [f for f in api.history("score") if f.status not in ("queued", "waiting", "running")]:
            assert time.monotonic() < deadline, "the firing did not end"
            time.sleep(0.2)
        (firing,) = api.history("score")
        assert firing.status == "succeeded", firing.error
        assert printed(firing.output_path) == "other-python\n"

        assert api.update("score", kernel="python3").kernel_name == "python3"
        api.run_now("score")
        while len([f for f in api.history("score") if f.status == "succeeded"]) < 2:
            assert time.monotonic() < deadline + 60, "the second firing did not end"
            time.sleep(0.2)
        assert printed(api.history("score")[0].output_path) == "python3\n"
    finally:
        sched.stop()


def _papermill_command(manifest: str) -> list[str]:
    import yaml

    for document in yaml.safe_load_all(manifest):
        found = _find_list(document, "papermill")
        if found:
            return list(found)
    raise AssertionError("no papermill command in the manifest")


def _find_list(value, first: str):
    if isinstance(value, list):
        if value and value[0] == first:
            return value
        return next((f for f in (_find_list(v, first) for v in value) if f), None)
    if isinstance(value, dict):
        return next((f for f in (_find_list(v, first) for v in value.values()) if f), None)
    return None


@pytest.fixture
def jp_root_dir(project):
    return project


async def test_the_rest_api_takes_and_shows_a_job_kernel(jp_fetch, project, other_kernel):
    from tornado.httpclient import HTTPClientError

    bare_notebook(project / "rest.ipynb", [LABEL])
    assert mlops.validate(project / "rest.ipynb").passed

    async def post(path, method="POST", **body):
        response = await jp_fetch("mlops", "api", *path.split("/"), method=method, body=json.dumps(body))
        return json.loads(response.body)

    with pytest.raises(HTTPClientError) as refused:
        await post("jobs", notebook="rest.ipynb", kernel="nope")
    answer = json.loads(refused.value.response.body)
    assert refused.value.code == 400 and "no kernel named 'nope'" in answer["error"]
    assert "other-python (Other Python)" in answer["detail"]

    created = await post("jobs", notebook="rest.ipynb", name="rest", kernel="other-python")
    assert created["kernel_name"] == "other-python"
    changed = await post("jobs/rest", method="PATCH", kernel="python3")
    assert changed["kernel_name"] == "python3"
