"""The databases of ``bench/requests.py``: a SQLite file, and a PostgreSQL database of its own.

The PostgreSQL server is ``BENCH_POSTGRES_URL`` (by default ``postgres@127.0.0.1:5432``, trust
auth, as CI sets it up). Each run creates a database named after its process and drops it at the
end; a run that was killed leaves one behind, which the next run drops.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PREFIX = "portal_bench_"


@contextlib.contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    yield f"sqlite+aiosqlite:///{directory / 'portal.sqlite3'}"


def postgres_reachable() -> bool:
    try:
        with _connect() as connection:
            connection.execute("SELECT 1")
    except psycopg.OperationalError:
        return False
    return True


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new, uniquely named database on the server; dropped afterwards, even on failure."""
    _drop_abandoned()
    name = f"{PREFIX}{os.getpid()}_{secrets.token_hex(4)}"
    with _connect() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        _drop(name)


def _connect() -> psycopg.Connection:
    url = make_url(POSTGRES_URL)
    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
        connect_timeout=3,
    )


def _drop(name: str) -> None:
    with _connect() as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _drop_abandoned() -> None:
    """Drop the databases of earlier runs whose process is gone (killed before cleaning up)."""
    with _connect() as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX + "%",)
        ).fetchall()
    for (name,) in rows:
        pid = name.removeprefix(PREFIX).split("_")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            _drop(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
