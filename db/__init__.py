"""Alembic migrations of the Clausekeeper schema (installed as `app.migrations`)."""
