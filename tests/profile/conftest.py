"""Personal Center tests run against a migrated database (SQLite, and PostgreSQL when configured).

signed_in   the ``client``, registered as ``tests.accounts.test_registration.GOOD`` and
            signed in (returns the same client)
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.accounts.test_registration import register


@pytest.fixture
def settings(request, tmp_path, built_policy, database_url):
    from tests.support.site import make_settings

    return make_settings(tmp_path, public_dir=built_policy, database_url=database_url)


@pytest.fixture
def signed_in(client: TestClient) -> TestClient:
    assert register(client).status_code == 303
    return client
