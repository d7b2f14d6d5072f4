"""Customers' drawings: stored encrypted as they stream in, read back decrypted, deleted.

The only code that writes drawings. What the upload route calls, and what it gets::

    drawing = await store_drawing(
        session=session,
        data_keys=app_state(request).data_keys,
        storage=app_state(request).drawing_storage,
        user=user,
        filename=upload.filename,
        chunks=upload_chunks,            # an async iterator of the file's bytes
        limit=settings.max_drawing_bytes,
    )

The rules:

- Plaintext lives only in memory, a segment at a time: each piece is encrypted as it arrives
  (AES-256-GCM in 64 KiB segments under the owner's data key, ``portal.crypto``), with the
  context ``users/<user>/drawings/<drawing id>``, and only ciphertext reaches the store.
- All or nothing: an upload over ``limit`` stops there, and a cut connection (the task is
  cancelled), a failing store or database, or any other error leaves no object and no row.
  The ciphertext is committed to the store first and the row inserted after it; if the
  insert fails, the object is deleted again.
- Only the owner reaches a drawing: any other user, or an id that does not exist or is not a
  UUID, is :class:`DrawingNotFound` (the route answers 404 to all alike).

A process killed between the store's commit and the row's commit leaves an object no row names;
it is unreadable once the user's key is erased, like everything of theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from portal.accounts.models import User
from portal.crypto import DataKeys, StreamDecryptor, StreamEncryptor, user_context
from portal.drawings.models import MAX_FILENAME, Drawing
from portal.drawings.storage import DrawingStorage, DrawingWriter, StoredObjectMissing
from portal.forms.text import problem

logger = logging.getLogger("portal.drawings")

#: How much plaintext is hashed, encrypted and written at a time (see store_drawing).
BATCH_BYTES = 1024 * 1024


class DrawingError(Exception):
    """A drawing could not be stored or found; nothing was stored."""


class DrawingTooLarge(DrawingError):
    """The upload went past ``limit`` bytes; it was stopped there and nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the drawing is larger than {limit} bytes")
        self.limit = limit


class InvalidFilename(DrawingError, ValueError):
    """The file name is not one line of visible text without a path.

    ``reason`` is one of ``"empty"``, ``"too_long"``, ``"path"``, or a rule of
    :func:`portal.forms.text.problem` (``"line_break"``, ``"invisible"``, ``"marks"``,
    ``"blank"``), for the route to word in the customer's language.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"not a file name: {reason}")
        self.reason = reason


class DrawingNotFound(DrawingError, LookupError):
    """No drawing of this user has this id (or its ciphertext is gone from the store)."""


def checked_filename(filename: str) -> str:
    """The file name to keep: ``filename`` without surrounding spaces, if it is one line of
    visible text, at most :data:`MAX_FILENAME` characters, and no path; else InvalidFilename.

    The name is only ever shown (pages, mails, a download's ``Content-Disposition``), never used
    as a path: the store's keys are the portal's own.
    """
    name = filename.strip()
    if not name:
        raise InvalidFilename("empty")
    if "/" in name or "\\" in name or name in {".", ".."}:
        raise InvalidFilename("path")
    if reason := problem(name):
        raise InvalidFilename(reason)
    if len(name) > MAX_FILENAME:
        raise InvalidFilename("too_long")
    return name


def drawing_context(user_id: int, drawing_id: uuid.UUID) -> str:
    """The encryption context of a drawing: ``users/<user>/drawings/<id>``."""
    return user_context(user_id, "drawings", drawing_id.hex)


def storage_key(drawing_id: uuid.UUID) -> str:
    """Where a drawing's ciphertext is kept: ``<first two hex digits>/<id in hex>``, so that
    no folder of the local store grows past a few thousand files per 256."""
    return f"{drawing_id.hex[:2]}/{drawing_id.hex}"


async def _abort(writer: DrawingWriter) -> None:
    # Shielded: when the upload was cut, this task is cancelled, and an unshielded await would
    # be cancelled too, leaving an unfinished multipart upload behind. The original error is
    # what the caller needs; a failure to clean up is logged (remove_abandoned retries it).
    with anyio.CancelScope(shield=True):
        try:
            await writer.abort()
        except Exception:
            logger.exception("could not abort an unfinished drawing upload")


async def store_drawing(
    *,
    session: AsyncSession,
    data_keys: DataKeys,
    storage: DrawingStorage,
    user: User,
    filename: str,
    chunks: AsyncIterator[bytes],
    limit: int,
) -> Drawing:
    """Encrypt ``chunks`` into the store as they arrive, then record the drawing; commits.

    Raises :class:`InvalidFilename` before reading anything, :class:`DrawingTooLarge` as soon
    as more than ``limit`` bytes have arrived (the rest is not read), and re-raises whatever
    ``chunks``, the store or the database raise; in every case nothing is stored.
    """
    name = checked_filename(filename)
    if user.id is None:
        raise ValueError("the drawing's owner must be a saved user")
    drawing = Drawing(user_id=user.id, filename=name, size=0, sha256="", storage_key="")
    drawing.storage_key = storage_key(drawing.id)
    key = await data_keys.for_user(user.id)
    encryptor = StreamEncryptor(key, context=drawing_context(user.id, drawing.id))
    digest, size = hashlib.sha256(), 0

    def seal(batch: bytes) -> bytes:  # in a thread: SHA-256 lets go of the GIL meanwhile
        digest.update(batch)
        return encryptor.update(batch)

    async def store(batch: bytes) -> None:
        if sealed := await asyncio.to_thread(seal, batch):
            await writer.write(sealed)

    writer = await storage.open_writer(drawing.storage_key)
    # One batch is hashed, encrypted and written while the next arrives (the second core does
    # the first); batches are stored strictly in order, one at a time.
    pending: asyncio.Task[None] | None = None
    batch = bytearray()
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise DrawingTooLarge(limit)
            batch += chunk
            if len(batch) >= BATCH_BYTES:
                if pending is not None:
                    await pending
                pending = asyncio.create_task(store(bytes(batch)))
                batch = bytearray()
        if pending is not None:
            await pending
        await store(bytes(batch))
        await writer.write(encryptor.finalize())
        await writer.commit()
    except BaseException:
        if pending is not None and not pending.done():
            pending.cancel()
            with anyio.CancelScope(shield=True), contextlib.suppress(BaseException):
                await pending
        await _abort(writer)
        raise
    drawing.size, drawing.sha256 = size, digest.hexdigest()
    session.add(drawing)
    try:
        await session.commit()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await session.rollback()
            try:
                await storage.delete(drawing.storage_key)
            except Exception:  # the database's error is the one to report
                logger.exception("could not delete the object of a drawing never recorded")
        raise
    return drawing


def _drawing_id(drawing_id: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(drawing_id, uuid.UUID):
        return drawing_id
    try:
        return uuid.UUID(drawing_id)
    except ValueError:
        return None


async def find_drawing(
    *, session: AsyncSession, user: User, drawing_id: uuid.UUID | str
) -> Drawing:
    """The user's drawing ``drawing_id`` (a UUID, or its text from a URL); else
    :class:`DrawingNotFound`, for someone else's drawing as for one that never existed."""
    wanted = _drawing_id(drawing_id)
    if wanted is None or user.id is None:
        raise DrawingNotFound(str(drawing_id))
    # execute, not exec: the app's sessions are SQLAlchemy's AsyncSession (portal.db).
    found = await session.execute(
        select(Drawing).where(col(Drawing.id) == wanted, col(Drawing.user_id) == user.id)
    )
    drawing: Drawing | None = found.scalars().first()
    if drawing is None:
        raise DrawingNotFound(str(drawing_id))
    return drawing


@dataclass(frozen=True)
class OpenedDrawing:
    """A drawing being read: its row, and its plaintext as an async iterator of pieces."""

    drawing: Drawing
    chunks: AsyncIterator[bytes]


async def open_drawing(
    *,
    session: AsyncSession,
    data_keys: DataKeys,
    storage: DrawingStorage,
    user: User,
    drawing_id: uuid.UUID | str,
) -> OpenedDrawing:
    """The user's drawing, decrypted as it streams from the store.

    :class:`DrawingNotFound` unless the drawing is the user's and its ciphertext is stored
    (checked before this returns, so a route can still answer 404). While the pieces stream,
    :class:`portal.crypto.DecryptionError` means the ciphertext was altered; a cut at a segment
    boundary shows only at the end, after the pieces before it were handed out, so a consumer
    must treat the whole as lost when iteration raises (a download is then broken off).
    ``DataKeyMissing`` (a DecryptionError) means the owner's key was erased.
    """
    drawing = await find_drawing(session=session, user=user, drawing_id=drawing_id)
    return OpenedDrawing(
        drawing, await decrypted(data_keys=data_keys, storage=storage, drawing=drawing)
    )


async def decrypted(
    *, data_keys: DataKeys, storage: DrawingStorage, drawing: Drawing, key: bytes | None = None
) -> AsyncIterator[bytes]:
    """The plaintext of ``drawing``, whoever reads it: the owner (:func:`open_drawing`), the
    geometry reader, staff (who reach it through a quote request, audited), or the owner's copy
    of their data (portal.profile.export, which passes the owner's ``key``, read once for all
    their drawings, instead of once each from the key store).

    The same guarantees as :func:`open_drawing`: :class:`DrawingNotFound` before this returns
    when the ciphertext is gone, a DecryptionError while iterating when it was altered.
    """
    if key is None:
        key = await data_keys.for_user(drawing.user_id, create=False)
    decryptor = StreamDecryptor(key, context=drawing_context(drawing.user_id, drawing.id))
    ciphertext = storage.read(drawing.storage_key)
    try:
        first = await anext(ciphertext, b"")
    except StoredObjectMissing:
        raise DrawingNotFound(str(drawing.id)) from None

    async def plaintext() -> AsyncIterator[bytes]:
        if piece := decryptor.update(first):
            yield piece
        async for sealed in ciphertext:
            if piece := decryptor.update(sealed):
                yield piece
        if piece := decryptor.finalize():
            yield piece

    return plaintext()


async def delete_drawing(
    *, session: AsyncSession, storage: DrawingStorage, user: User, drawing_id: uuid.UUID | str
) -> None:
    """Delete the user's drawing: its ciphertext from the store, then its row; commits.

    :class:`DrawingNotFound` if it is not theirs. The object goes first: should the row's
    deletion fail, deleting again finishes the job, while the other order could leave an
    object that no row names.
    """
    drawing = await find_drawing(session=session, user=user, drawing_id=drawing_id)
    await discard_drawing(session=session, storage=storage, drawing=drawing)


async def discard_drawing(
    *, session: AsyncSession, storage: DrawingStorage, drawing: Drawing
) -> None:
    """Delete ``drawing`` (already known to be the caller's to delete): object, then row; commits."""
    await storage.delete(drawing.storage_key)
    await session.delete(drawing)
    await session.commit()
