"""Any notebook papermill runs, mlops runs to the same cells (the corpus in ``corpus.py``).

Every case runs twice at once: with papermill itself (its own kernels) and with the steps
`mlops run` executes, on kernels forked from a warm zygote that preloaded what the notebooks
import. The output notebooks' cells must match once what differs by nature is taken out.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from . import corpus

NAMES = list(corpus.CASES)


def _papermill(path, out, case):
    """papermill as its users call it (``-k python3 --language python`` where the notebook names none)."""
    import papermill

    try:
        papermill.execute_notebook(
            str(path),
            str(out),
            parameters=case.values or None,
            kernel_name=None if case.kernelspec else "python3",
            language=None if case.kernelspec else "python",
            progress_bar=False,
            cwd=str(path.parent),
        )
    except Exception as exc:  # noqa: BLE001 - what papermill raised is part of the comparison
        return exc
    return None


@pytest.fixture(scope="module")
def executions(tmp_path_factory):
    """name -> (papermill's output, what papermill raised, mlops's StepResult), all run in parallel."""
    from mlops_jupyter.pipelines.executors import make_executor
    from mlops_jupyter.pipelines.notebooks import Notebook

    root = tmp_path_factory.mktemp("corpus")
    source, by_papermill = root / "notebooks", root / "papermill"
    source.mkdir()
    by_papermill.mkdir()
    paths = {name: corpus.write(name, source) for name in NAMES}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_HOME", str(root / ".mlops"))
        notebooks = {name: Notebook.load(path) for name, path in paths.items()}
        preload = tuple(dict.fromkeys(m for nb in notebooks.values() for m in nb.imports()))
        assert "matplotlib" in preload  # the zygote imports it before the kernel exists
        with (
            ThreadPoolExecutor(3) as threads,
            make_executor(
                "local", workers=3, kernels="fork", preload=preload, expected_steps=len(NAMES)
            ) as ex,
        ):
            raised = {
                name: threads.submit(_papermill, path, by_papermill / path.name, corpus.CASES[name])
                for name, path in paths.items()
            }
            results = {
                name: ex.submit(
                    nb.step(name, nb.typed(corpus.CASES[name].values), None, root / "mlops" / name)
                )
                for name, nb in notebooks.items()
            }
            assert ex.pool.mode == "fork" and ex.pool.zygote.alive
            return {
                name: (by_papermill / paths[name].name, raised[name].result(), results[name].result())
                for name in NAMES
            }


@pytest.mark.parametrize("name", NAMES)
def test_mlops_runs_each_notebook_to_the_cells_papermill_makes(executions, name):
    case = corpus.CASES[name]
    papermill_output, papermill_raised, result = executions[name]
    theirs, ours = corpus.cells(papermill_output), corpus.cells(result.output_path)

    if case.dies:
        # papermill stops with DeadKernelError and keeps what the cells printed; mlops keeps the
        # same and adds what papermill adds for any failure: the error on the cell, the banner.
        assert type(papermill_raised).__name__ == "DeadKernelError"
        assert result.status == "FAILED" and result.error["ename"] == "DeadKernelError"
        assert result.error["message"].startswith(f"cell {result.error['cell_index']} ")
        assert "the kernel died while running this cell" in result.error["message"]
        assert case.dies in result.error["message"]
        banners = [c for c in ours if "papermill-error-cell-tag" in c["metadata"].get("tags", [])]
        assert len(banners) == 2
        ours = [c for c in ours if c not in banners]
        dying = next(i for i, c in enumerate(ours) if c.get("outputs") and c["outputs"][-1].get("ename"))
        assert ours[dying]["outputs"].pop()["ename"] == "DeadKernelError"
        # Whether the kernel announced the cell's execution count before it died is a race.
        ours[dying]["execution_count"] = theirs[dying]["execution_count"] = None
        assert ours == theirs
        return

    assert ours == theirs, (papermill_raised, result.error)
    if case.fails:
        assert result.status == "FAILED"
        assert result.error["ename"] == papermill_raised.ename
        assert result.error["cell"] == papermill_raised.source.strip().splitlines()[0]
    else:
        assert papermill_raised is None, papermill_raised
        assert result.status == "FINISHED", result.error


def test_mlops_run_of_a_notebook_with_an_emoji_name_matches_papermill_and_keeps_the_name(
    executions, project, client, fresh_state
):
    from .conftest import mlops_cli, runs_of

    case = corpus.CASES["unicode"]
    path = corpus.write("unicode", project)

    done = mlops_cli("run", path.name, "-p", "greeting", case.values["greeting"], cwd=project)

    assert done.returncode == 0, done.stderr
    (run,) = runs_of(client)
    assert run.data.tags["mlops.notebook.path"] == case.file
    assert [a.path for a in client.list_artifacts(run.info.run_id, "notebook")] == [f"notebook/{case.file}"]
    output = done.stdout.split("output:")[1].strip()
    assert corpus.cells(output) == corpus.cells(executions["unicode"][0])
