"""Gzip for large responses, without hiding the template a test asserts on.

Starlette's ``GZipMiddleware`` drops the ``http.response.debug`` message that ``TemplateResponse``
sends when the server offers that extension, so ``response.template`` and ``response.context``
were missing from every response the ``TestClient`` saw. Only the test client offers the
extension (uvicorn does not), so production requests take the plain path.
"""

from __future__ import annotations

import copy

from starlette.middleware.gzip import GZipMiddleware as _GZipMiddleware
from starlette.types import Message, Receive, Scope, Send

DEBUG_EXTENSION = "http.response.debug"


class GZipMiddleware(_GZipMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or DEBUG_EXTENSION not in scope.get("extensions", {}):
            await super().__call__(scope, receive, send)
            return
        inner = self.app

        async def forward_debug(scope: Scope, receive: Receive, inner_send: Send) -> None:
            async def send_around_compression(message: Message) -> None:
                if message["type"] == DEBUG_EXTENSION:
                    await send(message)
                else:
                    await inner_send(message)

            await inner(scope, receive, send_around_compression)

        # A per-request copy: ``self.app`` is shared by concurrent requests.
        this_request = copy.copy(self)
        this_request.app = forward_debug
        await _GZipMiddleware.__call__(this_request, scope, receive, send)
