"""Bad input to ``%mlops`` / ``%%mlops`` in a real IPython shell: a UsageError naming the input (a
message, not a traceback), and nothing written: no run, no journal event."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from support import reset_shell

from .conftest import journal_events


@pytest.fixture(scope="session")
def ip():
    from IPython.testing.globalipapp import get_ipython, start_ipython

    shell = start_ipython() or get_ipython()  # one global test shell per process
    shell.run_line_magic("load_ext", "mlops_jupyter")
    return shell


@pytest.fixture
def magic(ip, world):
    """``magic(line, cell=None)``: run ``%mlops line`` (or ``%%mlops line`` with a cell)."""

    def run(line: str, cell: str | None = None):
        if cell is None:
            return ip.run_line_magic("mlops", line)
        return ip.run_cell_magic("mlops", line, cell)

    before = journal_events(world)
    yield run
    assert journal_events(world) == before, "a refused magic journaled tracking events"
    reset_shell(ip)


# (id, line, cell or None, environment, words the UsageError must contain)
CASES = [
    ("no-sub-command", "", None, {}, "%mlops needs a sub-command"),
    ("unknown-sub-command", "deploy", None, {}, "unknown sub-command 'deploy'"),
    ("line-as-cell", "runs", "x = 1", {}, "%%mlops runs is not a cell magic"),
    ("cell-as-line", "track", None, {}, "track is a cell magic"),
    ("unknown-option", "track --bogus", "y = 1", {}, "unrecognized arguments: --bogus"),
    ("unclosed-quote", "track -e 'churn", "y = 1", {}, "No closing quotation"),
    ("params-undefined", "track --params nosuch", "y = 1", {}, "--params names 'nosuch'"),
    ("model-undefined", "track --model clf", "y = 1", {}, "--model names 'clf'"),
    ("tags-not-pairs", "track --tags notapair", "y = 1", {}, "'notapair' is not key=value"),
    ("home-is-a-file", "track", "y = 1", {"MLOPS_HOME": "/etc/passwd"}, "MLOPS_HOME /etc/passwd"),
    ("tracking-uri-garbage", "track", "y = 1", {"MLOPS_TRACKING_URI": "garbage://x"}, "MLOPS_TRACKING_URI"),
    ("runs-count-zero", "runs -n 0", None, {}, "from 1 to 1000, got 0"),
    ("runs-count-text", "runs -n abc", None, {}, "invalid int value: 'abc'"),
    ("runs-filter-garbage", "runs --filter 'garbage =='", None, {}, "invalid run search"),
    ("runs-unknown-experiment", "runs -e nosuch", None, {}, "no experiment named 'nosuch'"),
    ("compare-one-run", "compare abc", None, {}, "at least two run ids"),
    ("end-without-run", "end", None, {}, "no active run to end"),
    ("experiment-too-long", "experiment " + "x" * 600, None, {}, "1 to 250 printable characters"),
    ("register-bad-run", "register 'no run' --name churn", None, {}, "invalid run id 'no run'"),
    ("register-no-such-run", "register notarun --name churn", None, {}, "run notarun: not found"),
    ("register-unknown-run", "register " + "0" * 32 + " --name churn", None, {}, "0" * 32),
    ("register-needs-name", "register " + "0" * 32, None, {}, "--name"),
    ("models-unknown", "models nosuch", None, {}, "model 'nosuch': not found"),
    ("models-filter-garbage", 'models --filter "name = \'x"', None, {}, "model search"),
    ("card-unknown-version", "card churn 99", None, {}, "99"),
    ("card-bad-model-name", "card 'a/b'", None, {}, "invalid model name 'a/b'"),
    ("status-home-is-a-file", "status", None, {"MLOPS_HOME": "/etc/passwd"}, "is not a directory"),
]


@pytest.mark.parametrize(("line", "cell", "env", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_magic_refuses_bad_input_with_a_usage_error(line, cell, env, words, magic, monkeypatch):
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    with pytest.raises(UsageError) as raised:
        magic(line, cell)

    message = str(raised.value)
    assert words in message
    assert "Traceback" not in message
    assert len(message) < 2000


def test_an_unfitted_model_is_refused_in_the_cell(fresh_project, ip, client_for):
    ip.run_line_magic("load_ext", "mlops_jupyter")
    cell = "from sklearn.linear_model import LogisticRegression\nclf = LogisticRegression()\n"

    with pytest.raises(UsageError, match="the model LogisticRegression is not fitted") as raised:
        ip.run_cell_magic("mlops", "track -e unfitted --no-autolog --model clf", cell)
    ip.run_line_magic("mlops", "status")  # flushes what the cell logged

    run = client_for(fresh_project).search_runs(
        [client_for(fresh_project).get_experiment_by_name("unfitted").experiment_id]
    )[0]
    assert "its run is marked FAILED" in str(raised.value)
    assert run.info.status == "FAILED"
    assert not client_for(fresh_project).search_logged_models(experiment_ids=[run.info.experiment_id]), (
        "an unfitted model was stored"
    )
