"""Receiving a quote request's body: text fields kept, drawings encrypted into the store as
they stream in, each checked by its content when it has arrived.

Per drawing, in order, the first that applies refuses it (nothing of it is kept, and the form
says why, by file name, beside the file box):

- more than ``max_drawings`` in the request, counting those kept from an earlier try;
- a file name that is no name (a path, control characters, too long);
- more than ``max_drawing_bytes``: reading stops at the limit (the rest of the part is skipped,
  unstored, up to the body's own cap) and what was written is removed;
- empty, or a content that is none of the accepted formats (``portal.drawings.formats.sniff``
  on its first bytes and its size: the name is never trusted, so an .exe called .step is
  refused and a STEP called .txt accepted);
- a ZIP (an archive of drawings, or a 3MF) that the geometry worker, a separate limited process,
  refuses: a bomb, an unsafe member path, a nested archive, a member of no accepted format, a
  3MF without its model. This check runs before the page answers, because what it refuses is a
  hazard rather than a drawing staff could still open. Anything else the reading finds (a STEP
  that OpenCascade cannot read) is shown on the request's page, and the drawing kept for staff.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from portal import i18n
from portal.accounts.models import User
from portal.crypto import DataKeys
from portal.drawings.formats import HEAD_SIZE, Format, sniff
from portal.drawings.geometry import GeometryError, GeometryLimits, measure_async
from portal.drawings.models import Drawing
from portal.drawings.services import (
    DrawingTooLarge,
    InvalidFilename,
    decrypted,
    discard_drawing,
    store_drawing,
)
from portal.drawings.storage import DrawingStorage
from portal.quotes.messages import file_problem
from portal.web.uploads import FilePart, TextPart, multipart_parts

logger = logging.getLogger("portal.quotes")

#: The file box's name in the form; ``drawing`` (singular) names drawings kept from a try.
FILE_FIELD = "drawings"
KEPT_FIELD = "drawing"


@dataclass
class Received:
    """What a request's body brought: its text fields, the drawings stored, what was refused."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    stored: list[Drawing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def kept_ids(self) -> list[str]:
        return [value for name, value in self.fields if name == KEPT_FIELD]


@dataclass(frozen=True)
class UploadLimits:
    max_drawing_bytes: int
    max_drawings: int
    geometry: GeometryLimits


class _Head:
    """Passes the pieces on, keeping the first :data:`HEAD_SIZE` bytes for :func:`sniff`."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self.chunks = chunks
        self.head = b""
        self.size = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.chunks:
            if len(self.head) < HEAD_SIZE:
                self.head += chunk[: HEAD_SIZE - len(self.head)]
            self.size += len(chunk)
            yield chunk


async def receive(
    request: Request,
    *,
    session: AsyncSession,
    user: User,
    data_keys: DataKeys,
    storage: DrawingStorage,
    limits: UploadLimits,
    already: int,
) -> Received:
    """Read the whole body; ``already`` counts drawings kept from an earlier try.

    Raises :class:`portal.web.uploads.UploadRefused` for a body that is not a well-formed form,
    and :class:`portal.web.csrf.CSRFError` for a file sent before a valid token. Drawings stored
    before such an error are removed again.
    """
    received = Received()
    token = None if request.scope.get("csrf_verified") else request.scope.get("csrf_token", "")
    try:
        async for part in multipart_parts(request, csrf_token=token):
            if isinstance(part, TextPart):
                received.fields.append((part.name, part.value.replace("\x00", "")))
            elif part.name == FILE_FIELD:
                await _receive_file(
                    part, received, session, user, data_keys, storage, limits, already
                )
    except BaseException:
        for drawing in received.stored:
            await discard_drawing(session=session, storage=storage, drawing=drawing)
        raise
    return received


async def _receive_file(
    part: FilePart,
    received: Received,
    session: AsyncSession,
    user: User,
    data_keys: DataKeys,
    storage: DrawingStorage,
    limits: UploadLimits,
    already: int,
) -> None:
    name = part.filename
    if not name.strip():
        return  # the browser's part for a file box left empty
    if already + len(received.stored) >= limits.max_drawings:
        received.problems.append(file_problem("too_many", name, limits=limits))
        return
    head = _Head(part.chunks)
    try:
        drawing = await store_drawing(
            session=session,
            data_keys=data_keys,
            storage=storage,
            user=user,
            filename=name,
            chunks=aiter(head),
            limit=limits.max_drawing_bytes,
        )
    except InvalidFilename as error:
        received.problems.append(file_problem(f"filename_{error.reason}", name, limits=limits))
        return
    except DrawingTooLarge:
        received.problems.append(file_problem("too_large", name, limits=limits))
        return
    found = sniff(head.head, head.size)
    if found is None:
        await discard_drawing(session=session, storage=storage, drawing=drawing)
        code = "empty" if head.size == 0 else "unknown_format"
        received.problems.append(file_problem(code, name, limits=limits))
        return
    if found is Format.ZIP:
        try:
            report = await measure_async(
                await decrypted(data_keys=data_keys, storage=storage, drawing=drawing),
                limits.geometry,
            )
        except GeometryError as error:
            logger.info("refused the archive %s: %s", drawing.id, error)
            await discard_drawing(session=session, storage=storage, drawing=drawing)
            received.problems.append(file_problem(error.code, name, limits=limits))
            return
        found = report.format
    drawing.format = found.value
    session.add(drawing)
    await session.commit()
    received.stored.append(drawing)


def limits_note(limits: UploadLimits) -> str:
    """The limits as the page states them, in the reader's language."""
    return i18n.gettext(
        "Up to %(count)s files, each at most %(size)s.",
        count=limits.max_drawings,
        size=i18n.format_size(limits.max_drawing_bytes),
    )
