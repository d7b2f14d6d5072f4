"""``/password/forgot`` and ``/password/reset``: a forgotten password, by a link in a mail."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.accounts import password_reset, services
from portal.accounts.devices import DEVICE_COOKIE
from portal.accounts.forms import ForgotPasswordForm, ResetPasswordForm
from portal.accounts.responses import client_of, signed_in_response, too_many
from portal.db import request_session
from portal.forms import entered
from portal.urls import url_path
from portal.web import is_htmx, rejected_status
from portal.web.csrf import read_form
from portal.web.state import app_state

# The pages say how long a link works in the words the mail uses.
_LIFETIME = {"link_lifetime": password_reset.link_lifetime}


async def forgot_password(request: Request) -> Response:
    """Ask for a reset link. The answer never says whether the address has an account."""
    state = app_state(request)
    template = "accounts/password_forgot.html"
    if request.method == "GET":
        sent = request.query_params.get("sent") == "1"
        return state.templates.render(
            request, template, {"form": ForgotPasswordForm(), "sent": sent, **_LIFETIME}
        )
    form = ForgotPasswordForm.from_form(await read_form(request))
    if form.validate():
        decision = await services.request_password_reset(
            session=request_session(request),
            email=entered(form.email),
            client=client_of(request)[1],
            secret_key=state.settings.secret_key,
            mailer=state.mailer,
            locale=i18n.current_locale(),
            device_cookie=request.cookies.get(DEVICE_COOKIE),
        )
        if not decision.allowed:
            return too_many(request, template, {"form": form, "sent": False, **_LIFETIME}, decision)
        return RedirectResponse(url_path("forgot_password") + "?sent=1", status_code=303)
    return state.templates.render(
        request,
        template,
        {"form": form, "sent": False, **_LIFETIME},
        status_code=rejected_status(request),
    )


# The token is in the address: no caching. (The site's Referrer-Policy already keeps the path
# from other sites; "no-referrer" would make browsers send "Origin: null", which CSRF refuses.)
_RESET_HEADERS = {"Cache-Control": "no-store"}


async def reset_password(request: Request) -> Response:
    """Choose a new password from the link in the mail; then every other session ends."""
    state = app_state(request)
    template = "accounts/password_reset.html"
    if request.method == "GET":
        token = request.query_params.get("token", "")
        session = request_session(request)
        user = await password_reset.user_for_token(session=session, token=token)
        form = ResetPasswordForm(data={"token": token})
        return state.templates.render(
            request,
            template,
            {"form": form, "valid": user is not None, **_LIFETIME},
            status_code=200 if user else 400,
            headers=_RESET_HEADERS,
        )
    form = ResetPasswordForm.from_form(await read_form(request))
    token = form.token.data if isinstance(form.token.data, str) else ""
    session = request_session(request)
    user = await password_reset.user_for_token(session=session, token=token)
    if user is not None:
        form.account_email = user.email
        if form.validate():
            user = await password_reset.reset_password(
                session=session,
                token=token,
                password=entered(form.password),
                secret_key=state.settings.secret_key,
                mailer=state.mailer,
            )
            if user is not None:
                return await signed_in_response(
                    request,
                    user,
                    remember=False,
                    target=url_path("account") + "?password_changed=1",
                )
    form.password.data = ""
    status = 422 if is_htmx(request) and user is not None else 400
    return state.templates.render(
        request,
        template,
        {"form": form, "valid": user is not None, **_LIFETIME},
        status_code=status,
        headers=_RESET_HEADERS,
    )


routes = [
    Route("/password/forgot", forgot_password, methods=["GET", "POST"], name="forgot_password"),
    Route("/password/reset", reset_password, methods=["GET", "POST"], name="reset_password"),
]
