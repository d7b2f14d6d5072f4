"""``/account/information`` (edited in place with htmx) and ``/account/password``.

Routes, methods and parameters (none takes an id: each works on the signed-in user alone):
    GET  /account/information            read-only; ``?edit=1`` the form, ``?saved=1`` a notice
    POST /account/information            name, job_title, customer_type, invoice_email,
                                         preferred_language
    GET  /account/password               ``?changed=1`` / ``?added=1`` a notice
    POST /account/password               current_password, new_password
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
from portal.forms import display_phone, field_text
from portal.profile.account import email_change, services
from portal.profile.account.forms import (
    AccountInformationForm,
    PasswordForm,
    customer_type_label,
)
from portal.profile.account.services import ACCOUNT_FIELDS
from portal.urls import url_path
from portal.web import is_htmx, rejected_status, require_user
from portal.web.csrf import read_form
from portal.web.state import app_state, render

INFORMATION = "profile/account/information.html"
INFORMATION_BLOCK = "information"
PASSWORD = "profile/account/password.html"  # noqa: S105 - a template name


async def _information_context(
    request: Request, user: User, *, form: AccountInformationForm | None, saved: bool = False
) -> dict[str, Any]:
    """What the page shows; ``form`` set: the form instead of the read-only list."""
    language = i18n.LANGUAGES.get(user.preferred_language)
    pending = await email_change.pending_change(session=request_session(request), user=user)
    return {
        "pending_email": pending.new_email if pending else None,
        "form": form,
        "editing": form is not None,
        "saved": saved,
        # htmx swaps the block in: move focus to its heading, where the reader's eyes went.
        "swapped": is_htmx(request),
        "customer_type": customer_type_label(user.customer_type),
        "phone": display_phone(user.phone),
        "language": language.native_name if language else None,
        "language_tag": language.html_lang if language else None,
    }


def _current_values(user: User) -> dict[str, Any]:
    return {field: getattr(user, field) or "" for field in ACCOUNT_FIELDS}


@require_user
async def information(request: Request, user: User) -> Response:
    """Account information: read-only, or the form (``?edit=1``) for the full page or htmx."""
    query = request.query_params
    form = AccountInformationForm(data=_current_values(user)) if query.get("edit") == "1" else None
    context = await _information_context(request, user, form=form, saved=query.get("saved") == "1")
    return render(request, INFORMATION, context, block=INFORMATION_BLOCK)


@require_user
async def save_information(request: Request, user: User) -> Response:
    """Save the form: the read-only block for htmx, else 303; the whole page when the language
    changed, since every word of it changes."""
    data = await read_form(request)
    templates = app_state(request).templates
    form = AccountInformationForm.from_form(data)
    if not form.validate():
        context = await _information_context(request, user, form=form)
        return templates.render(
            request,
            INFORMATION,
            context,
            status_code=rejected_status(request),
            block=INFORMATION_BLOCK,
        )
    changed = await services.update_account_information(
        session=request_session(request), user=user, data=form.data
    )
    target = url_path("account_information") + "?saved=1"
    response: Response
    if "preferred_language" in changed:
        if is_htmx(request):
            response = Response(status_code=204, headers={"HX-Redirect": target})
        else:
            response = RedirectResponse(target, status_code=303)
        # As the language switch does: the site stays in this language after logging out.
        response.set_cookie(
            i18n.LANGUAGE_COOKIE,
            user.preferred_language,
            max_age=i18n.LANGUAGE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=app_state(request).settings.production,
        )
        return response
    if is_htmx(request):
        context = await _information_context(request, user, form=None, saved=True)
        return templates.render(request, INFORMATION, context, block=INFORMATION_BLOCK)
    return RedirectResponse(target, status_code=303)


def _password_mode(user: User) -> str:
    """``change`` (has a password), ``add`` (a WeChat account with an email address), or
    ``needs_email`` (no address: a password could not be used to log in, policy 1.6)."""
    if user.password_hash:
        return "change"
    return "add" if user.email else "needs_email"


def _password_page(
    request: Request,
    user: User,
    form: PasswordForm | None,
    *,
    status_code: int = 200,
    retry_minutes: int | None = None,
) -> Response:
    query = request.query_params
    context = {
        "form": form,
        "mode": _password_mode(user),
        "changed": query.get("changed") == "1",
        "added": query.get("added") == "1",
        "retry_minutes": retry_minutes,
    }
    return render(request, PASSWORD, context, status_code=status_code)


def _password_form(user: User, data: Any = None) -> PasswordForm | None:
    mode = _password_mode(user)
    if mode == "needs_email":
        return None
    options: dict[str, Any] = {"account_email": user.email, "needs_current": mode == "change"}
    if data is None:
        return PasswordForm(**options)
    form = PasswordForm.from_form(data, **options)
    assert isinstance(form, PasswordForm)
    return form


@require_user
async def password(request: Request, user: User) -> Response:
    """Password setting: the form to change the password, or to add one (WeChat accounts)."""
    return _password_page(request, user, _password_form(user))


@require_user
async def save_password(request: Request, user: User) -> Response:
    """Check the current password (throttled like logins), set the new one, sign out elsewhere."""
    data = await read_form(request)
    form = _password_form(user, data)
    if form is None:
        return _password_page(request, user, None, status_code=400)
    valid = form.validate()
    # The current password is checked even when the new one is refused, so that every field's
    # error shows in one pass; an empty one already has its message.
    if valid or (form.needs_current and not form.current_password.errors):
        state = app_state(request)
        adding = user.password_hash is None
        outcome = await services.change_password(
            session=request_session(request),
            user=user,
            current_password=form.current_password.data,
            new_password=form.new_password.data if valid else None,
            keep_session_id=request.scope["login_session"].id,
            secret_key=state.settings.secret_key,
            mailer=state.mailer,
        )
        if outcome.changed:
            notice = "added" if adding else "changed"
            return RedirectResponse(f"{url_path('password_setting')}?{notice}=1", status_code=303)
        if outcome.wrong_current:
            form.current_password.errors = [
                field_text(
                    i18n.lazy_gettext("This is not your current password. Check it and try again.")
                )
            ]
        if outcome.wait:
            decision = throttling.Decision(False, outcome.wait)
            response = _password_page(
                request, user, form, status_code=429, retry_minutes=decision.minutes
            )
            response.headers["Retry-After"] = str(decision.seconds)
            return response
    return _password_page(request, user, form, status_code=rejected_status(request))


routes = [
    Route("/account/information", information, methods=["GET"], name="account_information"),
    Route(
        "/account/information",
        save_information,
        methods=["POST"],
        name="save_account_information",
    ),
    Route("/account/password", password, methods=["GET"], name="password_setting"),
    Route("/account/password", save_password, methods=["POST"], name="save_password_setting"),
]
