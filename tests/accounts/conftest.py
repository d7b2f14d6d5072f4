"""Accounts tests run against a migrated database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings(request, tmp_path, built_policy, database_url):
    from tests.support.site import make_settings

    return make_settings(tmp_path, public_dir=built_policy, database_url=database_url)
