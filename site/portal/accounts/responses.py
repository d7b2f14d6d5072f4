"""What the accounts routes share: the client's address, 429 answers, the signed-in answer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.accounts import devices, signin, throttling
from portal.accounts.models import User
from portal.accounts.sessions import SESSION_COOKIE
from portal.db import request_session
from portal.web.csrf import rotate_csrf_cookie
from portal.web.state import app_state, render


def client_of(request: Request) -> tuple[str, str]:
    return request.headers.get("user-agent", ""), request.client.host if request.client else ""


def too_many(
    request: Request, template: str, context: dict[str, Any], decision: throttling.Decision
) -> Response:
    """The form again, status 429, saying when the user can try again."""
    response = render(
        request, template, {**context, "retry_minutes": decision.minutes}, status_code=429
    )
    response.headers["Retry-After"] = str(decision.seconds)
    return response


async def signed_in_response(
    request: Request, user: User, *, remember: bool, target: str
) -> Response:
    """Open a fresh session (ending the one this browser had) and set its cookie.

    The CSRF cookie is replaced as well: a token known before the sign-in must not work in it.
    The browser gets a new device cookie (devices.py): strangers cannot lock it out of the account.
    """
    state = app_state(request)
    user_agent, ip_address = client_of(request)
    new = await signin.sign_in(
        session=request_session(request),
        user=user,
        remember=remember,
        user_agent=user_agent,
        ip_address=ip_address,
        previous=request.scope.get("login_session"),
        secret_key=state.settings.secret_key,
    )
    rotate_csrf_cookie(request)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        new.cookie_value,
        max_age=new.max_age,
        httponly=True,
        samesite="lax",
        secure=state.settings.production,
    )
    device = devices.issue(state.settings.secret_key, user)
    if device is not None:
        response.set_cookie(
            devices.DEVICE_COOKIE,
            device,
            max_age=int(devices.DEVICE_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=state.settings.production,
        )
    return response
