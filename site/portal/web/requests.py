"""What every area's routes share about a request: who is signed in, htmx or not, logging in.

Kept free of any area's logic, so ``accounts``, ``privacy`` and ``profile`` routes read alike.

A page for signed-in users is written as an endpoint that takes the user, and wrapped::

    @require_user
    async def addresses(request: Request, user: User) -> Response: ...

    @require_user(back_to="account")   # a POST-only action: the page (route name) to come back to
    async def end_session(request: Request, user: User) -> Response: ...
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, overload
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.urls import url_path
from portal.web.csrf import SAFE_METHODS, read_form
from portal.web.redirects import safe_next

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.staff.models import Role, StaffMember

#: A Starlette endpoint.
Endpoint = Callable[[Request], Awaitable[Response]]
#: An endpoint for signed-in users: :func:`require_user` passes the user in.
UserEndpoint = Callable[[Request, "User"], Awaitable[Response]]
#: A staff console endpoint: :func:`require_staff` passes the staff member in.
StaffEndpoint = Callable[[Request, "StaffMember"], Awaitable[Response]]


def current_user(request: Request) -> User | None:
    """The signed-in user (set by accounts/sessions.py's middleware), or ``None``.

    Pages for signed-in users take the user from :func:`require_user` instead; this is for the
    pages that differ for visitors and users (registration, login, the language switch).
    """
    return request.scope.get("user")


def is_htmx(request: Request) -> bool:
    """An htmx request (not a history restore), which gets a named block instead of the page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def rejected_status(request: Request) -> int:
    """The status of a form sent back with errors: 400, or 422 for htmx (DESIGN.md, Forms)."""
    return 422 if is_htmx(request) else 400


def see_other(request: Request, url: str) -> Response:
    """After a form succeeds, go to ``url``: a 303 for a browser, ``HX-Redirect`` for htmx
    (which would otherwise follow the 303 itself and swap the next page into the form)."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def page_number(request: Request, name: str = "page") -> int:
    """The page of a list the query asks for (``?page=3``): 1 unless it holds a plain number
    (the list clamps one past its end)."""
    value = request.query_params.get(name)
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 7 else 1


def login_redirect(
    request: Request, target: str | None = None, *, login_path: str | None = None
) -> Response:
    """Send an anonymous visitor to log in, and back to ``target`` (default: here) afterwards.

    htmx would swap the login page into a fragment: it gets ``HX-Redirect`` instead.
    """
    if target is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"{login_path or url_path('login')}?next={quote(target, safe='/')}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@overload
def require_user(endpoint: UserEndpoint, /) -> Endpoint: ...
@overload
def require_user(*, back_to: str | None = None) -> Callable[[UserEndpoint], Endpoint]: ...
def require_user(
    endpoint: UserEndpoint | None = None, /, *, back_to: str | None = None
) -> Endpoint | Callable[[UserEndpoint], Endpoint]:
    """Make ``endpoint(request, user)`` a Starlette endpoint for signed-in users only.

    A signed-in user reaches ``endpoint`` with their ``User``. An anonymous visitor is sent to
    ``/login?next=…`` (``HX-Redirect`` for htmx), and comes back afterwards:

    - from a GET (or HEAD), to the same address, query included;
    - from a form (any unsafe method), to the form's own ``next`` field when it has a safe one,
      else to ``back_to``, else to the form's address. A POST-only action names ``back_to``
      (the name of the route of the page its button is on, as ``url_path`` takes it), as
      nothing answers a GET at its own address. The form is read first, so a request without
      the CSRF token gets 403, never a redirect. A ``back_to`` starting with ``/`` is a path,
      taken as it is.

    Staff pages get the same mechanics from :func:`require_staff`.
    """

    def wrap(endpoint: UserEndpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def signed_in_only(request: Request) -> Response:
            user = current_user(request)
            if user is not None:
                return await endpoint(request, user)
            return login_redirect(request, await _come_back_to(request, back_to))

        return signed_in_only

    return wrap if endpoint is None else wrap(endpoint)


#: Where a staff member who must still replace the one-time password is sent, whatever they ask.
STAFF_PASSWORD_PATH = "/staff/password"  # noqa: S105 - an address, not a password


def require_staff(
    role: Role | None = None, *, back_to: str | None = None
) -> Callable[[StaffEndpoint], Endpoint]:
    """Make ``endpoint(request, staff)`` a staff console endpoint, for ``role`` (``None``: any).

    As :func:`require_user`, with the staff login and the staff session (staff/sessions.py):
    an anonymous visitor goes to ``/staff/login?next=…``; a member who has not yet replaced the
    one-time password goes to ``/staff/password`` first; a member without the role (admins
    have every role) gets 403.
    """

    def wrap(endpoint: StaffEndpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def staff_only(request: Request) -> Response:
            member: StaffMember | None = request.scope.get("staff")
            if member is None:
                target = await _come_back_to(request, back_to)
                return login_redirect(request, target, login_path=url_path("staff_login"))
            if member.password_set_at is None and request.url.path != STAFF_PASSWORD_PATH:
                if is_htmx(request):
                    return Response(status_code=204, headers={"HX-Redirect": STAFF_PASSWORD_PATH})
                return RedirectResponse(STAFF_PASSWORD_PATH, status_code=303)
            if not member.staff_role.grants(role):
                raise HTTPException(403)
            return await endpoint(request, member)

        return staff_only

    return wrap


async def _come_back_to(request: Request, back_to: str | None) -> str | None:
    """Where the login page sends a visitor back to (``None``: this address); see above."""
    if request.method in SAFE_METHODS:
        return None
    form = await read_form(request)  # raises CSRFError (403) without the token
    if back_to is None:
        default = request.url.path
    elif back_to.startswith("/"):
        default = back_to
    else:
        default = url_path(back_to)
    return safe_next(form.get("next"), default)
