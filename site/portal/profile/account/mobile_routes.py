"""``/account/mobile``: change or remove the mobile number (policy 5.3; mobile.py says how).

Routes, methods and parameters (each works on the signed-in user alone):
    GET  /account/mobile                 the number and the form; ``?saved=1`` / ``?removed=1``
    POST /account/mobile                 phone (empty: remove it), current_password
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.accounts import throttling
from portal.accounts.models import User
from portal.db import request_session
from portal.forms import display_phone, entered, field_text
from portal.profile.account import mobile
from portal.profile.account.forms import MobileForm
from portal.urls import url_path
from portal.web import rejected_status, require_user
from portal.web.csrf import read_form
from portal.web.state import app_state, render

PAGE = "profile/account/mobile.html"


def _mode(user: User) -> str:
    """``change``; ``needs_password`` or ``needs_request`` for a WeChat account without a
    password (as on /account/email: the password is what confirms the change)."""
    if user.password_hash:
        return "change"
    return "needs_password" if user.email else "needs_request"


def _form(user: User, data: Any = None) -> MobileForm | None:
    if _mode(user) != "change":
        return None
    options: dict[str, Any] = {"current": user.phone, "can_remove": bool(user.email)}
    if data is None:
        return MobileForm(data={"phone": display_phone(user.phone)}, **options)
    return MobileForm.from_form(data, **options)


def _page(
    request: Request,
    user: User,
    form: MobileForm | None,
    *,
    status_code: int = 200,
    wait: throttling.Decision | None = None,
) -> Response:
    query = request.query_params
    context = {
        "form": form,
        "mode": _mode(user),
        "phone": display_phone(user.phone),
        "can_remove": bool(user.email),
        "saved": query.get("saved") == "1",
        "removed": query.get("removed") == "1",
        "retry_minutes": wait.minutes if wait else None,
    }
    response = render(request, PAGE, context, status_code=status_code)
    if wait is not None:
        response.headers["Retry-After"] = str(wait.seconds)
    return response


@require_user
async def mobile_number(request: Request, user: User) -> Response:
    """The mobile number, whether it is verified, and the form to change or remove it."""
    return _page(request, user, _form(user))


@require_user
async def save_mobile_number(request: Request, user: User) -> Response:
    """Check the form and the password (throttled like logins), then store the number."""
    form = _form(user, await read_form(request))
    if form is None:
        return _page(request, user, None, status_code=400)
    if not form.validate():
        return _page(request, user, form, status_code=rejected_status(request))
    state = app_state(request)
    outcome = await mobile.change_mobile(
        session=request_session(request),
        user=user,
        phone=form.phone.data or None,
        password=entered(form.current_password),
        secret_key=state.settings.secret_key,
        mailer=state.mailer,
    )
    if not (outcome.wrong_password or outcome.wait):  # changed (or, raced, already so)
        notice = "saved" if user.phone else "removed"
        return RedirectResponse(f"{url_path('mobile_number')}?{notice}=1", status_code=303)
    if outcome.wrong_password:
        form.current_password.errors = [
            field_text(
                i18n.lazy_gettext("This is not your current password. Check it and try again.")
            )
        ]
    if outcome.wait:
        wait = throttling.Decision(False, outcome.wait)
        return _page(request, user, form, status_code=429, wait=wait)
    return _page(request, user, form, status_code=rejected_status(request))


routes = [
    Route("/account/mobile", mobile_number, methods=["GET"], name="mobile_number"),
    Route("/account/mobile", save_mobile_number, methods=["POST"], name="save_mobile_number"),
]
