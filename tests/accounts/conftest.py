"""Accounts tests run against a migrated database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
