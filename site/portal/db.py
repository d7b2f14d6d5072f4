"""The database: one async engine per app, one session per request, on SQLite or PostgreSQL.

Tables are SQLModel classes in each area's ``models.py``; the schema itself is owned by the
Alembic migrations in ``portal/migrations`` (``python -m portal migrate``).

A request gets one ``AsyncSession``, shared by the middleware that finds the signed-in user, the
policy gate and the route: ``request_session(request)``. It is opened at first use (a page that
needs no database opens none), and closed when the response has been sent, which rolls back
whatever was not committed; services own their commits. Code outside a request (the worker,
commands) opens its own with ``session_scope(factory)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import DateTime, event
from sqlalchemy.engine import CursorResult, Dialect, Result, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

metadata = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


#: The largest primary key: tables use ``INTEGER`` ids, 32-bit on PostgreSQL (SQLite's hold more).
MAX_ID = 2**31 - 1


def valid_id(value: object) -> bool:
    """Whether ``value`` (an id from a URL, a form or a signed token) can be a row's id at all.

    An id outside 1 .. :data:`MAX_ID` names nothing: answer it like an unknown id, before any
    query (PostgreSQL would refuse to compare a larger one, a 500). Routes take ids as
    ``{name:int}``, so a path with a sign or letters never matches them (404); ``bool`` is no id.
    """
    return type(value) is int and 0 < value <= MAX_ID


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; use portal.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _Row) -> int:
    """The primary key of a row that has been saved (``id`` is ``None`` only before a flush).

    The models' ``id`` is ``int | None`` because a new row has none yet; a row read from the
    database, or flushed, has one, and this says so to the type checker.
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it has not been saved")
    return row.id


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE matched.

    ``AsyncSession.execute`` is typed to return a ``Result``; for those statements it is a
    ``CursorResult``, which has the count.
    """
    return cast("CursorResult[*tuple[Any, ...]]", result).rowcount


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys, WAL and a busy timeout, as a server DB would."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        pool: dict[str, int] = {}
        if url.database and url.database != ":memory:":
            from pathlib import Path

            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            # As many pooled connections as on PostgreSQL: with SQLAlchemy's default of 5, a
            # busy worker opened a connection (its aiosqlite thread, the pragmas) and closed it
            # again for every request beyond the fifth at a time. (In memory, one connection
            # is the database: SQLAlchemy keeps it in a pool of its own kind.)
            pool = {"pool_size": 10, "max_overflow": 10}
        engine = create_async_engine(url, connect_args={"timeout": 15}, **pool)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # No pre-ping: it costs a round trip on every checkout. A connection the server dropped
    # fails its statement instead, and is replaced; connections are recycled hourly anyway.
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_recycle=3600)


def sync_url(database_url: str) -> str:
    """The same database for synchronous tools (Alembic's offline mode, scripts)."""
    url = make_url(database_url)
    if url.drivername == "sqlite+aiosqlite":
        url = url.set(drivername="sqlite")
    return url.render_as_string(hide_password=False)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that rolls back whatever its user did not commit."""
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise


class _RequestSession:
    """Opens the request's session at first use, and closes it at the end of the request."""

    __slots__ = ("_factory", "_session")

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self._session: AsyncSession | None = None

    def get(self) -> AsyncSession:
        if self._session is None:
            self._session = self._factory()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class DatabaseMiddleware:
    """Gives each HTTP request one database session (``request_session``), closed at its end."""

    def __init__(self, app: ASGIApp, *, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        holder = _RequestSession(self.sessions)
        scope["portal.db"] = holder
        try:
            await self.app(scope, receive, send)
        finally:
            await holder.close()


def request_session(connection: HTTPConnection | Scope) -> AsyncSession:
    """The database session of the current request (``request`` or an ASGI ``scope``)."""
    scope = connection.scope if isinstance(connection, HTTPConnection) else connection
    holder: _RequestSession = scope["portal.db"]
    return holder.get()
