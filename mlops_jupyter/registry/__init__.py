"""Model registry and governance: models, aliases, promotion gates, audit log, roles, cards."""
