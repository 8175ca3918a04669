"""Governance: the records and rules that pipelines, the registry and jobs all answer to.

================  ==============================================================
``validations``   validation records: which notebook version passed, who ran it, its checks
``audit``         the hash-chained audit log of governed actions
``roles``         viewer < developer < approver < admin, from ``mlops.toml``
``role_changes``  admins editing the role table, audited
``names``         the names governed actions are about: models, aliases, versions, runs, users
================  ==============================================================

Nothing here imports tracking, pipelines, the registry or jobs: they import governance.
"""
