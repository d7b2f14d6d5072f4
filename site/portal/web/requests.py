"""Small helpers every area's routes share: who is signed in, htmx or not, where to log in.

Kept free of any area's logic, so ``accounts``, ``privacy`` and ``profile`` routes read alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

if TYPE_CHECKING:
    from portal.accounts.models import User


def current_user(request: Request) -> User | None:
    """The signed-in user (set by accounts/sessions.py's middleware), or ``None``."""
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


def login_redirect(request: Request, target: str | None = None) -> Response:
    """Send an anonymous visitor to log in, and back here afterwards.

    htmx would swap the login page into a fragment: it gets ``HX-Redirect`` instead.
    """
    if target is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/login?next={quote(target, safe='/')}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
