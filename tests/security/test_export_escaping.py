"""Exports quote every user value: a hostile notebook file name stays data in the DAG and the YAML."""

from __future__ import annotations

import ast

import yaml

import mlops_jupyter as mlops

# Unescaped in a docstring this name is valid Python that runs a command; the backslash and
# the single quote try the other ways out of a string literal. (MLflow refuses newlines in
# artifact names, so a notebook cannot carry one this far.)
HOSTILE = 'x"""+__import__("os").system("touch pwned")+"""\\\'y.ipynb'


def test_a_notebook_name_with_quotes_and_newlines_stays_a_string_in_the_airflow_dag(validated, project):
    # Given a validated notebook whose file name could end the DAG's docstring
    path = validated(HOSTILE)
    mlops.schedule(path, "0 6 * * *", name="hostile")

    # When it is exported to Airflow
    dag_path, _ = mlops.export_job("hostile", "airflow", project / "out")

    # Then the DAG is one docstring naming the file, and no statement from the name
    tree = ast.parse(dag_path.read_text())
    assert HOSTILE in ast.get_docstring(tree)
    called = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert not any("system" in name or "__import__" in name for name in called)
    assert [type(n).__name__ for n in tree.body[:3]] == ["Expr", "Import", "ImportFrom"]


def test_a_notebook_name_with_quotes_and_newlines_round_trips_through_the_cronjob_yaml(validated, project):
    path = validated(HOSTILE)
    mlops.schedule(path, "0 6 * * *", name="hostile")

    (manifest,) = mlops.export_job("hostile", "k8s", project / "k8s")

    _, cron_job = yaml.safe_load_all(manifest.read_text())
    assert cron_job["metadata"]["annotations"]["mlops-jupyter/notebook"].endswith(HOSTILE)
