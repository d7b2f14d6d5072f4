"""``/register``, ``/login``, ``/logout``, ``/verify-email``, ``/account`` and its sessions.

The forgotten-password routes are in ``password_routes.py``; the Personal Center's other parts
in ``portal/profile``.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.accounts import deregistration_routes, password_routes, services, signin, throttling
from portal.accounts.devices import DEVICE_COOKIE
from portal.accounts.forms import LoginForm, RegistrationForm
from portal.accounts.models import User
from portal.accounts.responses import client_of, signed_in_response, too_many
from portal.accounts.sessions import SESSION_COOKIE, active_sessions
from portal.db import request_session, saved_id
from portal.forms import entered, field_text
from portal.profile.overview import overview
from portal.urls import url_path
from portal.web import current_user, is_htmx, rejected_status, require_user
from portal.web.csrf import read_form, rotate_csrf_cookie
from portal.web.redirects import safe_next
from portal.web.state import app_state, render


async def register(request: Request) -> Response:
    templates = app_state(request).templates
    if current_user(request):
        return RedirectResponse(url_path("account"), status_code=303)
    if request.method == "GET":
        return templates.render(request, "accounts/register.html", {"form": RegistrationForm()})
    form = RegistrationForm.from_form(await read_form(request))
    state = app_state(request)
    in_force = state.policy.in_force()
    if form.validate() and in_force is not None:
        data = services.Registration(
            name=entered(form.name),
            email=entered(form.email),
            phone=entered(form.phone),
            customer_type=form.customer_type.data,
            password=entered(form.password),
        )
        try:
            user = await services.register(
                session=request_session(request),
                data=data,
                locale=i18n.current_locale(),
                policy_version=in_force.version,
                channel="website",
                client=client_of(request)[1],
                secret_key=state.settings.secret_key,
                mailer=state.mailer,
                verify_days=state.settings.unverified_account_days,
            )
        except services.TooManyAttempts as error:
            form.password.data = ""
            return too_many(request, "accounts/register.html", {"form": form}, error.decision)
        except services.EmailTaken:
            form.email.errors = [
                field_text(
                    i18n.lazy_gettext(
                        "This email address already has an account. Log in, or reset your password if you have forgotten it."
                    )
                )
            ]
        else:
            return await signed_in_response(
                request, user, remember=False, target=url_path("account") + "?welcome=1"
            )
    form.password.data = ""
    return templates.render(
        request, "accounts/register.html", {"form": form}, status_code=rejected_status(request)
    )


async def login(request: Request) -> Response:
    templates = app_state(request).templates
    target = safe_next(request.query_params.get("next"), url_path("account"))
    if current_user(request) and request.method == "GET":
        return RedirectResponse(target, status_code=303)
    if request.method == "GET":
        return templates.render(
            request, "accounts/login.html", {"form": LoginForm(), "next": target, "failed": False}
        )
    form = LoginForm.from_form(await read_form(request))
    failed = False
    if form.validate():
        outcome = await signin.log_in(
            session=request_session(request),
            email=entered(form.email),
            password=entered(form.password),
            client=client_of(request)[1],
            secret_key=app_state(request).settings.secret_key,
            device_cookie=request.cookies.get(DEVICE_COOKIE),
        )
        if outcome.user is not None:
            return await signed_in_response(
                request, outcome.user, remember=bool(form.remember.data), target=target
            )
        if outcome.wait:
            form.password.data = ""
            context = {"form": form, "next": target, "failed": False}
            return too_many(
                request, "accounts/login.html", context, throttling.Decision(False, outcome.wait)
            )
        failed = True
    form.password.data = ""
    return templates.render(
        request,
        "accounts/login.html",
        {"form": form, "next": target, "failed": failed},
        status_code=400,
    )


async def logout(request: Request) -> Response:
    await read_form(request)
    login_session = request.scope.get("login_session")
    if login_session is not None:
        await signin.sign_out(session=request_session(request), login_session=login_session)
    rotate_csrf_cookie(request)  # the signed-in pages' tokens end with the session
    response = RedirectResponse(url_path("home"), status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=app_state(request).settings.production
    )
    return response


# The token is in the address: no caching (as for the password reset links).
_NO_STORE = {"Cache-Control": "no-store"}


async def verify_email(request: Request) -> Response:
    """GET: the link in the mail shows the address and a button, and changes nothing (mail
    scanners follow links). POST: the button confirms, then back to the GET, which says so."""
    form_data = await read_form(request) if request.method == "POST" else None
    token = form_data.get("token") if form_data is not None else request.query_params.get("token")
    token = token if isinstance(token, str) else ""
    state = app_state(request)
    days = state.settings.unverified_account_days
    if form_data is not None:
        user = await services.verify_email(
            session=request_session(request),
            secret_key=state.settings.secret_key,
            token=token,
            days=days,
            signed_in=request.scope.get("login_session"),
        )
        if user is not None:
            return RedirectResponse(
                f"{url_path('verify_email')}?token={quote(token, safe='')}", 303
            )
    else:
        user = await services.verification_user(
            session=request_session(request),
            secret_key=state.settings.secret_key,
            token=token,
            days=days,
        )
    signed_in = current_user(request)
    state_name = (
        "bad" if user is None else "confirm" if user.email_verified_at is None else "confirmed"
    )
    context = {
        "state": state_name,
        "token": token,
        "email": user.email if user else "",
        "days": days,
        "signed_in_here": user is not None and signed_in is not None and signed_in.id == user.id,
    }
    return state.templates.render(
        request,
        "accounts/verify_email.html",
        context,
        status_code=400 if user is None else 200,
        headers=_NO_STORE,
    )


@require_user(back_to="account")
async def resend_verification(request: Request, user: User) -> Response:
    await read_form(request)
    state = app_state(request)
    decision = await services.resend_verification(
        session=request_session(request),
        user=user,
        secret_key=state.settings.secret_key,
        mailer=state.mailer,
        verify_days=state.settings.unverified_account_days,
    )
    if not decision.allowed:
        return await _account_page(request, user, status_code=429, decision=decision)
    return RedirectResponse(url_path("account") + "?sent=1", status_code=303)


@require_user
async def account(request: Request, user: User) -> Response:
    """The Personal Center's home: who is signed in, and links to every part."""
    return await _account_page(request, user)


async def _account_page(
    request: Request,
    user: User,
    *,
    status_code: int = 200,
    decision: throttling.Decision | None = None,
) -> Response:
    db = request_session(request)
    sessions = await active_sessions(session=db, user_id=saved_id(user))
    summary = await overview(session=db, user_id=saved_id(user))
    query = request.query_params
    days = app_state(request).settings.unverified_account_days
    # An email account left unconfirmed is deleted then (housekeeping.expire_unverified).
    unconfirmed = user.email_verified_at is None and user.email and not user.wechat_openid
    delete_after = user.created_at + timedelta(days=days) if unconfirmed else None
    response = render(
        request,
        "accounts/account.html",
        {
            "sessions": sessions,
            "overview": summary,
            "welcome": query.get("welcome") == "1",
            "sent": query.get("sent") == "1",
            "password_changed": query.get("password_changed") == "1",
            "signed_out": query.get("signed_out") == "1",
            "retry_minutes": decision.minutes if decision else None,
            "unverified_days": days,
            "delete_after": delete_after,
        },
        status_code=status_code,
    )
    if decision is not None:
        response.headers["Retry-After"] = str(decision.seconds)
    return response


@require_user(back_to="account")
async def end_session(request: Request, user: User) -> Response:
    """End one of the user's other sessions: an empty row for htmx, else back to the list;
    404 for an id that cannot be a session."""
    await read_form(request)
    if not await signin.end_session(
        session=request_session(request),
        user=user,
        session_id=request.path_params["session_id"],
        current=request.scope["login_session"],
    ):
        raise HTTPException(status_code=404)
    if is_htmx(request):
        return HTMLResponse("")
    return RedirectResponse(url_path("account"), status_code=303)


@require_user(back_to="account")
async def end_other_sessions(request: Request, user: User) -> Response:
    """Sign out everywhere else: every session of the user but this browser's."""
    await read_form(request)
    await signin.end_other_sessions(
        session=request_session(request), user=user, current=request.scope["login_session"]
    )
    return RedirectResponse(url_path("account") + "?signed_out=1", status_code=303)


async def remember_language(request: Request, locale: str) -> None:
    """A language hook (pages/routes.py): the switch also sets a signed-in user's preference."""
    user = current_user(request)
    if user is None or user.preferred_language == locale:
        return
    await services.set_preferred_language(
        session=request_session(request), user=user, locale=locale
    )


routes = [
    Route("/register", register, methods=["GET", "POST"], name="register"),
    Route("/login", login, methods=["GET", "POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/verify-email", verify_email, methods=["GET", "POST"], name="verify_email"),
    Route(
        "/verify-email/resend", resend_verification, methods=["POST"], name="resend_verification"
    ),
    Route("/account", account, name="account"),
    *password_routes.routes,
    *deregistration_routes.routes,
    Route(
        "/account/sessions/{session_id:int}/end",
        end_session,
        methods=["POST"],
        name="end_session",
    ),
    Route(
        "/account/sessions/end-others",
        end_other_sessions,
        methods=["POST"],
        name="end_other_sessions",
    ),
]
