"""Finds a signed-in user's standing with the policy, and blocks the site after a material change.

Like django-termsandconditions' middleware: while a material version is in force that the user
has not consented to, every request outside :data:`OPEN_PATHS` is sent to the consent page, which
comes back to where the user was going. The standing is left in ``scope["policy_standing"]`` for
the banner of every page (templates/privacy/_policy_banner.html).

It is server state, so a banner acknowledged on one device is gone on every other. The ledger is
append-only, so "this user has the newest published version on record" stays true until a newer
version is published: only that answer is cached, which spares the query on nearly every request
and is right in every process.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.policy.library import PolicyLibrary
from portal.privacy import services
from portal.privacy.services import UP_TO_DATE, PolicyStanding

#: Never blocked: the policy (with the consent and acknowledgment routes), the cookie page,
#: logging out, the language switch, static files, the health check, the user's own ledger, and
#: the rights pages (``/account/privacy…``, reserved for the rights issue).
OPEN_PATHS = ("/policy", "/cookies", "/logout", "/language", "/healthz", "/account/consents")
OPEN_PREFIXES = ("/static/", "/account/privacy")
_CACHE_LIMIT = 50_000


def is_open(path: str) -> bool:
    """Whether ``path`` stays reachable while the user has a material change to consent to."""
    if path.startswith(OPEN_PREFIXES):
        return True
    return any(path == open_path or path.startswith(open_path + "/") for open_path in OPEN_PATHS)


def consent_url(standing: PolicyStanding, target: str) -> str:
    assert standing.shown is not None
    return f"/policy/{standing.shown.version}/consent?next={quote(target, safe='/')}"


class PolicyGateMiddleware:
    """Puts ``scope["policy_standing"]`` (or ``None``) and blocks until a material consent."""

    def __init__(self, app: ASGIApp, *, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessions = sessions
        # user id -> the newest published version, which that user has on record
        self._up_to_date: dict[int, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        user = scope.get("user")
        library: PolicyLibrary = scope["app"].state.policy
        standing = None
        if user is not None:
            standing = await self.standing(user.id, library)
        scope["policy_standing"] = standing
        if standing is not None and standing.blocking and not is_open(scope["path"]):
            await self._to_consent(scope, standing)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def standing(self, user_id: int, library: PolicyLibrary) -> PolicyStanding:
        if not library.versions:
            return UP_TO_DATE
        newest = library.versions[-1].version
        if self._up_to_date.get(user_id) == newest:
            return UP_TO_DATE
        async with self.sessions() as session:
            standing = await services.policy_standing(session, user_id=user_id, library=library)
        acknowledged = standing.acknowledged
        if standing.shown is None and acknowledged is not None and acknowledged.version == newest:
            if len(self._up_to_date) >= _CACHE_LIMIT:
                self._up_to_date.clear()
            self._up_to_date[user_id] = newest
        return standing

    @staticmethod
    def _to_consent(scope: Scope, standing: PolicyStanding) -> Response:
        target = scope["path"]
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        url = consent_url(standing, target)
        headers = {"Cache-Control": "no-store"}
        if (b"hx-request", b"true") in scope.get("headers", []):
            # htmx would swap the consent page into a fragment: send the whole browser there.
            return Response(status_code=204, headers={**headers, "HX-Redirect": url})
        return RedirectResponse(url, status_code=303, headers=headers)
