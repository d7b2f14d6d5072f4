"""Fixtures that some test packages share, registered by importing them into a conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.settings import Settings
from tests.support.site import make_settings


@pytest.fixture(name="settings")
def settings_on_the_test_database(
    tmp_path: Path, built_policy: Path, database_url: str
) -> Settings:
    """The site's settings on this test's migrated database (SQLite, and PostgreSQL if set)."""
    return make_settings(tmp_path, public_dir=built_policy, database_url=database_url)
