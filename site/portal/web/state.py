"""Typed access to what ``create_app`` keeps on ``app.state`` (portal/app.py).

Starlette's ``request.app`` and its ``state`` are untyped, so every ``request.app.state.x`` is
``Any`` to the type checker: these functions say what each one is, in one place. A route reads
``state.settings(request).production`` and renders with ``state.render(request, "page.html")``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from portal.crypto import DataKeys
    from portal.mail.mailer import Mailer
    from portal.policy.library import PolicyLibrary
    from portal.settings import Settings
    from portal.templating import Templates

# Called by the language switch with the request and the chosen locale (pages/routes.py).
LanguageHook = Callable[[Request, str], Awaitable[None]]


def settings(connection: HTTPConnection) -> Settings:
    return cast("Settings", connection.app.state.settings)


def templates(connection: HTTPConnection) -> Templates:
    return cast("Templates", connection.app.state.templates)


def mailer(connection: HTTPConnection) -> Mailer:
    return cast("Mailer", connection.app.state.mailer)


def policy(connection: HTTPConnection) -> PolicyLibrary:
    return cast("PolicyLibrary", connection.app.state.policy)


def data_keys(connection: HTTPConnection) -> DataKeys:
    return cast("DataKeys", connection.app.state.data_keys)


def engine(connection: HTTPConnection) -> AsyncEngine:
    return cast("AsyncEngine", connection.app.state.engine)


def sessions(connection: HTTPConnection) -> async_sessionmaker[AsyncSession]:
    return cast("async_sessionmaker[AsyncSession]", connection.app.state.sessions)


def language_hooks(connection: HTTPConnection) -> list[LanguageHook]:
    return cast("list[LanguageHook]", connection.app.state.language_hooks)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The app's :meth:`Templates.render <portal.templating.Templates.render>`."""
    return templates(request).render(
        request, name, context, status_code=status_code, block=block, headers=headers
    )
