"""A cap on the size of every request body, enforced before anything reads or parses it.

Every route gets ``max_body`` bytes (a form is a few kilobytes); a route that takes uploads
opts into ``max_upload`` by being an :class:`UploadRoute`. A body whose ``Content-Length`` is too
large is refused at once, unread; a body without one (chunked) is counted as it streams, and
reading stops at the chunk that crosses the limit, so nothing beyond it is ever buffered or
spooled. Either way the answer is the styled 413 page.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Iterator

from starlette.routing import BaseRoute, Mount, Route, Router, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class UploadRoute(Route):
    """A route that takes file uploads: its bodies may be as large as ``max_upload``."""


#: ``scope[TOO_LARGE_SCOPE_KEY]`` is true once a streamed body crossed its limit: whatever the
#: app then answers (or raises, as the client seems gone) is replaced by the 413 page.
TOO_LARGE_SCOPE_KEY = "portal.body_too_large"


def upload_paths(routes: Iterable[BaseRoute], prefix: str = "") -> list[str]:
    """The path patterns (Starlette syntax) of every :class:`UploadRoute`, mounts included."""
    return list(_upload_paths(routes, prefix))


def _upload_paths(routes: Iterable[BaseRoute], prefix: str) -> Iterator[str]:
    for route in routes:
        if isinstance(route, UploadRoute):
            yield prefix + route.path
        elif isinstance(route, Mount) and isinstance(route.app, Router):
            yield from _upload_paths(route.routes, prefix + route.path)


async def _plain_413(scope: Scope, receive: Receive, send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": b"Request body too large"})


class BodyLimitMiddleware:
    """Answers 413 to a request whose body is larger than its route allows (module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        max_upload: int,
        upload_paths: Iterable[str] = (),
        on_too_large: Callable[[Scope, Receive, Send], Awaitable[None]] = _plain_413,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.uploads: list[re.Pattern[str]] = [compile_path(path)[0] for path in upload_paths]
        self.on_too_large = on_too_large

    def limit_for(self, path: str) -> int:
        if any(pattern.match(path) for pattern in self.uploads):
            return self.max_upload
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self.on_too_large(scope, _nothing_more, send)
            return

        received = 0
        started = False
        too_large = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Read no further: to the app the client is gone, and its answer is dropped.
                    too_large = True
                    scope[TOO_LARGE_SCOPE_KEY] = True
                    return {"type": "http.disconnect"}
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except Exception:
            if not too_large or started:
                raise
        if too_large and not started:
            await self.on_too_large(scope, _nothing_more, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _nothing_more() -> Message:
    """What a 413 answer reads of the body: nothing (the server drops the connection after)."""
    return {"type": "http.disconnect"}
