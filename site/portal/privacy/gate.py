"""Finds a signed-in user's standing with the policy, and blocks the site after a material change.

Like django-termsandconditions' middleware: while a material version is in force that the user
has not consented to, every request outside :data:`OPEN_PATHS` is sent to the consent page, which
comes back to where the user was going. The standing is left in ``scope["policy_standing"]`` for
the banner of every page (templates/privacy/_policy_banner.html).

It is server state, so a banner acknowledged on one device is gone on every other. The
standing is a pure function of the policy versions on the user's record and of the day, and the
ledger is append-only: the session lookup (accounts/sessions.py) brings the id of the user's
newest policy row, and a standing is cached under (that id, the day, the published versions).
A new acknowledgment or consent, in this process or any other, is a new id, so no cached
standing outlives it; nor does one outlive a newly published version.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.db import request_session
from portal.policy.library import PolicyLibrary, today_in_china
from portal.privacy import services
from portal.privacy.services import UP_TO_DATE, PolicyStanding
from portal.urls import url_path
from portal.web import is_htmx

#: Never blocked: the policy (with the consent and acknowledgment routes), the cookie page,
#: logging out, the language switch, static files, the health check, the user's own ledger,
#: the links of subscription mails (nobody must agree to anything to stop receiving mail),
#: confirming one's address, and the rights pages (``/account/privacy…``: what we hold on you,
#: and the rights issue's pages).
OPEN_PATHS = (
    "/policy",
    "/cookies",
    "/logout",
    "/language",
    "/healthz",
    "/account/consents",
    "/subscriptions",
    "/account/subscriptions",
    "/verify-email",
    "/staff",  # the staff console: staff sessions, not customers'
)
OPEN_PREFIXES = ("/static/", "/account/privacy")
#: Policy 5.5: consent is withdrawn by deleting information or changing settings. A customer
#: who does not agree to a change must still be able to do that without agreeing first: see
#: their addresses and invoice details, delete them, and withdraw the consents to the bank account
#: and the resident ID number (adding and editing stay behind the gate).
OPEN_TO_WITHDRAW = re.compile(
    r"/account/(addresses|invoices)"
    r"|/account/addresses/\d+/delete"
    r"|/account/invoices/(corporate|personal)/\d+/delete"
    r"|/account/invoices/(bank-account|resident-id)/withdraw"
)
_CACHE_LIMIT = 50_000


def is_open(path: str) -> bool:
    """Whether ``path`` stays reachable while the user has a material change to consent to."""
    if path.startswith(OPEN_PREFIXES) or OPEN_TO_WITHDRAW.fullmatch(path):
        return True
    return any(path == open_path or path.startswith(open_path + "/") for open_path in OPEN_PATHS)


def consent_url(standing: PolicyStanding, target: str) -> str:
    assert standing.shown is not None
    consent = url_path("policy_consent", version=standing.shown.version)
    return f"{consent}?next={quote(target, safe='/')}"


class PolicyGateMiddleware:
    """Puts ``scope["policy_standing"]`` (or ``None``) and blocks until a material consent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # user id -> (newest policy row id, day, published versions, standing)
        self._cache: dict[int, tuple[int | None, date, PolicyLibrary, PolicyStanding]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        user = scope.get("user")
        library: PolicyLibrary = scope["app"].state.policy
        standing = None
        if user is not None:
            standing = await self.standing(scope, user.id, library)
        scope["policy_standing"] = standing
        if standing is not None and standing.blocking and not is_open(scope["path"]):
            await self._to_consent(scope, standing)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def standing(self, scope: Scope, user_id: int, library: PolicyLibrary) -> PolicyStanding:
        if not library.versions:
            return UP_TO_DATE
        marker, today = scope.get("policy_marker"), today_in_china()
        cached = self._cache.get(user_id)
        if cached is not None and cached[:3] == (marker, today, library):
            return cached[3]
        standing = await services.policy_standing(
            session=request_session(scope), user_id=user_id, library=library, today=today
        )
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[user_id] = (marker, today, library, standing)
        return standing

    @staticmethod
    def _to_consent(scope: Scope, standing: PolicyStanding) -> Response:
        target = scope["path"]
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        url = consent_url(standing, target)
        headers = {"Cache-Control": "no-store"}
        if is_htmx(Request(scope)):
            # htmx would swap the consent page into a fragment: send the whole browser there.
            return Response(status_code=204, headers={**headers, "HX-Redirect": url})
        return RedirectResponse(url, status_code=303, headers=headers)
