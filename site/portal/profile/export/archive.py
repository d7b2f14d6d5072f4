"""The copy as a ZIP archive, streamed: zipstream-ng, fed by a worker thread of its own.

zipstream-ng builds the archive as it is read and knows its length before the first byte (every
member's size is known: the documents are made first, and a drawing's plaintext size is on its
row), so the response has a ``Content-Length``, the browser shows progress, and a copy cut short
is seen to be incomplete. Members are stored, not compressed: drawings are mostly compressed
already, and deflating a gigabyte would cost more time than the bytes it saves on loopback or a
LAN; the documents are small.

zipstream-ng is synchronous, so the archive is generated in one worker thread per copy, a batch
of about :data:`BATCH_BYTES` at a time, while the event loop sends the previous batch. A
drawing's plaintext is an async iterator (``portal.drawings.services.decrypted``: read from the
store and decrypted in the event loop, a piece at a time). A task in the loop reads the drawings
in turn, at most :data:`PIECES_AHEAD` pieces ahead of the worker (so opening the next file and
decrypting overlap zipping and sending), and the worker takes each piece from it as zipstream
asks for it. Nothing holds more than a batch and the pieces ahead, however large the drawings:
memory stays flat.

If the copy stops early (the browser went away, or a drawing's ciphertext turned out altered:
``DecryptionError``), the reading task stops and leaves the worker the reason, the worker ends
the batch in hand, and the archive's generator is closed there; the response ends short of its
``Content-Length``, which the browser reports as a failed download.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import anyio
from zipstream import ZipStream

from portal.crypto import DataKeys
from portal.drawings.services import decrypted
from portal.drawings.storage import DrawingStorage
from portal.profile.export.services import PersonalDataCopy

logger = logging.getLogger("portal.profile.export")

#: About how much of the archive the worker hands the event loop at a time.
BATCH_BYTES = 1024 * 1024
#: How many pieces of plaintext (a mebibyte or so each) the loop reads ahead of the worker.
PIECES_AHEAD = 8
#: How long the worker waits for the event loop to hand it a drawing's next piece (it only
#: waits this long when the loop is gone: the server is shutting down).
PULL_SECONDS = 300.0

T = TypeVar("T")


class _Zip(Protocol):
    """What the archive uses of ``zipstream.ZipStream`` (zipstream-ng ships no types)."""

    def add(self, data: bytes | Iterator[bytes], arcname: str, *, size: int | None = None) -> None:
        """Queue a member: bytes, or an iterable of ``size`` bytes read when it is streamed."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[bytes]: ...


class CopyArchive:
    """The archive of one copy: its length, and its bytes through :meth:`stream` (once).

    Made by :meth:`create`, which reads the owner's data key once for all their drawings.
    """

    @classmethod
    async def create(
        cls,
        copy: PersonalDataCopy,
        documents: dict[str, bytes],
        *,
        data_keys: DataKeys,
        storage: DrawingStorage,
    ) -> CopyArchive:
        """``documents`` maps a path in the archive to its bytes (data.json, CSVs, index.html);
        the included drawings of ``copy`` follow them, each at its ``path``."""
        key = None
        if any(each.included for each in copy.drawings):
            assert copy.user.id is not None
            key = await data_keys.for_user(copy.user.id, create=False)
        return cls(copy, documents, data_keys=data_keys, storage=storage, key=key)

    def __init__(
        self,
        copy: PersonalDataCopy,
        documents: dict[str, bytes],
        *,
        data_keys: DataKeys,
        storage: DrawingStorage,
        key: bytes | None,
    ) -> None:
        self.data_keys = data_keys
        self.storage = storage
        self._key = key
        self._drawings = [each.drawing for each in copy.drawings if each.included]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ahead: asyncio.Queue[bytes | BaseException | None] | None = None
        self.zip: _Zip = ZipStream(sized=True)
        for path, content in documents.items():
            self.zip.add(content, path)
        for each in copy.drawings:
            if each.included:
                self.zip.add(self._plaintext(), each.path, size=each.drawing.size)

    def __len__(self) -> int:
        return len(self.zip)

    async def stream(self) -> AsyncIterator[bytes]:
        """The archive's bytes, in batches of about :data:`BATCH_BYTES`."""
        self._loop = asyncio.get_running_loop()
        self._ahead = asyncio.Queue(maxsize=PIECES_AHEAD)
        reader = asyncio.create_task(self._read_ahead(self._ahead))
        pieces: Iterator[bytes] = iter(self.zip)
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-export")
        try:
            while batch := await asyncio.wrap_future(worker.submit(_batch, pieces)):
                yield batch
        except Exception:
            logger.exception("a copy of personal data stopped before its end")
            raise
        finally:
            # A reader stopped early leaves the worker its reason in the queue (_read_ahead),
            # so a batch still in hand ends; with one worker, the close runs after it.
            reader.cancel()
            with anyio.CancelScope(shield=True):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
                closing = worker.submit(_close, pieces)
                worker.shutdown(wait=False)
                await asyncio.wrap_future(closing)

    async def _read_ahead(self, queue: asyncio.Queue[bytes | BaseException | None]) -> None:
        """In the loop: each drawing's plaintext in turn, then ``None``, while the worker zips
        what came before; at most :data:`PIECES_AHEAD` pieces wait in ``queue``."""
        try:
            for drawing in self._drawings:
                chunks = await decrypted(
                    data_keys=self.data_keys, storage=self.storage, drawing=drawing, key=self._key
                )
                async with contextlib.aclosing(_generator(chunks)) as pieces:
                    async for piece in pieces:
                        await queue.put(piece)
                await queue.put(None)
        except BaseException as error:  # the worker raises it in its thread (see _plaintext)
            _drain(queue)
            queue.put_nowait(error if isinstance(error, Exception) else StreamStopped())
            raise

    # -- in the worker thread --------------------------------------------------------------

    def _plaintext(self) -> Iterator[bytes]:
        """The next drawing's plaintext, as :meth:`_read_ahead` hands it over."""
        while (piece := self._in_loop(self._next_piece())) is not None:
            yield piece

    async def _next_piece(self) -> bytes | None:
        assert self._ahead is not None
        piece = await self._ahead.get()
        if isinstance(piece, BaseException):
            self._ahead.put_nowait(piece)  # for whoever asks next, too
            raise piece
        return piece

    def _in_loop(self, work: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None, "stream() sets the loop before the worker starts"
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(PULL_SECONDS)


class StreamStopped(Exception):
    """The copy's stream was stopped (the browser went away) while a drawing was being read."""


async def _generator(chunks: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
    async for piece in chunks:
        yield piece


def _drain(queue: asyncio.Queue[Any]) -> None:
    while not queue.empty():
        queue.get_nowait()


def _batch(pieces: Iterator[bytes]) -> bytes:
    """The archive's next :data:`BATCH_BYTES` or so; empty at its end."""
    batch: list[bytes] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= BATCH_BYTES:
            break
    return batch[0] if len(batch) == 1 else b"".join(batch)


def _close(pieces: Iterator[bytes]) -> None:
    if isinstance(pieces, Generator):
        with contextlib.suppress(Exception):
            pieces.close()
