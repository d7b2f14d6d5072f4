"""Typed access to what ``create_app`` keeps on ``app.state`` (portal/app.py).

Starlette's ``request.app`` and its ``state`` are untyped, so every ``request.app.state.x`` is
``Any`` to the type checker. :class:`AppState` says once what each one is: a route reads
``app_state(request).settings``, and renders with ``render(request, "page.html", ...)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from portal.crypto import DataKeys
    from portal.drawings.storage import DrawingStorage
    from portal.mail.mailer import Mailer
    from portal.policy.library import PolicyLibrary
    from portal.quotes.rates import Pricing
    from portal.settings import Settings
    from portal.templating import Templates

# Called by the language switch with the request and the chosen locale (pages/routes.py).
LanguageHook = Callable[[Request, str], Awaitable[None]]


class AppState(Protocol):
    """What ``create_app`` sets on ``app.state``."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    templates: Templates
    mailer: Mailer  # services queue mail through it (portal/mail/mailer.py)
    policy: PolicyLibrary
    data_keys: DataKeys  # portal.crypto: encryption at rest
    pricing: Pricing  # content/pricing.toml, checked at start-up (portal/quotes/pricing.py)
    drawing_storage: DrawingStorage  # drawings' ciphertext (portal/drawings/storage.py)
    language_hooks: list[LanguageHook]


def app_state(connection: HTTPConnection) -> AppState:
    return cast("AppState", connection.app.state)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render with the app's :class:`~portal.templating.Templates` (see its ``render``)."""
    return app_state(request).templates.render(
        request, name, context, status_code=status_code, block=block, headers=headers
    )
