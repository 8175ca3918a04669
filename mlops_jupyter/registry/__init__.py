"""Model registry: models, aliases, promotion gates, promotion history, model cards.

==================  ==============================================================
``service``         register a run's model; list models and versions (MLflow registry)
``promotion``       promote and roll back an alias, one governed write at a time
``gate``            the checks before a promotion: validated notebook version, rules
``rules``           metric rules (``auc>=champion``) stored per model and alias
``history``         alias holders over time, replayed from the audit log
``card``            model cards in Markdown and HTML
``mlflow_client``   the MLflow client and its errors in our terms
==================  ==============================================================

Validation records, the audit log, roles and names are :mod:`mlops_jupyter.governance`.
Nothing here imports MLflow until a function that needs it runs.
"""
