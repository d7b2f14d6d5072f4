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
store and decrypted in the event loop, a piece at a time); the worker pulls each piece from the
loop as zipstream asks for it. Nothing holds more than a batch and a piece or two, however large
the drawings: memory stays flat.

If the copy stops early (the browser went away, or a drawing's ciphertext turned out altered:
``DecryptionError``), the worker finishes the batch in hand, the archive's generator is closed
there, and the drawings being read are closed in the loop; the response ends short of its
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
from portal.drawings.models import Drawing
from portal.drawings.services import decrypted
from portal.drawings.storage import DrawingStorage
from portal.profile.export.services import PersonalDataCopy

logger = logging.getLogger("portal.profile.export")

#: About how much of the archive the worker hands the event loop at a time.
BATCH_BYTES = 1024 * 1024
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
    """The archive of one copy: its length, and its bytes through :meth:`stream` (once)."""

    def __init__(
        self,
        copy: PersonalDataCopy,
        documents: dict[str, bytes],
        *,
        data_keys: DataKeys,
        storage: DrawingStorage,
    ) -> None:
        """``documents`` maps a path in the archive to its bytes (data.json, CSVs, index.html);
        the included drawings of ``copy`` follow them, each at its ``path``."""
        self.data_keys = data_keys
        self.storage = storage
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opened: list[AsyncIterator[bytes]] = []
        self.zip: _Zip = ZipStream(sized=True)
        for path, content in documents.items():
            self.zip.add(content, path)
        for each in copy.drawings:
            if each.included:
                self.zip.add(self._plaintext(each.drawing), each.path, size=each.drawing.size)

    def __len__(self) -> int:
        return len(self.zip)

    async def stream(self) -> AsyncIterator[bytes]:
        """The archive's bytes, in batches of about :data:`BATCH_BYTES`."""
        self._loop = asyncio.get_running_loop()
        pieces: Iterator[bytes] = iter(self.zip)
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-export")
        try:
            while batch := await asyncio.wrap_future(worker.submit(_batch, pieces)):
                yield batch
        except Exception:
            logger.exception("a copy of personal data stopped before its end")
            raise
        finally:
            # One worker: the close runs after any batch still in hand, never beside it.
            closing = worker.submit(_close, pieces)
            worker.shutdown(wait=False)
            with anyio.CancelScope(shield=True):
                await asyncio.wrap_future(closing)
                for chunks in self._opened:
                    if isinstance(chunks, AsyncGenerator):
                        await chunks.aclose()

    # -- in the worker thread --------------------------------------------------------------

    def _plaintext(self, drawing: Drawing) -> Iterator[bytes]:
        """The drawing's plaintext, pulled from the event loop piece by piece."""
        chunks = self._in_loop(
            decrypted(data_keys=self.data_keys, storage=self.storage, drawing=drawing)
        )
        self._opened.append(chunks)
        while (piece := self._in_loop(_next(chunks))) is not None:
            yield piece

    def _in_loop(self, work: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None, "stream() sets the loop before the worker starts"
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(PULL_SECONDS)


async def _next(chunks: AsyncIterator[bytes]) -> bytes | None:
    return await anext(chunks, None)


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
