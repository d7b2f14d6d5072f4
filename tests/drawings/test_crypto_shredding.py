"""Crypto-shredding: erasing a customer's data key makes every copy of their drawings unreadable.

The database and the drawing store are backed up; the key store is not (it lives apart, under
PORTAL_KEYSTORE_DIR, DESIGN.md). So a backup taken before a customer left, copied byte for
byte and restored after their key was erased, holds nothing anyone can read.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from portal.crypto import DataKeyMissing
from portal.db import create_engine, session_factory
from portal.drawings.local import LocalStorage
from portal.drawings.s3 import S3Storage
from portal.drawings.services import open_drawing, store_drawing
from tests.support.databases import copy_sqlite
from tests.support.drawing_store import MIB, content, customer, plaintext, raw_object, upload
from tests.support.object_store import leftovers


@pytest.fixture
def copy_database(database_backend, request, tmp_path) -> Iterator:
    """``copy(url)``: a byte-for-byte copy of a database no one is connected to, as a backup."""
    made: list[str] = []

    def copy(url: str) -> str:
        if database_backend == "sqlite":
            return copy_sqlite(url, tmp_path / "backup" / "portal.sqlite3")
        server = request.getfixturevalue("postgres_server")
        name = server.new_name()
        made.append(name)
        return server.create(name, template=make_url(url).database)  # a file-level copy

    yield copy
    for name in made:
        request.getfixturevalue("postgres_server").drop(name)


def copy_store(storage, tmp_path: Path):
    """The store's objects, byte for byte, in a store of their own (a restored backup)."""
    if isinstance(storage, LocalStorage):
        shutil.copytree(storage.directory, tmp_path / "restored")
        return LocalStorage(tmp_path / "restored")
    restored = S3Storage(storage.client, f"{storage.bucket}-restored", prefix=storage.prefix)
    storage.client.create_bucket(Bucket=restored.bucket)
    for name in leftovers(storage):
        body = storage.client.get_object(Bucket=storage.bucket, Key=name)["Body"].read()
        storage.client.put_object(Bucket=restored.bucket, Key=name, Body=body)
    return restored


async def test_a_backup_is_unreadable_once_the_customers_key_is_erased(
    database_url, copy_database, storage, data_keys, tmp_path
) -> None:
    alice_data, bob_data = content(2 * MIB + 3), b"bob's bracket"
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        alice = await customer(session, "alice@example.cn")
        bob = await customer(session, "bob@example.cn")
        stored = {}
        for user, data in ((alice, alice_data), (bob, bob_data)):
            stored[user.id] = await store_drawing(
                session=session,
                data_keys=data_keys,
                storage=storage,
                user=user,
                filename="part.step",
                chunks=upload(data),
                limit=10 * MIB,
            )
    await engine.dispose()

    # The backup: the database and the drawing store, byte for byte; the key store stays apart.
    backup_url = copy_database(database_url)
    backup_store = copy_store(storage, tmp_path)
    sealed = raw_object(storage, stored[alice.id].storage_key)
    assert raw_object(backup_store, stored[alice.id].storage_key) == sealed

    async def read_backup(user) -> bytes:
        backup = create_engine(backup_url)
        try:
            async with session_factory(backup)() as session:
                opened = await open_drawing(
                    session=session,
                    data_keys=data_keys,
                    storage=backup_store,
                    user=user,
                    drawing_id=stored[user.id].id,
                )
                return await plaintext(opened.chunks)
        finally:
            await backup.dispose()

    assert await read_backup(alice) == alice_data  # the backup is whole: with the key, it reads

    await data_keys.erase(alice.id)  # Alice deregisters

    with pytest.raises(DataKeyMissing):
        await read_backup(alice)
    assert raw_object(backup_store, stored[alice.id].storage_key) == sealed  # every byte is there
    assert await read_backup(bob) == bob_data  # other customers' drawings are untouched
