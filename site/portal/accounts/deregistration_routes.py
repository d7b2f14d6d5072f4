"""Deregistration (policy 5.6): the customer deletes their own account.

Routes, methods and parameters:
    GET  /account/privacy/deregister        what is deleted, what the law keeps, and the form
    POST /account/privacy/deregister        password (or confirmation_phrase), confirm
    GET  /account/privacy/deregistered      "Your account has been deleted" (signed out)

Under ``/account/privacy``, so the material-change gate never stands in the way: a customer who
does not agree to a new policy can always leave (privacy/gate.py).

An account without a password (registered through WeChat) cannot type one again. It types the
confirmation phrase instead, which makes the step as deliberate, and must have signed in within
``deregistration.RECENT_SIGN_IN``: WeChat checked who they are then, which is what typing the
password proves for everyone else (someone at a computer left signed in cannot do it).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.accounts import deregistration, throttling
from portal.accounts.devices import DEVICE_COOKIE
from portal.accounts.forms import CONFIRMATION_PHRASE, DeregistrationForm
from portal.accounts.models import User
from portal.accounts.reauthentication import check_password
from portal.accounts.responses import too_many
from portal.accounts.sessions import SESSION_COOKIE
from portal.db import request_session
from portal.forms import field_text
from portal.policy.library import today_in_china
from portal.privacy.services import CONTACT_EMAIL
from portal.rights.labels import KIND_NAMES
from portal.rights.services import list_requests
from portal.urls import url_path
from portal.web import rejected_status, require_user
from portal.web.csrf import read_form, rotate_csrf_cookie
from portal.web.state import app_state, render

PAGE = "accounts/deregister.html"
DONE = "accounts/deregistered.html"


def _form(user: User, data: Any = None) -> DeregistrationForm:
    needs_password = user.password_hash is not None
    if data is None:
        return DeregistrationForm(needs_password=needs_password)
    return DeregistrationForm.from_form(data, needs_password=needs_password)


async def _context(request: Request, user: User, form: DeregistrationForm) -> dict[str, Any]:
    return {
        "form": form,
        "phrase": CONFIRMATION_PHRASE,
        "recent_minutes": int(deregistration.RECENT_SIGN_IN.total_seconds() // 60),
        "signed_in_recently": deregistration.signed_in_recently(request.scope["login_session"]),
        "orders_kept": await deregistration.orders_kept(
            session=request_session(request), user=user
        ),
        "kept_until": deregistration.retained_until(today_in_china()),
        "open_requests": [
            found for found in await list_requests(request_session(request), user) if found.is_open
        ],
        "years": deregistration.ORDER_RETENTION_YEARS,
        "kinds": KIND_NAMES,
        "contact_email": CONTACT_EMAIL,
    }


@require_user
async def deregister_page(request: Request, user: User) -> Response:
    """What deregistering deletes and keeps, and the form."""
    return render(request, PAGE, await _context(request, user, _form(user)))


@require_user(back_to="deregister")
async def deregister(request: Request, user: User) -> Response:
    """Check the form and the password; delete the account, sign this browser out, say so."""
    form = _form(user, await read_form(request))
    valid = form.validate()
    state = app_state(request)
    session = request_session(request)
    if form.needs_password and not form.password.errors:
        # Checked even when the box is not ticked, so that every error shows in one pass.
        check = await check_password(
            session=session,
            user=user,
            password=form.password.data or "",
            secret_key=state.settings.secret_key,
        )
        if not check.ok and not check.wrong:  # too many tries: wait
            context = await _context(request, user, form)
            return too_many(request, PAGE, context, throttling.Decision(False, check.wait))
        if check.wrong:
            message = i18n.lazy_gettext("This is not your password. Check it and try again.")
            form.password.errors = [field_text(message)]
            valid = False
    elif not form.needs_password and not deregistration.signed_in_recently(
        request.scope["login_session"]
    ):
        valid = False  # the page says to sign in again first
    if not valid:
        context = await _context(request, user, form)
        return render(request, PAGE, context, status_code=rejected_status(request))
    await deregistration.delete_account(
        session=session,
        user=user,
        data_keys=state.data_keys,
        storage=state.drawing_storage,
        reason=deregistration.Reason.DEREGISTERED,
        mailer=state.mailer,
        language=i18n.current_locale(),
    )
    rotate_csrf_cookie(request)  # the signed-in pages' tokens end with the account
    response = RedirectResponse(url_path("deregistered"), status_code=303)
    secure = state.settings.production
    for cookie in (SESSION_COOKIE, DEVICE_COOKIE):
        response.delete_cookie(cookie, httponly=True, samesite="lax", secure=secure)
    return response


async def deregistered(request: Request) -> Response:
    """Done: the account is gone and this browser is signed out. Anyone may open it."""
    context = {
        "years": deregistration.ORDER_RETENTION_YEARS,
        "contact_email": CONTACT_EMAIL,
    }
    return render(request, DONE, context)


routes = [
    Route("/account/privacy/deregister", deregister_page, methods=["GET"], name="deregister"),
    Route(
        "/account/privacy/deregister",
        deregister,
        methods=["POST"],
        name="deregister_account",
    ),
    Route("/account/privacy/deregistered", deregistered, methods=["GET"], name="deregistered"),
]
