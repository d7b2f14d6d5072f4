"""Quotes' tests: the rates file, and what reading a quote's drawings needs.

pricing    the real content/pricing.toml, read once per session.
sessions   an ``async_sessionmaker`` on ``database_url`` (SQLite, and PostgreSQL when set), as
           the app and the worker hold one; each reader opens its own sessions from it.
storage    a local drawing store under the test's ``var/`` (the S3 backend is tested in
           tests/drawings: reading only streams what the store hands out).
data_keys  users' data keys in a key store of the test's own.
alice      a customer in ``db_session``'s database.
read       ``read(drawing_id)``: portal.quotes.reading.read_drawing with the fixtures above.
setup      ``setup(data, quote_id, filename)``: a drawing of alice's, stored and attached.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.accounts.models import User
from portal.crypto import MASTER_KEY_ID, DataKeys
from portal.crypto.keystore import SQLiteKeyStore
from portal.db import create_engine, session_factory
from portal.drawings.models import Drawing
from portal.drawings.storage import DrawingStorage, storage_from_settings
from portal.quotes.rates import Pricing, load_pricing
from portal.quotes.reading import read_drawing
from portal.settings import ROOT
from tests.support.drawing_store import customer
from tests.support.reading import Sessions, new_drawing
from tests.support.site import TEST_MASTER_KEY, make_settings


@pytest.fixture(scope="session")
def pricing() -> Pricing:
    return load_pricing(ROOT / "content" / "pricing.toml")


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[DrawingStorage]:
    backend = storage_from_settings(make_settings(tmp_path / "storage"))
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
def data_keys(tmp_path: Path) -> DataKeys:
    return DataKeys(SQLiteKeyStore(tmp_path / "keys"), {MASTER_KEY_ID: TEST_MASTER_KEY})


@pytest.fixture
async def alice(sessions: async_sessionmaker[AsyncSession]) -> Any:
    async with sessions() as session:
        user: User = await customer(session, "alice@example.cn")
    return user


@pytest.fixture
def read(
    sessions: Sessions, data_keys: DataKeys, storage: DrawingStorage, pricing: Pricing
) -> Callable[[uuid.UUID], Awaitable[Drawing | None]]:
    def read_one(drawing_id: uuid.UUID) -> Awaitable[Drawing | None]:
        return read_drawing(
            sessions, data_keys=data_keys, storage=storage, pricing=pricing, drawing_id=drawing_id
        )

    return read_one


@pytest.fixture
def setup(
    sessions: Sessions, data_keys: DataKeys, storage: DrawingStorage, alice: User
) -> Callable[..., Awaitable[uuid.UUID]]:
    async def one(data: bytes, quote_id: int | None, filename: str = "part.step") -> uuid.UUID:
        return await new_drawing(sessions, data_keys, storage, alice, data, quote_id, filename)

    return one
