"""Where drawings' ciphertext is kept: one small interface, :class:`DrawingStorage`, two backends.

- :class:`portal.drawings.local.LocalStorage`, a folder under ``var/`` (the default), for one host.
- :class:`portal.drawings.s3.S3Storage`, an S3-compatible object store, for several hosts.

Only ciphertext ever reaches a backend (``portal.drawings.services`` encrypts as the upload
streams in), so a backend knows nothing of keys or users. Writing is all or nothing::

    writer = await storage.open_writer(key)
    try:
        async for piece in ciphertext:
            await writer.write(piece)
        await writer.commit()          # now, and only now, the object exists under ``key``
    except BaseException:
        await writer.abort()           # nothing is left behind, not even a partial object
        raise

A process killed between the two leaves only what :meth:`DrawingStorage.remove_abandoned`
clears later (a temporary file, an incomplete multipart upload), never an object under ``key``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from portal.settings import Settings

#: Pieces handed to a reader's consumer; a backend reads this much at a time.
READ_SIZE = 256 * 1024

# Keys are made by the portal (``portal.drawings.services``), never taken from a request; this
# check keeps a mistake from becoming a path outside the folder: no ``..``, no leading dot (the
# local backend's temporary names start with one), no empty segment, no backslash.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}(/[A-Za-z0-9][A-Za-z0-9_-]{0,127}){0,7}")


class StorageError(Exception):
    """The store failed (a full disk, an unreachable object store); nothing was published."""


class StoredObjectMissing(StorageError, LookupError):
    """No object is stored under the key."""


def checked_key(key: str) -> str:
    """``key`` if it is a well-formed storage key (``"ab/abcdef..."``); else ValueError."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class DrawingWriter(Protocol):
    """One object being written: nothing is visible under its key until :meth:`commit`."""

    async def write(self, chunk: bytes) -> None:
        """Append ``chunk`` (pieces of any size; the backend buffers as it needs)."""
        ...

    async def commit(self) -> None:
        """Publish everything written, atomically: readers see the whole object or none."""
        ...

    async def abort(self) -> None:
        """Discard everything written; safe to call twice, or after a failed commit."""
        ...


class DrawingStorage(Protocol):
    """The drawings' ciphertext, by key."""

    async def open_writer(self, key: str) -> DrawingWriter:
        """Start writing the object ``key`` (see the module docstring for the protocol)."""
        ...

    def read(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in pieces; :class:`StoredObjectMissing` if there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing one is not an error."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether a committed object is stored under ``key``."""
        ...

    async def remove_abandoned(self, older_than: timedelta) -> int:
        """Clear writes that a killed process left unfinished (started before ``older_than``
        ago); return how many. Never touches committed objects."""
        ...

    async def close(self) -> None:
        """Release connections; called when the app stops."""
        ...


def storage_from_settings(settings: Settings) -> DrawingStorage:
    """The backend ``PORTAL_DRAWINGS_STORAGE`` names, configured from ``settings``."""
    if settings.drawings_storage == "s3":
        from portal.drawings.s3 import S3Storage

        return S3Storage.from_settings(settings)
    from portal.drawings.local import LocalStorage

    return LocalStorage(settings.drawings_dir)
