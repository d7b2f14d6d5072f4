"""Drawings' ciphertext in an S3-compatible object store, for deployments on several hosts.

Uploads are multipart and streamed: ciphertext is buffered one part at a time (8 MiB by
default; S3's minimum is 5 MiB for every part but the last), so memory stays at one part per
upload whatever the drawing's size. An object smaller than one part goes up in one ``PutObject``.
Either way S3 publishes the object whole when the upload completes; a failed or cut upload is
aborted (``AbortMultipartUpload``), and one that a killed process left is aborted later by
:meth:`S3Storage.remove_abandoned` (or by the bucket's lifecycle rule
``AbortIncompleteMultipartUpload``, which an operator should set as well). Downloads stream.

Why boto3 rather than aiobotocore: boto3 is the SDK AWS maintains, with no client of its own to
pin: aiobotocore pins an exact botocore release, which fights with every other user of botocore
in one environment (moto, which tests this backend, depends on boto3 itself), and brings aiohttp
besides. Each boto3 call runs in a thread (``asyncio.to_thread``) and moves a whole part (or a
256 KiB read), so the thread hop costs nothing next to the network. boto3 clients are
thread-safe; one is shared by the app.

Checksums: boto3 since 1.36 adds CRC checksums to every upload, which several S3-compatible
stores (older MinIO, Ceph, some cloud vendors' stores) refuse; they are sent only when an
operation requires them (``when_required``). AES-GCM authenticates every segment anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3  # type: ignore[import-untyped]  # no stubs; the client is typed Any here
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from portal.drawings.storage import (
    READ_SIZE,
    StorageError,
    StoredObjectMissing,
    checked_key,
)

if TYPE_CHECKING:
    from portal.settings import Settings

MIB = 1024 * 1024
PART_SIZE = 8 * MIB
MIN_PART_SIZE = 5 * MIB  # S3's rule for every part but the last
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _failed(action: str, key: str, error: Exception) -> StorageError:
    return StorageError(f"the object store could not {action} {key}: {error}")


class S3Writer:
    """One upload: buffered to a part, multipart once it outgrows one part."""

    def __init__(self, storage: S3Storage, key: str) -> None:
        self._storage, self._key = storage, key
        self._name = storage.object_name(key)
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._done = False

    async def write(self, chunk: bytes) -> None:
        if self._done:
            raise StorageError("this object is already committed or aborted")
        self._buffer += chunk
        while len(self._buffer) >= self._storage.part_size:
            part = bytes(self._buffer[: self._storage.part_size])
            del self._buffer[: self._storage.part_size]
            await self._upload_part(part)

    async def _upload_part(self, part: bytes) -> None:
        client, bucket = self._storage.client, self._storage.bucket
        try:
            if self._upload_id is None:
                created = await asyncio.to_thread(
                    client.create_multipart_upload, Bucket=bucket, Key=self._name
                )
                self._upload_id = created["UploadId"]
            number = len(self._parts) + 1
            uploaded = await asyncio.to_thread(
                client.upload_part,
                Bucket=bucket,
                Key=self._name,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=part,
            )
        except (BotoCoreError, ClientError) as error:
            raise _failed("store", self._key, error) from error
        self._parts.append({"PartNumber": number, "ETag": uploaded["ETag"]})

    async def commit(self) -> None:
        if self._done:
            raise StorageError("this object is already committed or aborted")
        client, bucket = self._storage.client, self._storage.bucket
        try:
            if self._upload_id is None:
                await asyncio.to_thread(
                    client.put_object, Bucket=bucket, Key=self._name, Body=bytes(self._buffer)
                )
            else:
                if self._buffer:
                    await self._upload_part(bytes(self._buffer))
                await asyncio.to_thread(
                    client.complete_multipart_upload,
                    Bucket=bucket,
                    Key=self._name,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
        except (BotoCoreError, ClientError) as error:
            raise _failed("store", self._key, error) from error
        self._buffer = bytearray()
        self._done = True

    async def abort(self) -> None:
        """Abort the multipart upload (its parts are deleted); the caller shields this from
        cancellation, since it is a network call made while a cut upload unwinds."""
        self._done = True
        self._buffer = bytearray()
        upload_id, self._upload_id = self._upload_id, None
        if upload_id is None:
            return
        try:
            await asyncio.to_thread(
                self._storage.client.abort_multipart_upload,
                Bucket=self._storage.bucket,
                Key=self._name,
                UploadId=upload_id,
            )
        except (BotoCoreError, ClientError) as error:
            # The parts stay invisible (no object exists) until remove_abandoned or the
            # bucket's lifecycle rule clears them; the original error matters more.
            raise _failed("abort the upload of", self._key, error) from error


class S3Storage:
    """A bucket (and a key prefix in it) of an S3-compatible object store."""

    def __init__(
        self, client: Any, bucket: str, *, prefix: str = "", part_size: int = PART_SIZE
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"S3 parts are at least {MIN_PART_SIZE} bytes")
        self.client, self.bucket, self.prefix, self.part_size = client, bucket, prefix, part_size

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        """The store of ``PORTAL_S3_*``; blank credentials use boto3's own chain (an instance
        role, ``AWS_*`` variables)."""
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": settings.s3_addressing_style},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"mode": "standard", "max_attempts": 3},
            ),
        )
        return cls(client, settings.s3_bucket, prefix=settings.s3_prefix)

    def object_name(self, key: str) -> str:
        """The object's name in the bucket: the prefix and the key."""
        return self.prefix + checked_key(key)

    async def open_writer(self, key: str) -> S3Writer:
        return S3Writer(self, key)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        try:
            response = await asyncio.to_thread(
                self.client.get_object, Bucket=self.bucket, Key=self.object_name(key)
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise StoredObjectMissing(f"no stored object {key}") from None
            raise _failed("read", key, error) from error
        except BotoCoreError as error:
            raise _failed("read", key, error) from error
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, READ_SIZE):
                yield chunk
        except BotoCoreError as error:
            raise _failed("read", key, error) from error
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(
                self.client.delete_object, Bucket=self.bucket, Key=self.object_name(key)
            )
        except (BotoCoreError, ClientError) as error:
            raise _failed("delete", key, error) from error

    async def exists(self, key: str) -> bool:
        try:
            await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=self.object_name(key)
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise _failed("look up", key, error) from error
        except BotoCoreError as error:
            raise _failed("look up", key, error) from error
        return True

    async def remove_abandoned(self, older_than: timedelta) -> int:
        return await asyncio.to_thread(self._remove_abandoned, older_than)

    def _remove_abandoned(self, older_than: timedelta) -> int:
        cutoff = datetime.now(UTC) - older_than
        removed = 0
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < cutoff:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    removed += 1
        return removed

    async def close(self) -> None:
        await asyncio.to_thread(self.client.close)
