"""The test harness every area's tests use. Ask for a fixture by naming it as an argument.

Site
    ``settings``      a ``Settings`` for this test: ``environment="test"``, a test secret key, a
                      fresh ``var_dir`` under ``tmp_path``, ``public_dir`` holding the real policy
                      (built once per session: ``built_policy``). If the test also asks for
                      ``database_url``, the settings point at that (migrated) database.
    ``app``           ``create_app(settings)``.
    ``client``        a ``starlette.testclient.TestClient`` on ``app`` (lifespan running).
                      Responses of ``TemplateResponse`` carry ``.template`` and ``.context``.
                      ``tests.support.forms.post_form(client, url, data, page=...)`` posts a form
                      with the CSRF token of ``page``; ``csrf_token(response)`` reads one.
    ``built_policy``  the session's ``public_dir`` with ``policy/`` built from ``content/``.

Databases (each test that asks for one runs once per backend: ``[sqlite]`` and, when
``PORTAL_TEST_DATABASE_URL`` is set, ``[postgresql]``; with ``CI=true`` PostgreSQL is required)
    ``database_url``        a fresh database at the newest migration, for this test alone.
    ``empty_database_url``  a fresh database without any table (for migration tests).
    ``database_backend``    ``"sqlite"`` or ``"postgresql"``.
    ``db_session``          an async SQLModel ``AsyncSession`` on ``database_url``.

Servers
    ``live_server``   the app under uvicorn on a free loopback port (one per session, on its own
                      migrated SQLite database); a ``str`` (the base URL) with ``.app``,
                      ``.settings`` and ``.url(path)``. ``tests.support.servers.serve(app)``
                      serves another app (a context manager yielding its URL).
    ``smtp_server``   a real aiosmtpd server on loopback: ``.host``, ``.port``, ``.messages``
                      (parsed ``EmailMessage``), ``.received`` (with envelopes), ``.wait_for(n)``.

Browser (mark such tests ``@pytest.mark.browser``; tests using these fixtures are marked anyway)
    ``browser``       headless Debian Chromium (``PORTAL_CHROMIUM``, default /usr/bin/chromium)
                      through Playwright, one per module; skipped with a reason if absent, a
                      failure with CI=true. While it is open an event loop runs in the main
                      thread: call code that uses ``asyncio.run`` through
                      ``tests.support.databases.in_thread(function, *args)``.
    ``page``          a fresh page (1280x800, reduced motion, its own context); console errors
                      and failed subresources are recorded.
    ``new_page``      ``new_page(**context_options)``, e.g. ``java_script_enabled=False`` or
                      ``locale="zh-CN"``.
    Helpers in ``tests.support.browser``: ``screenshot(page, name)`` (390 and 1280 px, under
    ``var/screenshots/``), ``assert_accessible(page)`` (axe-core; serious/critical fail),
    ``assert_no_console_errors(page)``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.app import create_app
from portal.db import create_engine, session_factory
from portal.settings import Settings
from tests.support import environment as env
from tests.support.databases import (
    DatabaseUnavailable,
    PostgresServer,
    copy_sqlite,
    database_backends,
    migrate_to_head,
    sqlite_url,
)
from tests.support.servers import LiveServer, SMTPServer, serve
from tests.support.site import build_policy, compile_stale_catalogues, make_settings

# -- the run ---------------------------------------------------------------------------------


def pytest_sessionstart(session: pytest.Session) -> None:
    compile_stale_catalogues()


def pytest_report_header(config: pytest.Config) -> list[str]:
    postgres = env.POSTGRES_URL or ("REQUIRED but not set" if env.CI else "off")
    chromium = str(env.CHROMIUM) if env.CHROMIUM.exists() else f"{env.CHROMIUM} (missing)"
    return [f"portal: CI={env.CI} postgresql={postgres} chromium={chromium}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_fixtures = {"browser", "page", "new_page"}
    for item in items:
        if browser_fixtures & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    """What to do when the machine lacks something: fail on CI, skip (with the reason) elsewhere."""
    if env.CI:
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


# -- the site --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A public folder with the real policy built into it, once per session. Do not write to it."""
    public_dir = tmp_path_factory.mktemp("site") / "public"
    build_policy(env.ROOT / "content", public_dir)
    return public_dir


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, built_policy: Path) -> Settings:
    overrides: dict[str, Any] = {"public_dir": built_policy}
    if "database_url" in request.fixturenames:
        overrides["database_url"] = request.getfixturevalue("database_url")
    return make_settings(tmp_path, **overrides)


@pytest.fixture
def app(settings: Settings) -> Starlette:
    return create_app(settings)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


# -- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    if not env.POSTGRES_URL:
        pytest.fail(
            "CI=true but PORTAL_TEST_DATABASE_URL is not set; every database test must also run "
            "on PostgreSQL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
            pytrace=False,
        )
    try:
        server = PostgresServer(env.POSTGRES_URL)
        server.check()
    except DatabaseUnavailable as error:
        # Asked for explicitly (or by CI): an unreachable server is a failure, never a skip.
        pytest.fail(str(error), pytrace=False)
    server.drop_abandoned()
    return server


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database migrated to head once; each test gets a copy of the file."""
    directory = tmp_path_factory.mktemp("sqlite-template")
    url = sqlite_url(directory / "template.sqlite3")
    migrate_to_head(url, directory)
    return url


@pytest.fixture(scope="session")
def postgres_template(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A PostgreSQL database migrated to head once; each test's database is created from it."""
    name = postgres_server.new_name(template=True)
    url = postgres_server.create(name)
    try:
        migrate_to_head(url, tmp_path_factory.mktemp("postgres-template"))
        yield name
    finally:
        postgres_server.drop(name)


@pytest.fixture(params=database_backends())
def database_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def empty_database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    if database_backend == "sqlite":
        yield sqlite_url(tmp_path / "empty.sqlite3")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.new_name()
    url = server.create(name)
    try:
        yield url
    finally:
        server.drop(name)


@pytest.fixture
def database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    if database_backend == "sqlite":
        yield copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "db.sqlite3")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template: str = request.getfixturevalue("postgres_template")
    name = server.new_name()
    url = server.create(name, template=template)
    try:
        yield url
    finally:
        server.drop(name)


@pytest.fixture
async def db_session(database_url: str) -> AsyncIterator[Any]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


# -- servers ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, built_policy: Path, sqlite_template: str
) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("live-server")
    database = copy_sqlite(sqlite_template, directory / "live.sqlite3")
    live_settings = make_settings(directory, public_dir=built_policy, database_url=database)
    live_app = create_app(live_settings)
    with serve(live_app) as url:
        yield LiveServer(url, live_app, live_settings)


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope: Playwright's sync API keeps an event loop running in the main thread while
    # it is open, which breaks asyncio.run and async tests; closing it per module confines that
    # to browser modules (tests.support.databases.in_thread runs such code beside it).
    if not (env.CHROMIUM.is_file() and os.access(env.CHROMIUM, os.X_OK)):
        _unavailable(
            f"no Chromium at {env.CHROMIUM} (apt-get install chromium, or set PORTAL_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(env.CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    from tests.support.browser import SCRIPTLESS_CONTEXTS, watch_console

    contexts = []

    def open_page(**context_options: Any) -> Any:
        context_options.setdefault("viewport", {"width": 1280, "height": 800})
        # No smooth scrolling or animations: Playwright waits for moving elements to settle.
        context_options.setdefault("reduced_motion", "reduce")
        context = browser.new_context(**context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        if context_options.get("java_script_enabled") is False:
            SCRIPTLESS_CONTEXTS.add(context)
        page = context.new_page()
        watch_console(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()
