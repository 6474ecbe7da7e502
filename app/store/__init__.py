"""Storage: models, engine and sessions, migrations, backup, audit trail, queries and actions."""
