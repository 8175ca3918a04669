"""Model registry and governance: models, aliases, promotion gates, audit log, roles, model cards.

==================  ==============================================================
``models``          register a run's model; list models and versions (MLflow registry)
``promotion``       promote and roll back an alias, one governed write at a time
``gate``            the checks before a promotion: validated notebook version, rules
``rules``           metric rules (``auc>=champion``) stored per model and alias
``audit``           the hash-chained audit log of governed actions
``history``         alias holders over time, replayed from the audit log
``roles``           viewer < developer < approver < admin, from ``mlops.toml``
``role_changes``    admins editing the role table, audited
``card``            model cards in Markdown and HTML
``names``           MLflow's rules for model names, aliases and versions
``store``           the MLflow client and its errors in our terms
``tables``          the governance tables beside the audit log (Alembic 0002)
==================  ==============================================================

Nothing here imports MLflow until a function that needs it runs.
"""
