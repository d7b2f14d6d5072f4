"""The live site every browser test drives (tests/support/journeys.py has what customers do)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.app import create_app
from tests.support.databases import copy_sqlite
from tests.support.servers import LiveServer, SMTPServer, serve
from tests.support.site import make_settings


@pytest.fixture
def site(
    tmp_path: Path, built_policy: Path, sqlite_template: str, smtp_server: SMTPServer
) -> Iterator[LiveServer]:
    """The app on its own database (registrations from one address are throttled per hour),
    mailing through ``smtp_server`` with the in-process worker, so the links a test follows are
    the ones a customer would click."""
    settings = make_settings(
        tmp_path,
        public_dir=built_policy,
        database_url=copy_sqlite(sqlite_template, tmp_path / "site.sqlite3"),
        mail_backend="smtp",
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        in_process_worker=True,
    )
    app = create_app(settings)
    with serve(app) as url:
        yield LiveServer(url, app, settings)
