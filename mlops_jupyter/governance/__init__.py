"""Governance: the records and rules that pipelines, the registry and jobs all answer to.

================  ==============================================================
``validations``   validation records: which notebook version passed, who ran it, its checks
``audit``         the audit log of governed actions: writing, reading, verifying
``audit_chain``   its keyed hash chain (HMAC) and the walk that names every bad entry
``audit_key``     its key and signed head, kept outside the mlops database
``remote``        team mode: governed entry points sent to the governance service
``roles``         viewer < developer < approver < admin, from ``mlops.toml``
``role_changes``  admins editing the role table, audited
``names``         the names governed actions are about: models, aliases, versions, runs, users
================  ==============================================================

Nothing here imports tracking, pipelines, the registry or jobs: they import governance.
"""
