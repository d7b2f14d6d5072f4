"""A multipart body read as it arrives: text fields whole, files as a stream of pieces.

Starlette's ``request.form()`` spools every file to a temporary file before the route sees it;
a drawing's plaintext must never touch a disk, so the routes that take drawings read their body
with :func:`multipart_parts` instead. It yields, in the order the browser sent them:

- :class:`TextPart` for a text field (decoded as strict UTF-8, at most ``max_field_bytes``);
- :class:`FilePart` for a file, whose ``chunks`` the route consumes (encrypting each piece as it
  comes: ``portal.drawings.services.store_drawing``) before asking for the next part. Pieces a
  route does not read are skipped.

A body that is not well-formed multipart, has too many parts, or a field that is too long or not
UTF-8 raises :class:`UploadRefused` (the route answers 400). The body's size is capped before
this sees it (``portal.web.limits``: upload routes are ``UploadRoute``\\ s).

CSRF: the middleware has verified the ``X-CSRF-Token`` header of htmx requests. For a plain form
the token is a field, and :func:`multipart_parts` with ``csrf_token`` set refuses
(:class:`portal.web.csrf.CSRFError`) a file part that arrives before a valid token: forms put the
hidden ``csrf_token`` first, and browsers send fields in document order, so no file of a forged
request is ever read.
"""

from __future__ import annotations

import collections
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from portal.web.csrf import CSRF_FIELD, CSRFError


class UploadRefused(Exception):
    """The body is not a multipart form this route can read (the route answers 400)."""


@dataclass(frozen=True)
class TextPart:
    name: str
    value: str


@dataclass
class FilePart:
    name: str
    filename: str
    chunks: AsyncIterator[bytes]


@dataclass(frozen=True)
class _FileStart:
    name: str
    filename: str


@dataclass(frozen=True)
class _FileEnd:
    pass


_Event = TextPart | _FileStart | bytes | _FileEnd


class _Callbacks:
    """python-multipart's callbacks, turned into a queue of events the generator hands out."""

    def __init__(self, max_field_bytes: int, max_parts: int) -> None:
        self.events: collections.deque[_Event] = collections.deque()
        self.max_field_bytes = max_field_bytes
        self.max_parts = max_parts
        self.parts = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._is_file = False
        self._field = bytearray()

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > self.max_parts:
            raise UploadRefused("too many parts")
        self._disposition, self._field = b"", bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise UploadRefused("a part without a name")
        self._name = _text(options[b"name"])
        self._is_file = b"filename" in options
        if self._is_file:
            self.events.append(_FileStart(self._name, _text(options[b"filename"])))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            self.events.append(bytes(data[start:end]))
            return
        self._field += data[start:end]
        if len(self._field) > self.max_field_bytes:
            raise UploadRefused("a field is too long")

    def on_part_end(self) -> None:
        if self._is_file:
            self.events.append(_FileEnd())
        else:
            self.events.append(TextPart(self._name, _text(bytes(self._field))))


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadRefused("text that is not UTF-8") from None


async def _events(request: Request, callbacks: _Callbacks) -> AsyncIterator[_Event]:
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise UploadRefused("not a multipart form")
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": callbacks.on_part_begin,
            "on_part_data": callbacks.on_part_data,
            "on_part_end": callbacks.on_part_end,
            "on_header_field": callbacks.on_header_field,
            "on_header_value": callbacks.on_header_value,
            "on_header_end": callbacks.on_header_end,
            "on_headers_finished": callbacks.on_headers_finished,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            while callbacks.events:
                yield callbacks.events.popleft()
        parser.finalize()
    except FormParserError as error:
        raise UploadRefused("not well-formed multipart") from error
    while callbacks.events:
        yield callbacks.events.popleft()


async def multipart_parts(
    request: Request,
    *,
    csrf_token: str | None,
    max_parts: int = 100,
    max_field_bytes: int = 64 * 1024,
) -> AsyncIterator[TextPart | FilePart]:
    """The parts of the request's multipart body, in order (see the module's docstring).

    ``csrf_token`` is the token a ``csrf_token`` field must carry before the first file, or
    None when the middleware already verified the request (``scope["csrf_verified"]``).
    """
    callbacks = _Callbacks(max_field_bytes, max_parts)
    events = _events(request, callbacks)
    verified = csrf_token is None
    async for event in events:
        if isinstance(event, TextPart):
            if not verified and event.name == CSRF_FIELD and csrf_token is not None:
                if not hmac.compare_digest(event.value.encode(), csrf_token.encode()):
                    raise CSRFError
                verified = True
            yield event
        elif isinstance(event, _FileStart):
            if not verified:
                raise CSRFError
            finished = False

            async def chunks() -> AsyncIterator[bytes]:
                nonlocal finished
                async for piece in events:
                    if isinstance(piece, _FileEnd):
                        finished = True
                        return
                    if isinstance(piece, bytes):
                        yield piece
                raise UploadRefused("the body ended inside a file")

            part = FilePart(event.name, event.filename, chunks())
            yield part
            if not finished:  # the route did not read it (or stopped early): skip the rest
                async for _ in part.chunks:
                    pass
    if not verified:
        raise CSRFError
