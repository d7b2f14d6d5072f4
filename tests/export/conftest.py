"""The copy's tests run against a migrated database (SQLite, and PostgreSQL when configured).

signed_in   the ``client``, registered as ``tests.support.accounts.GOOD`` and signed in
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.support.accounts import register
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)


@pytest.fixture
def signed_in(client: TestClient) -> TestClient:
    assert register(client).status_code == 303
    return client
