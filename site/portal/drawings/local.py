"""Drawings' ciphertext in a local folder (``PORTAL_DRAWINGS_DIR``, default ``var/drawings``).

An object ``ab/abcdef…`` is the file ``<folder>/ab/abcdef…``. A writer writes a temporary file
``.abcdef….<random>.part`` beside it (the same folder, so the same file system) and, on commit,
fsyncs it, renames it into place and fsyncs the folder: after a crash the object is either whole
or absent. A temporary file left by a killed process starts with a dot, so no key can name it,
and :meth:`LocalStorage.remove_abandoned` deletes it later.

File operations run in threads (``asyncio.to_thread``), a mebibyte at a time, so a slow disk
does not stall the event loop; files and folders are the portal user's alone (0600 / 0700).
A writer keeps one write in flight: the disk takes one mebibyte while the next is received and
encrypted, and the next waits for it, so pieces land in order and memory stays at two pieces.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from portal.drawings.storage import (
    StorageError,
    StoredObjectMissing,
    checked_key,
)

#: Ciphertext is handed to the disk in pieces of about this size, and read back in these.
WRITE_BUFFER = 1024 * 1024
READ_AHEAD = 1024 * 1024
PART_SUFFIX = ".part"


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalWriter:
    """Writes one object to a temporary file; :meth:`commit` renames it into place."""

    def __init__(self, target: Path, temporary: Path, fd: int) -> None:
        self._target, self._temporary, self._fd = target, temporary, fd
        self._buffer = bytearray()
        self._in_flight: asyncio.Task[None] | None = None
        self._done = False
        self._renamed = False  # in place, but not yet durable: commit has not returned

    async def write(self, chunk: bytes) -> None:
        if self._done:
            raise StorageError("this object is already committed or aborted")
        if not self._buffer and len(chunk) >= WRITE_BUFFER:
            await self._hand_over(chunk)  # a whole piece already: no copy into the buffer
            return
        self._buffer += chunk
        if len(self._buffer) >= WRITE_BUFFER:
            await self._flush()

    async def _flush(self) -> None:
        data, self._buffer = self._buffer, bytearray()  # handed over, not copied
        if data:
            await self._hand_over(data)

    async def _hand_over(self, data: bytes | bytearray) -> None:
        """Start writing ``data`` once the write before it is done."""
        await self._settle()
        self._in_flight = asyncio.create_task(asyncio.to_thread(_write_all, self._fd, data))

    async def _settle(self) -> None:
        """Wait for the write in flight, if any."""
        if self._in_flight is None:
            return
        in_flight, self._in_flight = self._in_flight, None
        try:
            await in_flight
        except OSError as error:
            raise StorageError(f"cannot write {self._target.name}: {error}") from error

    async def commit(self) -> None:
        if self._done:
            raise StorageError("this object is already committed or aborted")
        await self._flush()
        await self._settle()
        try:
            await asyncio.to_thread(self._publish)
        except OSError as error:
            raise StorageError(f"cannot store {self._target.name}: {error}") from error
        self._done = True

    def _publish(self) -> None:
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = -1
        os.rename(self._temporary, self._target)
        self._renamed = True
        _fsync_folder(self._target.parent)

    async def abort(self) -> None:
        # No await before the file is gone: this runs in a cancelled task (a cut upload) too.
        if self._done:
            return
        self._done = True
        self._buffer = bytearray()
        # The temporary file goes now (an unlinked file takes no name, and its blocks are freed
        # once closed). Its descriptor is closed only once no thread writes to it any more: a
        # number closed under a running write could be reused by another file and written to.
        self._temporary.unlink(missing_ok=True)
        if self._renamed:  # the commit failed after the rename: its caller records nothing
            self._target.unlink(missing_ok=True)
        fd, self._fd = self._fd, -1
        if self._in_flight is not None:
            self._in_flight.add_done_callback(lambda task: _close_after(task, fd))
            self._in_flight = None
        elif fd >= 0:
            os.close(fd)


def _close_file_after(task: asyncio.Task[bytes], handle: BinaryIO) -> None:
    if not task.cancelled():
        task.exception()
    handle.close()


def _close_after(task: asyncio.Task[None], fd: int) -> None:
    """Close ``fd`` once the write ``task`` is over (its error, if any, no longer matters)."""
    if not task.cancelled():
        task.exception()
    if fd >= 0:
        os.close(fd)


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class LocalStorage:
    """The drawings' folder on this host's disk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        """The file that holds the object ``key`` once it is committed."""
        return self.directory / checked_key(key)

    async def open_writer(self, key: str) -> LocalWriter:
        target = self.path(key)
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}{PART_SUFFIX}")

        def create() -> int:
            for folder in (self.directory, target.parent):
                if not folder.is_dir():
                    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                    # A new folder's entry must survive a crash, with the file renamed into it.
                    _fsync_folder(folder.parent)
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

        try:
            fd = await asyncio.to_thread(create)
        except OSError as error:
            raise StorageError(f"cannot store {target.name}: {error}") from error
        return LocalWriter(target, temporary, fd)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        path = self.path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise StoredObjectMissing(f"no stored object {key}") from None
        # One read ahead: the disk reads the next piece while this one is decrypted and sent.
        ahead = asyncio.create_task(asyncio.to_thread(handle.read, READ_AHEAD))
        try:
            while chunk := await ahead:
                ahead = asyncio.create_task(asyncio.to_thread(handle.read, READ_AHEAD))
                yield chunk
        finally:
            if ahead.done():
                handle.close()
            else:  # a download broken off: close once the thread's read is over
                ahead.add_done_callback(lambda task: _close_file_after(task, handle))

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).is_file)

    async def remove_abandoned(self, older_than: timedelta) -> int:
        return await asyncio.to_thread(self._remove_abandoned, older_than)

    def _remove_abandoned(self, older_than: timedelta) -> int:
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        for path in self.directory.rglob(f".*{PART_SUFFIX}"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # another worker got there first
                continue
        return removed

    async def close(self) -> None:
        return None
