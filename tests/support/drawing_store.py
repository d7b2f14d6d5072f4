"""Drawings in the tests: customers, uploads as async streams, and the store's raw bytes
(the encrypted store; tests/support/drawings.py has the sample files)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.drawings.local import LocalStorage
from portal.drawings.models import Drawing
from portal.drawings.s3 import S3Storage

MIB = 1024 * 1024


def content(size: int) -> bytes:
    """``size`` bytes that are not all alike, so a piece in the wrong place shows."""
    pattern = bytes(range(251))
    return (pattern * (size // len(pattern) + 1))[:size]


async def upload(data: bytes, piece: int = 65_000) -> AsyncIterator[bytes]:
    """``data`` as an upload arrives: pieces of ``piece`` bytes (not a segment's size)."""
    for start in range(0, len(data), piece):
        yield data[start : start + piece]


async def plaintext(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def customer(session: Any, email: str) -> User:
    user = User(name=email.split("@")[0], email=email, email_key=email)
    session.add(user)
    await session.commit()
    return user


async def drawing_rows(session: Any) -> list[Drawing]:
    return list((await session.execute(select(Drawing))).scalars())


def raw_object(storage: Any, key: str) -> bytes:
    """The ciphertext of ``key`` as it lies in the store, read past the backend."""
    if isinstance(storage, LocalStorage):
        return storage.path(key).read_bytes()
    assert isinstance(storage, S3Storage)
    response = storage.client.get_object(Bucket=storage.bucket, Key=storage.object_name(key))
    return response["Body"].read()


def replace_object(storage: Any, key: str, data: bytes) -> None:
    """Overwrite the stored bytes of ``key``, as someone with access to the disk or bucket could."""
    if isinstance(storage, LocalStorage):
        storage.path(key).write_bytes(data)
        return
    assert isinstance(storage, S3Storage)
    storage.client.put_object(Bucket=storage.bucket, Key=storage.object_name(key), Body=data)
