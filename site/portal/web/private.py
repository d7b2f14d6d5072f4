"""No cache may keep a page meant for one person: ``Cache-Control: no-store`` on every response
to a signed-in user, on every response that sets the session cookie, and on every page under
``private_prefix`` (the staff console, whose every page but its login reads customers' data).

Every other page varies with the cookies (language, session), so it carries ``Vary: Cookie``.
Static files are left alone: they are the same for everyone and cached for a year.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class PrivateCacheMiddleware:
    """Must wrap the session middleware: the user it puts in ``scope["user"]`` is read when the
    response starts, and the session cookie it sets is seen on the way out."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        session_cookie: str,
        static_prefix: str = "/static/",
        private_prefix: str | None = None,
    ) -> None:
        self.app = app
        self.session_cookie = session_cookie.encode("latin-1") + b"="
        self.static_prefix = static_prefix
        self.private_prefix = private_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.static_prefix):
            await self.app(scope, receive, send)
            return

        path = scope["path"]
        always = self.private_prefix is not None and (
            path == self.private_prefix or path.startswith(self.private_prefix + "/")
        )

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                sets_session = any(
                    name == b"set-cookie" and value.startswith(self.session_cookie)
                    for name, value in message.get("headers", [])
                )
                if always or scope.get("user") is not None or sets_session:
                    headers["Cache-Control"] = "no-store"
                headers.add_vary_header("Cookie")
            await send(message)

        await self.app(scope, receive, send_private)
