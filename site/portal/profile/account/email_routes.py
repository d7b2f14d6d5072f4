"""``/account/email``: change the login email address (policy 5.3; email_change.py says how).

Routes, methods and parameters (each works on the signed-in user alone):
    GET  /account/email                  the address, a pending change, the form; ``?sent=1``,
                                         ``?resent=1``, ``?cancelled=1``, ``?changed=1`` notices
    POST /account/email                  new_email, current_password
    POST /account/email/resend           a fresh link for the pending change
    POST /account/email/cancel           forget the pending change
    GET  /account/email/confirm          ``?token=``: the link in the mail; shows a button only
    POST /account/email/confirm          token (and next, for a visitor signed out meanwhile)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.accounts import throttling
from portal.accounts.models import User
from portal.accounts.responses import client_of
from portal.db import request_session
from portal.forms import entered, field_text
from portal.profile.account import email_change
from portal.profile.account.email_change import Outcome
from portal.profile.account.forms import LoginEmailForm
from portal.urls import url_path
from portal.web import rejected_status, require_user
from portal.web.csrf import read_form
from portal.web.state import app_state, render

PAGE = "profile/account/email.html"
CONFIRM_PAGE = "profile/account/email_confirm.html"
NOTICES = ("sent", "resent", "cancelled", "changed")
# The token is in the address: no caching (as for the other links in mail).
_NO_STORE = {"Cache-Control": "no-store"}
_STATUS = {Outcome.BAD_LINK: 400, Outcome.OTHER_ACCOUNT: 403, Outcome.TAKEN: 409}


def _mode(user: User) -> str:
    """``change``; or, for an account registered through WeChat without a password,
    ``needs_password`` (it has an address: set a password first) or ``needs_request`` (no
    address, so no password either: a correction request adds one after an identity check)."""
    if user.password_hash:
        return "change"
    return "needs_password" if user.email else "needs_request"


def _form(user: User, data: Any = None) -> LoginEmailForm | None:
    if _mode(user) != "change":
        return None
    if data is None:
        return LoginEmailForm(current=user.email)
    return LoginEmailForm.from_form(data, current=user.email)


async def _page(
    request: Request,
    user: User,
    form: LoginEmailForm | None,
    *,
    status_code: int = 200,
    wait: throttling.Decision | None = None,
) -> Response:
    pending = await email_change.pending_change(session=request_session(request), user=user)
    query = request.query_params
    context = {
        "form": form,
        "mode": _mode(user),
        "pending": pending,
        "retry_minutes": wait.minutes if wait else None,
        **{notice: query.get(notice) == "1" for notice in NOTICES},
    }
    response = render(request, PAGE, context, status_code=status_code)
    if wait is not None:
        response.headers["Retry-After"] = str(wait.seconds)
    return response


def _done(notice: str) -> Response:
    return RedirectResponse(f"{url_path('login_email')}?{notice}=1", status_code=303)


@require_user
async def login_email(request: Request, user: User) -> Response:
    """The login address, any change waiting for its link, and the form to change it."""
    return await _page(request, user, _form(user))


@require_user
async def save_login_email(request: Request, user: User) -> Response:
    """Check the form and the password (throttled like logins), then mail the link."""
    form = _form(user, await read_form(request))
    if form is None:
        return await _page(request, user, None, status_code=400)
    if not form.validate():
        return await _page(request, user, form, status_code=rejected_status(request))
    state = app_state(request)
    outcome = await email_change.request_change(
        session=request_session(request),
        user=user,
        new_email=entered(form.new_email),
        password=entered(form.current_password),
        client=client_of(request)[1],
        secret_key=state.settings.secret_key,
        mailer=state.mailer,
    )
    if outcome.sent:
        return _done("sent")
    if outcome.wrong_password:
        form.current_password.errors = [
            field_text(
                i18n.lazy_gettext("This is not your current password. Check it and try again.")
            )
        ]
    if outcome.taken:
        # As registration says it, and no more often (email_change.py).
        form.new_email.errors = [
            field_text(
                i18n.lazy_gettext(
                    "This email address already belongs to another account. Choose another."
                )
            )
        ]
    if outcome.wait:
        wait = throttling.Decision(False, outcome.wait)
        return await _page(request, user, form, status_code=429, wait=wait)
    return await _page(request, user, form, status_code=rejected_status(request))


@require_user(back_to="login_email")
async def resend(request: Request, user: User) -> Response:
    await read_form(request)
    state = app_state(request)
    decision = await email_change.resend(
        session=request_session(request),
        user=user,
        secret_key=state.settings.secret_key,
        mailer=state.mailer,
    )
    if not decision.allowed:
        return await _page(request, user, _form(user), status_code=429, wait=decision)
    return _done("resent")


@require_user(back_to="login_email")
async def cancel(request: Request, user: User) -> Response:
    await read_form(request)
    await email_change.cancel(session=request_session(request), user=user)
    return _done("cancelled")


def _confirm_page(
    request: Request, state: str, token: str, new_email: str, status_code: int
) -> Response:
    here = f"{url_path('confirm_email_change')}?token={quote(token, safe='')}"
    context = {"state": state, "token": token, "new_email": new_email, "here": here}
    return render(request, CONFIRM_PAGE, context, status_code=status_code, headers=_NO_STORE)


@require_user
async def confirm(request: Request, user: User) -> Response:
    """GET: the link shows the new address and a button, and changes nothing (mail scanners
    follow links). POST: the button makes the change, if the link is this account's."""
    if request.method != "POST":
        token = request.query_params.get("token", "")
        change = await email_change.change_for_token(session=request_session(request), token=token)
        if change is None:
            return _confirm_page(request, Outcome.BAD_LINK, token, "", 400)
        if change.user_id != user.id:
            return _confirm_page(request, Outcome.OTHER_ACCOUNT, token, "", 403)
        return _confirm_page(request, "confirm", token, change.new_email, 200)
    sent = (await read_form(request)).get("token")
    token = sent if isinstance(sent, str) else ""
    result = await email_change.confirm_change(
        session=request_session(request),
        user=user,
        token=token,
        keep_session_id=request.scope["login_session"].id,
        mailer=app_state(request).mailer,
    )
    if result.outcome is Outcome.CHANGED:
        return _done("changed")
    return _confirm_page(request, result.outcome, token, result.new_email, _STATUS[result.outcome])


routes = [
    Route("/account/email", login_email, methods=["GET"], name="login_email"),
    Route("/account/email", save_login_email, methods=["POST"], name="save_login_email"),
    Route("/account/email/resend", resend, methods=["POST"], name="resend_email_change"),
    Route("/account/email/cancel", cancel, methods=["POST"], name="cancel_email_change"),
    Route(
        "/account/email/confirm",
        confirm,
        methods=["GET", "POST"],
        name="confirm_email_change",
    ),
]
