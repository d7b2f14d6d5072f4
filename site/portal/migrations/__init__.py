"""Alembic migrations; run them with ``python -m portal migrate``."""
