"""Bad input to the REST API on a real Jupyter server: the status of its kind, a short JSON error
naming the input (never the input echoed whole, never a traceback), and nothing written."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

HEX = "0" * 32
BIG = "x" * 100_000
CRON = "0 3 * * *"


@pytest.fixture
def jp_root_dir(world):
    """The server serves the corpus project, so job notebooks resolve inside its root."""
    return world


# (id, method, path, body (dict, or raw text), status, words the error must contain)
CASES = [
    # -- registry -----------------------------------------------------------------------------------
    (
        "promote-require-nan",
        "POST",
        "models/churn/promote",
        {"version": 1, "require": ["auc>=nan"]},
        400,
        "finite",
    ),
    (
        "promote-version-text",
        "POST",
        "models/churn/promote",
        {"version": "abc"},
        400,
        "invalid model version",
    ),
    ("promote-unknown-version", "POST", "models/churn/promote", {"version": 99}, 404, "99"),
    ("promote-unknown-model", "POST", "models/nosuch/promote", {"version": 1}, 404, "nosuch"),
    ("promote-holder-again", "POST", "models/churn/promote", {"version": 2}, 409, "already holds"),
    ("promote-unknown-field", "POST", "models/churn/promote", {"version": 1, "stage": "prod"}, 400, "stage"),
    (
        "promote-huge-alias",
        "POST",
        "models/churn/promote",
        {"version": 1, "alias": BIG},
        400,
        "100000 characters",
    ),
    (
        "rules-unheld-alias",
        "POST",
        "models/churn/rules",
        {"add": ["auc>=challenger"]},
        400,
        "holds 'challenger'",
    ),
    ("rules-nan", "POST", "models/churn/rules", {"add": ["auc>=NaN"]}, 400, "finite number"),
    ("rules-huge", "POST", "models/churn/rules", {"add": [BIG]}, 400, "invalid rule"),
    ("rollback-no-history", "POST", "models/churn/rollback", {"alias": "challenger"}, 409, "roll back"),
    ("register-bad-run", "POST", "models", {"run_id": "no run", "name": "churn"}, 400, "invalid run id"),
    ("register-huge-name", "POST", "models", {"run_id": HEX, "name": BIG}, 400, "100000 characters"),
    ("card-unknown-version", "GET", "models/churn/versions/99/card", None, 404, "99"),
    ("card-format", "GET", "models/churn/versions/1/card?format=pdf", None, 400, "format"),
    ("models-count-zero", "GET", "models?max_results=0", None, 400, "max_results"),
    ("audit-limit-text", "GET", "audit?limit=abc", None, 400, "limit"),
    ("role-unknown", "PUT", "roles/bob", {"role": "superuser"}, 400, "superuser"),
    ("run-unknown", "GET", f"runs/{HEX}", None, 404, HEX),
    # -- jobs ---------------------------------------------------------------------------------------
    ("job-outside-root", "POST", "jobs", {"notebook": "../../etc/passwd", "cron": CRON}, 400, "outside"),
    (
        "job-name-empty",
        "POST",
        "jobs",
        {"notebook": "nb.ipynb", "name": "", "cron": CRON},
        400,
        "job name ''",
    ),
    ("job-name-huge", "POST", "jobs", {"notebook": "nb.ipynb", "name": BIG, "cron": CRON}, 400, "job name"),
    ("job-not-validated", "POST", "jobs", {"notebook": "draft.ipynb", "cron": CRON}, 409, "validated"),
    ("job-overflowing-delay", "POST", "jobs", '{"notebook": "nb.ipynb", "retry_delay": 1e999}', 400, "1e999"),
    ("job-infinite-delay", "POST", "jobs", {"notebook": "nb.ipynb", "retry_delay": "inf"}, 400, "finite"),
    (
        "job-nan-parameter",
        "POST",
        "jobs",
        '{"notebook": "nb.ipynb", "parameters": {"extra": NaN}}',
        400,
        "NaN",
    ),
    ("job-retries-negative", "POST", "jobs", {"notebook": "nb.ipynb", "retries": -1}, 400, "retries"),
    ("job-cron-garbage", "POST", "jobs", {"notebook": "nb.ipynb", "cron": "every day"}, 400, "every day"),
    ("job-body-not-json", "POST", "jobs", "notebook=nb.ipynb", 400, "not JSON"),
    ("job-body-a-list", "POST", "jobs", "[1, 2]", 400, "body"),
    ("job-unknown", "GET", "jobs/nosuch", None, 404, "nosuch"),
    ("job-history-zero", "GET", "jobs/nightly/history?limit=0", None, 400, "limit"),
    ("job-update-infinite-timeout", "PATCH", "jobs/nightly", {"timeout": "inf"}, 400, "finite"),
    ("job-update-nothing", "PATCH", "jobs/nightly", {}, 400, "nothing to change"),
    ("job-run-unknown", "POST", "jobs/nosuch/run", {}, 404, "nosuch"),
    # -- routes -------------------------------------------------------------------------------------
    ("route-unknown", "GET", "deploy", None, 404, "deploy"),
]


async def _answer(jp_fetch, method: str, path: str, body):
    kwargs = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
    elif method in ("POST", "PUT", "PATCH"):
        kwargs["body"] = "{}"
    parts = path.split("?", 1)
    params = dict(p.split("=", 1) for p in parts[1].split("&")) if len(parts) == 2 else None
    return await jp_fetch("mlops", "api", *parts[0].split("/"), params=params, **kwargs)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_the_api_refuses_bad_input_with_its_status(method, path, body, status, words, jp_fetch):
    try:
        response = await _answer(jp_fetch, method, path, body)
    except HTTPClientError as exc:  # older pytest-jupyter ignores raise_error
        response = exc.response

    text = response.body.decode()
    assert (response.code, response.headers.get("Content-Type", "").split(";")[0]) == (
        status,
        "application/json",
    )
    error = json.loads(text)
    assert words in f"{error['error']} {error.get('detail') or ''}", text[:500]
    assert "Traceback" not in text
    assert len(text) < 2000, f"the answer echoes {len(text)} characters"


async def test_a_viewer_is_forbidden_to_promote(jp_fetch, world, monkeypatch):
    (world / "viewer.toml").write_text('[roles]\ndefault = "viewer"\nroot = "admin"\n')
    monkeypatch.setenv("MLOPS_CONFIG", str(world / "viewer.toml"))
    monkeypatch.setenv("MLOPS_USER", "carol")
    try:
        response = await _answer(jp_fetch, "POST", "models/churn/promote", {"version": 1})
    except HTTPClientError as exc:
        response = exc.response
    finally:
        (world / "viewer.toml").unlink()

    assert response.code == 403
    assert "carol is a viewer" in json.loads(response.body)["error"]


async def test_job_listings_stay_strict_json(jp_fetch):
    response = await jp_fetch("mlops", "api", "jobs")

    listing = json.loads(response.body, parse_constant=lambda name: pytest.fail(f"{name} in GET /jobs"))
    assert [job["name"] for job in listing["jobs"]] == ["nightly"]
