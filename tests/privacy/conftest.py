"""Sites whose policy has versions around today: one to read, one to consent to, one to come.

The real content's versions take effect on fixed dates, so these tests build their own: the
published 1.0 and 1.1, then versions dated relative to the day the tests run, each changing one
passage of the one before it. Every test runs on SQLite and, when configured, PostgreSQL. The helpers are in
``tests/support/policy_updates.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from portal.app import create_app
from tests.support.policy_updates import PolicySite, Site, days, make_policy
from tests.support.site import make_settings


@pytest.fixture(scope="session")
def minor_update(tmp_path_factory: pytest.TempPathFactory) -> PolicySite:
    """1.2 (not material) in force since yesterday; 1.3 (not material) announced for next month."""
    return make_policy(
        tmp_path_factory.mktemp("minor"), [("1.2", days(-1), False), ("1.3", days(30), False)]
    )


@pytest.fixture(scope="session")
def material_update(tmp_path_factory: pytest.TempPathFactory) -> PolicySite:
    """1.2 (material: it needs explicit consent) in force since yesterday."""
    return make_policy(tmp_path_factory.mktemp("material"), [("1.2", days(-1), True)])


@pytest.fixture(scope="session")
def material_upcoming(tmp_path_factory: pytest.TempPathFactory) -> PolicySite:
    """1.2 (not material) in force since yesterday; 1.3 (material) takes effect next month."""
    return make_policy(
        tmp_path_factory.mktemp("upcoming"), [("1.2", days(-1), False), ("1.3", days(30), True)]
    )


@pytest.fixture
def open_site(tmp_path: Path, database_url: str) -> Iterator[Callable[[PolicySite], Site]]:
    """``open_site(policy)``: the app on this test's database, serving ``policy``."""
    sites: list[Site] = []

    def open_(policy: PolicySite) -> Site:
        settings = make_settings(
            tmp_path / f"site{len(sites)}",
            content_dir=policy.content,
            public_dir=policy.public,
            database_url=database_url,
        )
        app = create_app(settings)
        client = TestClient(app)
        client.__enter__()
        site = Site(app, client, settings)
        sites.append(site)
        return site

    yield open_
    for site in sites:
        for device in site._devices:
            device.close()
        site.client.__exit__(None, None, None)
