"""Policy updates (acknowledge, consent), the user's consent ledger, and the cookie page.

``POST /policy/<version>/acknowledge``  "I have read it" on the banner (htmx, or a plain form)
``/policy/<version>/consent``           explicit consent to a material change ("I agree")
``/account/consents``                   the consents that stand, then the user's own ledger
``/account/consents/<purpose>/withdraw``  GET: what withdrawing does (a page, or the block
                                        ``confirm`` for htmx); POST: withdraw (privacy/withdrawals.py)
``/cookies``                            every cookie the site sets
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.accounts.models import User
from portal.db import request_session, saved_id
from portal.policy.compare import combined_changes
from portal.policy.library import PolicyLibrary, VersionInfo
from portal.privacy import purposes, services, withdrawals
from portal.privacy.cookies import site_cookies
from portal.privacy.services import CONTACT_EMAIL, PolicyStanding
from portal.profile.invoices.pages import channel_of
from portal.urls import url_path
from portal.web import is_htmx, require_user
from portal.web.csrf import read_form
from portal.web.redirects import safe_next
from portal.web.state import app_state, render

CHANNEL = "website"
NO_STORE = {"Cache-Control": "no-store"}


def _library(request: Request) -> PolicyLibrary:
    return app_state(request).policy


def _known_version(request: Request) -> VersionInfo:
    info = _library(request).get(request.path_params["version"])
    if info is None:
        raise HTTPException(status_code=404)
    return info


async def _fresh_standing(request: Request, user: User) -> PolicyStanding:
    return await services.policy_standing(
        session=request_session(request), user_id=saved_id(user), library=_library(request)
    )


async def _record(
    request: Request, service: Callable[..., Awaitable[object]], *, user: User, info: VersionInfo
) -> None:
    """Put ``info`` on the user's record through ``service`` (acknowledge, or consent).

    The service checks that this is the version the user is asked about, and records nothing
    otherwise (a second click, a stale tab).
    """
    await service(
        session=request_session(request),
        user=user,
        version=info.version,
        library=_library(request),
        language=i18n.current_locale(),
        channel=CHANNEL,
    )


@require_user(back_to="home")
async def acknowledge(request: Request, user: User) -> Response:
    """ "I have read it": record it, then the next banner (htmx) or back to the page (303)."""
    form = await read_form(request)
    target = safe_next(form.get("next"))
    info = _known_version(request)
    await _record(request, services.acknowledge_policy, user=user, info=info)
    if not is_htmx(request):
        return RedirectResponse(target, status_code=303)
    # The banner's replacement: nothing, or the next one (an announced version, say).
    request.scope["policy_standing"] = await _fresh_standing(request, user)
    return render(
        request,
        "privacy/_policy_banner.html",
        {"banner_next": target},
        headers={"Cache-Control": "no-store"},
    )


@require_user(back_to="account")
async def consent(request: Request, user: User) -> Response:
    """The page of a material change: what changed, "I agree", or how to leave instead."""
    if request.method == "POST":
        form = await read_form(request)
        target = safe_next(form.get("next"), url_path("account"))
        info = _known_version(request)
        await _record(request, services.consent_to_policy, user=user, info=info)
        return RedirectResponse(target, status_code=303)
    info = _known_version(request)
    target = safe_next(request.query_params.get("next"), url_path("account"))
    standing: PolicyStanding = request.scope.get("policy_standing") or services.UP_TO_DATE
    if standing.shown != info or not standing.needs_consent:
        return RedirectResponse(target, status_code=303)  # nothing (more) to consent to here
    library = _library(request)
    since = standing.acknowledged
    locale = i18n.current_locale()
    changes = None
    if since is not None:
        if library.previous(info) == since:
            changes = library.changes(info.version, locale)
        else:
            settings = app_state(request).settings
            changes = combined_changes(
                app_state(request).templates.env,
                settings.content_dir,
                since.version,
                info.version,
                locale,
            )
    start = library.versions.index(since) + 1 if since else 0
    return render(
        request,
        "privacy/policy_consent.html",
        {
            "info": info,
            "since": since,
            "in_force": standing.pending is not None,
            "steps": library.versions[start : library.versions.index(info) + 1],
            "changes": changes,
            "next": target,
            # Open while the gate blocks the rest: a customer who does not agree can leave.
            "deregister_url": url_path("deregister"),
            "contact_email": CONTACT_EMAIL,
        },
        headers={"Cache-Control": "no-store"},
    )


@require_user
async def consents(request: Request, user: User) -> Response:
    """The consents that stand, each with its "Withdraw"; then every ledger row, newest first."""
    session = request_session(request)
    user_id = saved_id(user)
    entries = await services.ledger(session=session, user_id=user_id)
    in_force = await withdrawals.consents_in_force(
        session=session, user_id=user_id, library=_library(request)
    )
    withdrawn = request.query_params.get("withdrawn", "")
    context = {
        "entries": entries,
        "in_force": in_force,
        # What the page says after a withdrawal (``?withdrawn=<purpose>``); anything else: nothing.
        "withdrawn": purposes.PURPOSES[withdrawn] if withdrawals.can_withdraw(withdrawn) else None,
        "kinds": purposes.KINDS,
        "purposes": purposes.PURPOSES,
        "channels": purposes.CHANNELS,
    }
    return render(request, "privacy/consents.html", context, headers=NO_STORE)


@require_user(back_to="consents")
async def withdraw_consent(request: Request, user: User) -> Response:
    """GET: what withdrawing this consent does, and the button (htmx: the block ``confirm``,
    in the consent's row). POST: withdraw it, then back to the page, which says so.

    The policy consent has no button here: its page explains that withdrawing it means
    deregistering, and links there. A purpose that is not one of the page's: 404.
    """
    purpose = request.path_params["purpose"]
    if purpose != withdrawals.POLICY and not withdrawals.can_withdraw(purpose):
        raise HTTPException(status_code=404)
    session = request_session(request)
    if request.method == "POST":
        await read_form(request)
        if purpose == withdrawals.POLICY:
            return RedirectResponse(url_path("deregister"), status_code=303)
        await withdrawals.withdraw(
            session=session, user=user, purpose=purpose, channel=channel_of(request)
        )
        return RedirectResponse(f"{url_path('consents')}?withdrawn={purpose}", status_code=303)
    in_force = await withdrawals.consents_in_force(
        session=session, user_id=saved_id(user), library=_library(request)
    )
    consent = next((c for c in in_force if c.purpose == purpose), None)
    context = {
        "purpose": purpose,
        "allows": purposes.PURPOSES[purpose],
        "consent": consent,
        "inline": is_htmx(request),
    }
    return render(
        request,
        "privacy/withdraw_consent.html",
        context,
        block="confirm",
        headers=NO_STORE,
    )


async def cookies(request: Request) -> Response:
    return render(request, "privacy/cookies.html", {"cookies": site_cookies()})


routes = [
    Route(
        "/policy/{version:str}/acknowledge",
        acknowledge,
        methods=["POST"],
        name="policy_acknowledge",
    ),
    Route("/policy/{version:str}/consent", consent, methods=["GET", "POST"], name="policy_consent"),
    Route("/account/consents", consents, name="consents"),
    Route(
        "/account/consents/{purpose:str}/withdraw",
        withdraw_consent,
        methods=["GET", "POST"],
        name="withdraw_consent",
    ),
    Route("/cookies", cookies, name="cookies"),
]
