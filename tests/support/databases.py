"""Test databases: a SQLite file per test, and on PostgreSQL a uniquely named database per test.

Every name carries the test process's id, so parallel runs on one server never collide, and a
run that was killed leaves databases that the next run on the machine drops.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from portal import migrate
from tests.support import environment as env
from tests.support.site import make_settings

T = TypeVar("T")
PREFIX = "portal_test_"
_NAME = re.compile(rf"^{PREFIX}(\d+)_[0-9a-f]+(_template)?$")


class DatabaseUnavailable(RuntimeError):
    pass


def database_backends(*names: str) -> list[Any]:
    """The backends a database test runs on (all by default, or only ``names``): SQLite always,
    PostgreSQL when PORTAL_TEST_DATABASE_URL is set, and always in CI (which fails without it).

    ``@pytest.mark.parametrize("database_backend", database_backends("postgresql"),
    indirect=True)`` limits a test to PostgreSQL; it is left out, not skipped, without it.
    """
    backends = [pytest.param("sqlite", id="sqlite")]
    if env.POSTGRES_URL or env.CI:
        backends.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return [backend for backend in backends if not names or backend.values[0] in names]


def in_thread(function: Callable[..., T], *args: Any) -> T:
    """Call ``function`` in a fresh thread and return its result.

    For code that calls ``asyncio.run`` (the migrations, a service driven from a sync test)
    while Playwright's sync API is open: it keeps an event loop running in the main thread.
    """
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function, *args).result()


def migrate_to_head(database_url: str, directory: Path) -> None:
    in_thread(migrate.upgrade, make_settings(directory, database_url=database_url))


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def copy_sqlite(source_url: str, target: Path) -> str:
    """A new database file with the content of ``source_url`` (a migrated template)."""
    source = Path(make_url(source_url).database or "")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return sqlite_url(target)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PostgresServer:
    """The server named by ``PORTAL_TEST_DATABASE_URL``; tests get their own databases on it."""

    def __init__(self, url: str) -> None:
        self.url: URL = make_url(url)
        if self.url.get_backend_name() != "postgresql":
            raise DatabaseUnavailable(
                f"PORTAL_TEST_DATABASE_URL must name a PostgreSQL server, not {url!r}"
            )
        if self.url.drivername != "postgresql+psycopg":
            self.url = self.url.set(drivername="postgresql+psycopg")

    def _connect(self) -> psycopg.Connection:
        # The maintenance database always exists; the URL's own one ("test") need not.
        last_error: Exception | None = None
        for dbname in ("postgres", self.url.database or "postgres", "template1"):
            try:
                return psycopg.connect(
                    host=self.url.host or "127.0.0.1",
                    port=self.url.port or 5432,
                    user=self.url.username or "postgres",
                    password=self.url.password,
                    dbname=dbname,
                    autocommit=True,
                    connect_timeout=5,
                )
            except psycopg.OperationalError as error:
                last_error = error
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {self.url.render_as_string(hide_password=True)}: "
            f"{last_error}"
        )

    def check(self) -> None:
        with self._connect() as connection:
            connection.execute("SELECT 1")

    def new_name(self, *, template: bool = False) -> str:
        suffix = "_template" if template else ""
        return f"{PREFIX}{os.getpid()}_{secrets.token_hex(4)}{suffix}"

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, *, template: str | None = None) -> str:
        """Create database ``name`` (a copy of ``template`` if given) and return its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        with self._connect() as connection:
            connection.execute(statement)
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self._connect() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def drop_abandoned(self) -> list[str]:
        """Drop the databases of earlier test runs on this machine that are no longer running."""
        with self._connect() as connection:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX + "%",)
                )
            ]
        dropped = []
        for name in names:
            match = _NAME.match(name)
            if match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match[1])):
                self.drop(name)
                dropped.append(name)
        return dropped
