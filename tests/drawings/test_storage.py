"""The storage contract both backends keep: an object appears whole at commit or not at all.

Each test runs on the local folder and on the S3 backend (against moto's server on loopback).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from portal.drawings.local import LocalStorage
from portal.drawings.s3 import S3Storage
from portal.drawings.storage import (
    DrawingStorage,
    StorageError,
    StoredObjectMissing,
    storage_from_settings,
)
from tests.support.drawing_store import MIB, content
from tests.support.object_store import leftovers
from tests.support.site import make_settings

KEY = "3f/3f2a9c0d5e8b4a7f9e1d2c3b4a596877"


async def write(storage: DrawingStorage, key: str, data: bytes, piece: int = 70_000) -> None:
    writer = await storage.open_writer(key)
    for start in range(0, len(data), piece):
        await writer.write(data[start : start + piece])
    await writer.commit()


async def read(storage: DrawingStorage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key)])


# Sizes around the backends' own boundaries: the local write buffer and read size, and S3's
# 8 MiB parts (an object of several parts whose last one is short).
@pytest.mark.parametrize("size", [0, 1, 256 * 1024 + 1, MIB, 17 * MIB + 5])
async def test_what_is_written_reads_back_the_same(storage: DrawingStorage, size: int) -> None:
    data = content(size)
    await write(storage, KEY, data)
    assert await storage.exists(KEY)
    assert await read(storage, KEY) == data
    assert leftovers(storage) == [KEY if isinstance(storage, LocalStorage) else f"drawings/{KEY}"]


async def test_nothing_is_visible_before_the_commit(storage: DrawingStorage) -> None:
    writer = await storage.open_writer(KEY)
    await writer.write(content(9 * MIB))  # past one S3 part: a multipart upload is under way
    assert not await storage.exists(KEY)
    with pytest.raises(StoredObjectMissing):
        await read(storage, KEY)
    await writer.commit()
    assert await read(storage, KEY) == content(9 * MIB)


@pytest.mark.parametrize("size", [0, 100, 9 * MIB])
async def test_an_aborted_write_leaves_nothing(storage: DrawingStorage, size: int) -> None:
    writer = await storage.open_writer(KEY)
    await writer.write(content(size))
    await writer.abort()
    await writer.abort()  # twice is harmless (a failed commit's cleanup, then the caller's)
    assert not await storage.exists(KEY)
    assert leftovers(storage) == []


async def test_an_object_is_deleted_and_deleting_it_again_is_harmless(
    storage: DrawingStorage,
) -> None:
    await write(storage, KEY, b"ciphertext")
    await storage.delete(KEY)
    assert not await storage.exists(KEY)
    await storage.delete(KEY)
    with pytest.raises(StoredObjectMissing):
        await read(storage, KEY)
    assert leftovers(storage) == []


async def test_objects_are_apart(storage: DrawingStorage) -> None:
    other = "aa/aa000000000000000000000000000000"
    await write(storage, KEY, b"first")
    await write(storage, other, b"second")
    await storage.delete(KEY)
    assert await read(storage, other) == b"second"


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "/etc/passwd", ".hidden", "a//b", "a/../b", "a\\b", "", "a/"]
)
async def test_a_key_that_could_leave_the_store_is_refused(
    storage: DrawingStorage, key: str
) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.open_writer(key)
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.exists(key)


async def test_a_write_a_killed_process_left_is_cleared_later(storage: DrawingStorage) -> None:
    writer = await storage.open_writer(KEY)
    await writer.write(content(9 * MIB))
    del writer  # the process died: neither commit nor abort ran
    await write(storage, "aa/aa000000000000000000000000000000", b"finished")

    if isinstance(storage, LocalStorage):
        # A write started within the hour may still be going on: it is left alone. (moto
        # reports every multipart upload as started on 2010-11-10, so S3 cannot show this.)
        assert await storage.remove_abandoned(timedelta(hours=1)) == 0
        assert len(leftovers(storage)) == 2
    assert await storage.remove_abandoned(timedelta(0)) == 1
    assert not await storage.exists(KEY)
    assert await read(storage, "aa/aa000000000000000000000000000000") == b"finished"
    assert len(leftovers(storage)) == 1


# -- the local folder ------------------------------------------------------------------------


async def test_local_files_are_the_portal_users_alone(tmp_path) -> None:
    storage = LocalStorage(tmp_path / "drawings")
    await write(storage, KEY, b"ciphertext")
    assert os.stat(storage.path(KEY)).st_mode & 0o777 == 0o600
    assert os.stat(storage.path(KEY).parent).st_mode & 0o777 == 0o700
    assert os.stat(storage.directory).st_mode & 0o777 == 0o700


async def test_a_local_write_in_progress_has_only_a_hidden_temporary_name(tmp_path) -> None:
    storage = LocalStorage(tmp_path / "drawings")
    writer = await storage.open_writer(KEY)
    await writer.write(content(3 * MIB))
    (name,) = [path.name for path in storage.path(KEY).parent.iterdir()]
    assert name.startswith(".")
    assert name.endswith(".part")
    assert not storage.path(KEY).exists()
    await writer.commit()
    assert [path.name for path in storage.path(KEY).parent.iterdir()] == [KEY.split("/")[1]]


# -- configuration ----------------------------------------------------------------------------


async def test_the_settings_choose_the_backend(tmp_path, moto_s3) -> None:
    local = storage_from_settings(make_settings(tmp_path))
    assert isinstance(local, LocalStorage)
    assert local.directory == tmp_path / "var" / "drawings"

    bucket = moto_s3.new_bucket()
    remote = storage_from_settings(make_settings(tmp_path, **moto_s3.settings(bucket)))
    assert isinstance(remote, S3Storage)
    try:
        await write(remote, KEY, b"ciphertext")
        objects = moto_s3.admin_client().list_objects_v2(Bucket=bucket)["Contents"]
        assert [item["Key"] for item in objects] == [f"drawings/{KEY}"]  # PORTAL_S3_PREFIX
    finally:
        await remote.close()


async def test_a_local_commit_that_fails_late_leaves_nothing_once_aborted(
    tmp_path, monkeypatch
) -> None:
    storage = LocalStorage(tmp_path / "drawings")
    writer = await storage.open_writer(KEY)
    await writer.write(b"ciphertext")

    def disk_failure(folder) -> None:
        raise OSError(5, "Input/output error")

    # The file is renamed into place, then syncing its folder fails: the commit fails, and the
    # caller, which records nothing, aborts.
    monkeypatch.setattr("portal.drawings.local._fsync_folder", disk_failure)
    with pytest.raises(StorageError, match="Input/output error"):
        await writer.commit()
    await writer.abort()
    assert leftovers(storage) == []
