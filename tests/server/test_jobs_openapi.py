"""The jobs routes answer as openapi.yaml describes them (every 2xx and the usual errors)."""

from __future__ import annotations

import nbformat

import mlops_jupyter as mlops


def _notebook(path, extra=""):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("y = x * 2" + extra)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


async def test_every_jobs_operation_answers_as_described(api, spec, mlops_home, jp_root_dir):
    path = _notebook(jp_root_dir / "score.ipynb")
    assert mlops.validate(path).passed
    _notebook(jp_root_dir / "draft.ipynb", "\nz = 3")

    await api.get("jobs")
    await api.post(
        "jobs",
        {
            "notebook": "score.ipynb",
            "name": "daily",
            "cron": "0 6 * * *",
            "timezone": "Europe/Berlin",
            "parameters": {"x": 2},
        },
        expect=201,
    )
    await api.post("jobs", {"notebook": "score.ipynb", "name": "daily"}, expect=409)
    await api.post("jobs", {"notebook": "draft.ipynb", "name": "draft"}, expect=409)
    await api.post("jobs", {"notebook": "score.ipynb", "cron": "nope"}, expect=400)
    await api.post("jobs", {"notebook": "gone.ipynb"}, expect=404)
    await api.get("jobs")
    await api.get("jobs/daily")
    await api.get("jobs/nope", expect=404)
    await api.call("PATCH", "jobs/daily", body={"retries": 2, "timeout": "10m"})
    await api.call("PATCH", "jobs/daily", body={"tz": "UTC"}, expect=400)
    await api.post("jobs/daily/run", expect=202)
    await api.get("jobs/daily/history", params={"limit": 5})
    await api.get("jobs/daily/history", params={"limit": 0}, expect=400)
    await api.post("jobs/daily/pause", {"reason": "maintenance"})
    await api.post("jobs/daily/pause", expect=409)
    await api.post("jobs/daily/resume")
    await api.post("jobs/daily/pause", user="carol", expect=403)  # no [roles] table: only its owner acts
    await api.post("jobs/daily/pause")
    await api.call("DELETE", "jobs/daily", params={"reason": "done"})
    await api.call("DELETE", "jobs/daily", expect=404)
    await api.get("jobs", headers={"Authorization": ""}, expect=403)

    described = {
        (method, path, int(status))
        for path, item in spec["paths"].items()
        if path.startswith("/jobs")
        for method, op in item.items()
        if method != "parameters"
        for status in op["responses"]
        if status.startswith("2")
    }
    assert described <= api.checker.seen, described - api.checker.seen
