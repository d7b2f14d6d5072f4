"""``HEAD`` is answered exactly as ``GET``, without the body.

Starlette lets ``HEAD`` into every route that takes ``GET``, and a route that takes GET and POST
branches on ``request.method``: a ``HEAD`` fell into the POST branch there (a confirmed delete)
while the CSRF middleware had let it through as a safe method. The app now only ever sees
``GET``; the server still knows the request was ``HEAD`` and the headers, ``Content-Length``
included, are those of the ``GET``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # A copy: the server's own scope must keep saying HEAD.
        await self.app({**scope, "method": "GET"}, receive, without_body)
