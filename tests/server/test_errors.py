"""What the REST API answers when something goes wrong: JSON of one shape, nothing leaked."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading

import pytest

from mlops_jupyter import db

ERROR_KEYS = {"error", "detail", "code"}


@pytest.fixture
def jp_server_config(jp_server_config):
    """The team's identity provider, broken for one token, as one calling a service that is down."""
    team_provider = jp_server_config["ServerApp"]["identity_provider_class"]

    class FailingForOneToken(team_provider):
        async def get_user_token(self, handler):
            if self.get_token(handler) == "tok-broken":
                raise RuntimeError("identity service at postgresql://hub:s3cret@hub-db/users did not answer")
            return await super().get_user_token(handler)

    return jp_server_config | {
        "ServerApp": {**jp_server_config["ServerApp"], "identity_provider_class": FailingForOneToken}
    }


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dropping_server():
    """A port that accepts connections and closes them unanswered, like a proxy whose backend is gone."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopped = threading.Event()

    def serve():
        while not stopped.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stopped.set()
    socket.create_connection(listener.getsockname()).close()  # wakes the accept() to see it
    thread.join(10)
    listener.close()


@pytest.fixture
def answering_server():
    """Start a real HTTP server that answers every request with one status; yields its port."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    servers = []

    def start(status: int) -> int:
        class Answer(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


async def test_an_unknown_route_answers_a_json_404(api):
    for method, path in [("GET", "nothing/here"), ("POST", "models/churn/unknown-action"), ("GET", "")]:
        status, answer = await api.call(method, path, expect=None, check=False)
        assert status == 404, (method, path, answer)
        assert set(answer) == ERROR_KEYS and answer["code"] == "not_found"
        assert answer["error"] == f"no API route {method} /{path}"


async def test_a_body_that_is_not_utf8_is_refused(api):
    answer = await api.post("jobs", b'{"notebook": "\xff\xfe.ipynb"}', expect=400)
    assert answer["error"] == "the request body is not UTF-8 (byte 14 cannot be decoded)"


async def test_a_query_argument_that_is_not_utf8_is_refused(api):
    answer = await api.get("runs", raw_path="runs?filter=%ff", expect=400)
    assert answer["error"] == "query argument filter is not UTF-8"


@pytest.mark.parametrize("depth", [65, 10_000])
async def test_a_body_nested_too_deep_is_refused(api, depth):
    body = ("[" * depth + "]" * depth).encode()
    answer = await api.post("jobs", body, expect=400)
    assert answer["error"] == "the request body nests deeper than 64 levels"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_refused(api, constant):
    body = f'{{"notebook": "nb.ipynb", "retries": {constant}}}'.encode()
    answer = await api.post("jobs", body, expect=400)
    assert answer["error"] == f"the request body holds {constant}, which is not JSON"


@pytest.mark.parametrize(
    "number, says",
    [
        ("1e999", "the request body holds 1e999, too large a number"),
        ("9" * 5000, "the request body holds a 5000-digit integer"),
    ],
)
async def test_numbers_python_cannot_hold_are_refused(api, number, says):
    answer = await api.post("jobs", f'{{"notebook": "nb.ipynb", "retries": {number}}}'.encode(), expect=400)
    assert answer["error"] == says


async def test_huge_input_is_never_echoed_back(api):
    huge_key, huge_value = "k" * 100_000, "v" * 100_000
    answer = await api.post("jobs", {"notebook": "nb.ipynb", huge_key: 1, "cron": [huge_value]}, expect=400)
    text = json.dumps(answer)
    assert len(text) < 3000 and "k" * 201 not in text and "v" * 201 not in text
    assert "... (100000 characters)" in answer["error"]


async def test_an_unexpected_failure_says_internal_error_and_leaks_no_sql(api, mlops_home, caplog):
    db.engine()  # the mlops database, migrated
    with sqlite3.connect(mlops_home / "jobs.db") as broken:
        broken.execute("DROP TABLE jobs")

    status, answer = await api.call("GET", "jobs", expect=None, check=False)

    assert status == 500
    assert answer["error"] == "internal error" and set(answer) == ERROR_KEYS
    incident = answer["detail"].rsplit(" ", 1)[-1].rstrip(".")
    assert answer["detail"] == f"An unexpected error; see the server log for incident {incident}."
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"(incident {incident})\nTraceback (most recent call last)" in logged and "no such table" in logged


async def test_an_unreachable_tracking_server_is_503_naming_it_without_its_password(api, monkeypatch):
    uri = f"http://mlops:s3cret@127.0.0.1:{closed_port()}"
    monkeypatch.setenv("MLOPS_TRACKING_URI", uri)

    status, answer = await api.call("GET", "runs", expect=None, check=False)

    assert status == 503 and answer["code"] == "unavailable"
    assert (
        answer["error"] == f"the tracking server at http://mlops:***@{uri.split('@')[1]} "
        "cannot be reached (connection refused)"
    )
    assert "s3cret" not in json.dumps(answer)


async def test_a_tracking_server_that_drops_connections_is_503(api, monkeypatch, dropping_server):
    uri = f"http://mlops:s3cret@127.0.0.1:{dropping_server}"
    monkeypatch.setenv("MLOPS_TRACKING_URI", uri)

    status, answer = await api.call("GET", "runs", expect=None, check=False)

    assert status == 503 and answer["code"] == "unavailable", answer
    assert answer["error"].startswith(
        f"the tracking server at http://mlops:***@127.0.0.1:{dropping_server} cannot be reached"
    )
    assert "s3cret" not in json.dumps(answer)


async def test_an_unreachable_mlops_database_is_503_naming_it_without_its_password(api, monkeypatch):
    url = f"postgresql+psycopg://mlops:s3cret@127.0.0.1:{closed_port()}/jobs"
    monkeypatch.setenv("MLOPS_JOBS_URL", url)

    status, answer = await api.call("GET", "jobs", expect=None, check=False)

    assert status == 503 and answer["code"] == "unavailable"
    assert (
        answer["error"]
        == f"the mlops database at {url.replace('s3cret', '***')} cannot be reached (connection refused)"
    )


async def test_status_shows_the_tracking_uri_without_its_password(api, monkeypatch):
    monkeypatch.setenv("MLOPS_TRACKING_URI", "https://mlops:s3cret@mlflow.example:8443")

    status = await api.get("status")

    assert status["tracking_uri"] == "https://mlops:***@mlflow.example:8443"


@pytest.mark.parametrize(
    "status, says",
    [
        (503, "the tracking server at {uri} answers only with errors (too many 503 error responses)"),
        (404, "{uri} does not answer as an MLflow tracking server (HTTP 404)"),
        (401, "the tracking server at {uri} did not accept our credentials (HTTP 401)"),
    ],
)
async def test_a_tracking_server_that_answers_but_cannot_be_used_is_named(
    api, monkeypatch, answering_server, status, says
):
    port = answering_server(status)
    monkeypatch.setenv("MLOPS_TRACKING_URI", f"http://mlops:s3cret@127.0.0.1:{port}")

    answered, answer = await api.call("GET", "runs", expect=None, check=False)

    assert (answered, answer["code"]) == (503, "unavailable"), answer
    assert answer["error"] == says.format(uri=f"http://mlops:***@127.0.0.1:{port}")


async def test_a_failure_before_the_handler_runs_sends_no_traceback(api, caplog):
    status, answer = await api.call(
        "GET", "runs", headers={"Authorization": "token tok-broken"}, expect=None, check=False
    )

    assert status == 500
    incident = answer["detail"].rsplit(" ", 1)[-1].rstrip(".")
    assert answer == {
        "error": "internal error",
        "detail": f"An unexpected error; see the server log for incident {incident}.",
        "code": "error",
    }
    assert "s3cret" not in str(answer)
    logged = "\n".join(r.getMessage() for r in caplog.records if f"incident {incident}" in r.getMessage())
    assert "postgresql://hub:***@hub-db/users" in logged and "s3cret" not in logged


async def test_a_tracking_server_refusing_the_action_is_403(api, monkeypatch, answering_server):
    port = answering_server(403)
    monkeypatch.setenv("MLOPS_TRACKING_URI", f"http://mlops:s3cret@127.0.0.1:{port}")

    status, answer = await api.call("GET", "runs", expect=None, check=False)

    assert (status, answer["code"]) == (403, "forbidden"), answer
    assert answer["error"].startswith(f"the tracking server at http://mlops:***@127.0.0.1:{port} refused: ")
