"""Error pages: styled, in the visitor's language, for 400, 403, 404, 405, 413 and 500."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from portal import i18n
from portal.web.headers import security_headers
from portal.web.limits import TOO_LARGE_SCOPE_KEY
from portal.web.state import app_state

logger = logging.getLogger("portal")


def _render(request: Request, status_code: int) -> Response:
    templates = app_state(request).templates
    # A 500 is rendered outside the locale middleware, whose context has ended by then.
    i18n.set_locale(request.scope.get("locale") or i18n.choose_locale(request.scope))
    response = templates.render(
        request, "errors/error.html", {"status_code": status_code}, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # 400: a form that cannot be read (a file where none is taken, text that is not UTF-8).
    if exc.status_code in (400, 403, 404, 405, 413):
        response = _render(request, exc.status_code)
        if exc.headers:
            response.headers.update(exc.headers)
        return response
    return HTMLResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


async def server_error(request: Request, exc: Exception) -> Response:
    if request.scope.get(TOO_LARGE_SCOPE_KEY):
        # The body limit cut the body off; the app saw the client leave. The 413 page replaces this.
        return HTMLResponse("", status_code=500)
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    try:
        response = _render(request, 500)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        response = HTMLResponse("<h1>500</h1>", status_code=500)
    # Starlette answers a 500 from outside every middleware, SecurityHeadersMiddleware included.
    for name, value in security_headers(hsts=app_state(request).settings.production):
        response.headers.setdefault(name.decode(), value.decode())
    return response


async def csrf_error(request: Request, exc: Exception) -> Response:
    """A multipart form (checked by ``read_form``, not the middleware) without a valid token."""
    return _render(request, 403)


async def csrf_failure(scope: Scope, receive: Receive, send: Send) -> None:
    """The CSRF middleware's answer: a 403 page that tells the user how to recover."""
    request = Request(scope, receive)
    response = _render(request, 403)
    await response(scope, receive, send)


async def too_large(scope: Scope, receive: Receive, send: Send) -> None:
    """The body limit's answer (outside every other middleware): the 413 page, then hang up."""
    request = Request(scope, receive)
    response = _render(request, 413)
    for name, value in security_headers(hsts=app_state(request).settings.production):
        response.headers.setdefault(name.decode(), value.decode())
    response.headers["Connection"] = "close"  # the rest of the body is never read
    await response(scope, receive, send)
