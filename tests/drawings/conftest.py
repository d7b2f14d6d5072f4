"""Drawings' tests: every storage test runs once per backend.

moto_s3          moto's S3 server on loopback, one per session (``tests.support.object_store``).
storage_backend  ``"local"`` or ``"s3"``.
storage          that backend: a folder under the test's ``var/``, or a fresh bucket of its
                 own on ``moto_s3`` (one client, configured by ``S3Storage.from_settings``, is
                 shared by the session's buckets).
data_keys        users' data keys in a key store of the test's own.
alice, bob       two customers in ``db_session``'s database (SQLite, and PostgreSQL when set).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.accounts.models import User
from portal.crypto import MASTER_KEY_ID, DataKeys
from portal.crypto.keystore import SQLiteKeyStore
from portal.drawings.storage import DrawingStorage, storage_from_settings
from tests.support.drawing_store import customer
from tests.support.object_store import MotoS3
from tests.support.site import TEST_MASTER_KEY, make_settings


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    server = MotoS3()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
def storage_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def storage(
    storage_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DrawingStorage]:
    if storage_backend == "s3":
        moto: MotoS3 = request.getfixturevalue("moto_s3")
        yield moto.storage(moto.new_bucket())  # the session's client: moto_s3 closes it
        return
    backend = storage_from_settings(make_settings(tmp_path / "storage"))
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
def data_keys(tmp_path: Path) -> DataKeys:
    """The users' data keys, in a key store of this test's own (apart from the database)."""
    return DataKeys(SQLiteKeyStore(tmp_path / "keys"), {MASTER_KEY_ID: TEST_MASTER_KEY})


@pytest.fixture
async def alice(db_session: Any) -> User:
    return await customer(db_session, "alice@example.cn")


@pytest.fixture
async def bob(db_session: Any) -> User:
    return await customer(db_session, "bob@example.cn")
