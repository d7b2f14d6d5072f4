"""Email subscriptions: the Personal Center's page, and the two public pages its mails link to.

``GET, POST /account/subscriptions``      choose topics (signed in; htmx swaps block
                                          ``subscriptions``)
``GET, POST /subscriptions/confirm``      the confirmation link (``?token=``) shows a button; the
                                          button (``token`` in the form) confirms
``GET, POST /subscriptions/unsubscribe``  the unsubscribe link (``?token=``) shows a button; a
                                          POST unsubscribes, also RFC 8058's one-click POST
                                          without cookies or CSRF token (portal/security.py)

A GET never changes anything (mail scanners follow links). The public pages need no sign-in: the
signed token names the user. A bad or expired token answers 400 with a page saying so.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.accounts.models import User
from portal.db import request_session
from portal.profile.subscriptions import services
from portal.profile.subscriptions.forms import SubscriptionsForm
from portal.profile.subscriptions.tokens import (
    CONFIRM_DAYS,
    LinkExpired,
    read_confirmation,
    read_unsubscription,
)
from portal.urls import url_path
from portal.web import is_htmx, rejected_status, require_user
from portal.web.csrf import ONE_CLICK_SCOPE_KEY, read_form
from portal.web.state import app_state, render

PAGE = "profile/subscriptions/subscriptions.html"
NO_STORE = {"Cache-Control": "no-store"}


@require_user(back_to="subscriptions")
async def subscriptions_page(request: Request, user: User) -> Response:
    """The topics with their state; the form makes the ticked ones the user's subscriptions."""
    form_data = await read_form(request) if request.method == "POST" else None
    assert user.id is not None
    session = request_session(request)
    state = app_state(request)
    context: dict[str, Any] = {
        "requested": request.query_params.get("requested") == "1",
        "saved": request.query_params.get("saved") == "1",
        "no_email": False,
        "days": CONFIRM_DAYS,
    }
    # While a material policy change waits for the customer's decision, this page stays open
    # so that they can unsubscribe (policy 5.5), but it takes no new consent (privacy/gate.py).
    standing = request.scope.get("policy_standing")
    context["unsubscribe_only"] = only = standing is not None and standing.blocking
    status = 200
    if form_data is not None:
        form = SubscriptionsForm.from_form(form_data)
        try:
            choice = await services.choose_topics(
                session=session,
                user=user,
                topics=form.chosen_topics(),
                may_subscribe=not only,
                mailer=state.mailer,
                language=i18n.current_locale(),
            )
        except services.NoEmailAddress:
            context["no_email"] = True
            status = rejected_status(request)
        else:
            flag = "requested" if choice.requested else "saved"
            if not is_htmx(request):
                return RedirectResponse(f"{url_path('subscriptions')}?{flag}=1", status_code=303)
            context[flag] = True
    context["states"] = await services.topic_states(session=session, user_id=user.id)
    return state.templates.render(
        request, PAGE, context, status_code=status, block="subscriptions", headers=NO_STORE
    )


def _bad_link(request: Request, *, expired: bool, kind: str) -> Response:
    return render(
        request,
        "profile/subscriptions/bad_link.html",
        {"expired": expired, "kind": kind, "days": CONFIRM_DAYS},
        status_code=400,
        headers=NO_STORE,
    )


async def confirm(request: Request) -> Response:
    """GET: what the link confirms, and the button. POST: confirm, then back to the GET."""
    form_data = await read_form(request) if request.method == "POST" else None
    token = form_data.get("token") if form_data is not None else request.query_params.get("token")
    if not isinstance(token, str):
        return _bad_link(request, expired=False, kind="confirm")
    try:
        confirmation = read_confirmation(app_state(request).settings.secret_key, token)
    except LinkExpired:
        return _bad_link(request, expired=True, kind="confirm")
    if confirmation is None:
        return _bad_link(request, expired=False, kind="confirm")
    session = request_session(request)
    if form_data is not None:
        await services.confirm_topics(
            session=session,
            confirmation=confirmation,
            language=i18n.current_locale(),
            secret_key=app_state(request).settings.secret_key,
        )
        return RedirectResponse(
            f"{url_path('confirm_subscription')}?token={quote(token, safe='')}", status_code=303
        )
    states = await services.confirmation_states(session=session, confirmation=confirmation)
    return render(
        request,
        "profile/subscriptions/confirm.html",
        {"states": states, "token": token},
        headers=NO_STORE,
    )


async def unsubscribe(request: Request) -> Response:
    """GET: what the link unsubscribes from, and the button. POST: unsubscribe (idempotent)."""
    form_data = await read_form(request) if request.method == "POST" else None
    token = request.query_params.get("token")
    unsubscription = None
    if token is not None:
        unsubscription = read_unsubscription(app_state(request).settings.secret_key, token)
    if token is None or unsubscription is None:
        return _bad_link(request, expired=False, kind="unsubscribe")
    session = request_session(request)
    if form_data is not None:
        await services.unsubscribe(
            session=session, unsubscription=unsubscription, language=i18n.current_locale()
        )
        if not request.scope.get(ONE_CLICK_SCOPE_KEY):
            return RedirectResponse(
                f"{url_path('unsubscribe')}?token={quote(token, safe='')}", status_code=303
            )
        # A mail provider's one-click POST: a plain 200, no redirect to follow.
    states = await services.unsubscription_states(session=session, unsubscription=unsubscription)
    return render(
        request,
        "profile/subscriptions/unsubscribe.html",
        {"states": states, "token": token},
        headers=NO_STORE,
    )


routes = [
    Route(
        "/account/subscriptions", subscriptions_page, methods=["GET", "POST"], name="subscriptions"
    ),
    Route("/subscriptions/confirm", confirm, methods=["GET", "POST"], name="confirm_subscription"),
    Route("/subscriptions/unsubscribe", unsubscribe, methods=["GET", "POST"], name="unsubscribe"),
]
